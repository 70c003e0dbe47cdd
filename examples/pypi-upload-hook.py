#!/usr/bin/env python3
"""stamplog upload hook for a Python package index (Warehouse, devpi, ...): standard library only.

Call it after the index has stored an upload:

    pypi-upload-hook.py --log https://log.example.org --project demo --version 1.0 \
        [--uploaded-at 2024-05-29T15:37:47Z] dist/demo-1.0.tar.gz [more files...]

with the submitter token in $STAMPLOG_TOKEN (or --token). For each file it computes the SHA-256 and size
(streaming), POSTs an `artifact` entry to /api/v1/entries (DESIGN §4), checks the answer, and stores the
receipt (a C2SP tlog-proof) atomically as <file>.tlog-proof, or under --proof-dir.

Retries are safe: the log deduplicates identical submissions (same kind, subject, claims) and answers a
repeat with the ORIGINAL index and a fresh receipt, so a hook that timed out, crashed or was re-run after
the entry was logged never creates a second entry. Network failures, 429, 502, 503 and 504 are retried
with exponential back-off (honouring Retry-After), at most --retries times.

What it checks: the logged entry is the one submitted (the JSON answer), the receipt's leaf hashes (RFC 6962
§2.1) to a leaf that its inclusion proof (RFC 9162 §2.1.3.2) places under the root of its checkpoint, and
the leaf carries the file's digest. It does NOT check the checkpoint's Ed25519 signature (the standard
library has no Ed25519): run `stamplog verify <file> --policy <policy>` for the full offline verification.

Exit status: 0 every file logged; 2 usage or unreadable file; 3 the log refused or was unreachable;
11 a receipt does not verify.
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request

EXIT_USAGE, EXIT_SERVER, EXIT_PROOF = 2, 3, 11
RETRY_STATUSES = {429, 502, 503, 504}
HEADER = "c2sp.org/tlog-proof@v1"


class Failure(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def file_digest(path):
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def post_json(url, token, body, retries, timeout):
    """POSTs body as JSON; returns (status, parsed answer). Retries transient failures."""
    data = json.dumps(body).encode("utf-8")
    for attempt in range(retries + 1):
        req = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + token, "Accept": "application/json"},
        )
        wait = min(0.25 * 2**attempt, 10.0)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return res.status, json.loads(res.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            if e.code in RETRY_STATUSES and attempt < retries:
                retry_after = e.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    wait = min(float(retry_after), 30.0)
                time.sleep(wait)
                continue
            try:
                detail = json.loads(text).get("detail", text)
            except ValueError:
                detail = text[:500]
            raise Failure(EXIT_SERVER, "the log refused %s: HTTP %d: %s" % (url, e.code, detail))
        except (urllib.error.URLError, OSError, ValueError) as e:
            if attempt < retries:
                time.sleep(wait)
                continue
            raise Failure(EXIT_SERVER, "cannot reach the log at %s: %s" % (url, e))
    raise Failure(EXIT_SERVER, "unreachable")  # not reached


def b64(s, length=None):
    try:
        raw = base64.b64decode(s, validate=True)
    except ValueError:
        raise Failure(EXIT_PROOF, "receipt: bad base64")
    if length is not None and len(raw) != length:
        raise Failure(EXIT_PROOF, "receipt: a hash is not %d bytes" % length)
    return raw


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(leaf_hash, index, size, proof):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        raise Failure(EXIT_PROOF, "receipt: index %d is not below the tree size %d" % (index, size))
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise Failure(EXIT_PROOF, "receipt: inclusion proof too long")
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Failure(EXIT_PROOF, "receipt: inclusion proof too short")
    return r


def check_receipt(proof_text, sha256_hex):
    """Checks the tlog-proof's leaf and inclusion proof against its checkpoint root; returns the index."""
    head, sep, note = proof_text.partition("\n\n")
    lines = head.split("\n")
    if not sep or len(lines) < 3 or lines[0] != HEADER or not lines[1].startswith("extra ") or not lines[2].startswith("index "):
        raise Failure(EXIT_PROOF, "receipt: not a tlog-proof with extra data")
    leaf = b64(lines[1][len("extra "):])
    index_text = lines[2][len("index "):]
    if not index_text.isdigit() or str(int(index_text)) != index_text:
        raise Failure(EXIT_PROOF, "receipt: bad index")
    proof = [b64(line, 32) for line in lines[3:]]
    note_lines = note.split("\n")
    if len(note_lines) < 4 or not note_lines[1].isdigit():
        raise Failure(EXIT_PROOF, "receipt: bad checkpoint")
    size, root = int(note_lines[1]), b64(note_lines[2], 32)
    # The leaf is deterministic CBOR with the digest as a 32-byte byte string (0x58 0x20 prefix).
    if b"\x58\x20" + bytes.fromhex(sha256_hex) not in leaf:
        raise Failure(EXIT_PROOF, "receipt: the leaf does not carry the file's digest")
    leaf_hash = hashlib.sha256(b"\x00" + leaf).digest()
    if root_from_inclusion(leaf_hash, int(index_text), size, proof) != root:
        raise Failure(EXIT_PROOF, "receipt: the inclusion proof does not lead to the checkpoint's root")
    return int(index_text)


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def log_file(args, path):
    sha256_hex, size = file_digest(path)
    filename = os.path.basename(path)
    sub = {
        "kind": "artifact",
        "subject": {"project": args.project, "version": args.version, "filename": filename, "sha256": sha256_hex, "size": size},
    }
    if args.uploaded_at:
        sub["claims"] = {"uploadedAt": args.uploaded_at}
    status, answer = post_json(args.log.rstrip("/") + "/api/v1/entries", args.token, sub, args.retries, args.timeout)
    if not isinstance(answer, dict) or not isinstance(answer.get("proof"), str) or not isinstance(answer.get("entry"), dict):
        raise Failure(EXIT_SERVER, "the log's answer is not a receipt")
    if answer["entry"].get("subject") != sub["subject"]:
        raise Failure(EXIT_PROOF, "%s: the log logged another subject: %r" % (path, answer["entry"].get("subject")))
    index = check_receipt(answer["proof"], sha256_hex)
    if index != answer.get("index"):
        raise Failure(EXIT_PROOF, "%s: the receipt's index is not the answer's" % path)
    out = os.path.join(args.proof_dir, filename + ".tlog-proof") if args.proof_dir else path + ".tlog-proof"
    write_atomic(out, answer["proof"])
    print("%s %s at index %d; receipt %s" % ("already logged" if status == 200 else "logged", path, index, out))


def main(argv):
    ap = argparse.ArgumentParser(description="Log uploaded files in a stamplog transparency log and store their receipts.")
    ap.add_argument("files", nargs="+", help="the uploaded files")
    ap.add_argument("--log", default=os.environ.get("STAMPLOG_LOG", "http://127.0.0.1:8080"), help="log URL ($STAMPLOG_LOG)")
    ap.add_argument("--token", default=os.environ.get("STAMPLOG_TOKEN", ""), help="submitter token ($STAMPLOG_TOKEN)")
    ap.add_argument("--project", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--uploaded-at", help="the index's upload time, RFC 3339 UTC (e.g. 2024-05-29T15:37:47Z)")
    ap.add_argument("--proof-dir", help="where to store receipts (default: next to each file)")
    ap.add_argument("--retries", type=int, default=5, help="retries of transient failures (default 5)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per attempt (default 30)")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else EXIT_USAGE
    if not args.token:
        print("pypi-upload-hook: a submitter token is required: --token or STAMPLOG_TOKEN", file=sys.stderr)
        return EXIT_USAGE
    for path in args.files:
        try:
            log_file(args, path)
        except Failure as e:
            print("pypi-upload-hook: %s" % e, file=sys.stderr)
            return e.status
        except OSError as e:
            print("pypi-upload-hook: %s: %s" % (path, e), file=sys.stderr)
            return EXIT_USAGE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
