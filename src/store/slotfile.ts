/**
 * A small record kept durably in place: a file of two fixed-size slots, written alternately. Each write goes to
 * the slot that does not hold the newest record, then the file is fsynced; the file's size never changes after
 * it was created, so a write costs one pwrite and one fsync (no rename, no directory sync). A write torn by a
 * crash damages only the slot being written, whose checksum then fails: the other slot still holds the record
 * before it, which was durable. Reading takes the valid slot with the higher sequence number.
 *
 * Slot layout (SLOT_BYTES each): magic `STAMPLOG-SLOT-1\n` (16 bytes), sequence (u64 big-endian), payload length
 * (u32 big-endian), SHA-256 of sequence‖length‖payload (32 bytes), payload, zero padding.
 *
 * Failures throw STORAGE_FULL / STORAGE_FAILED (faults.ts); after one, the caller must not trust the file until it
 * has written it again successfully.
 */
import { closeSync, fsyncSync, openSync, readSync, writeSync, fstatSync, ftruncateSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { StamplogError } from '../base/index.ts';
import { storageFailure } from './faults.ts';

/** Bytes of one slot; a record holds at most SLOT_BYTES − HEADER_BYTES bytes. */
export const SLOT_BYTES = 16 * 1024;
const MAGIC = new TextEncoder().encode('STAMPLOG-SLOT-1\n');
const HEADER_BYTES = MAGIC.length + 8 + 4 + 32;
/** The most bytes one record may hold. */
export const MAX_RECORD_BYTES = SLOT_BYTES - HEADER_BYTES;

interface Slot {
  seq: bigint;
  payload: Uint8Array;
}

/** Parses one slot; undefined if it is empty, torn or not a slot. */
function parseSlot(b: Uint8Array): Slot | undefined {
  for (let i = 0; i < MAGIC.length; i++) if (b[i] !== MAGIC[i]) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const seq = view.getBigUint64(MAGIC.length);
  const len = view.getUint32(MAGIC.length + 8);
  if (len > MAX_RECORD_BYTES) return undefined;
  const digest = b.subarray(MAGIC.length + 12, HEADER_BYTES);
  const payload = b.subarray(HEADER_BYTES, HEADER_BYTES + len);
  const want = sha256(concat(b.subarray(MAGIC.length, MAGIC.length + 12), payload));
  for (let i = 0; i < 32; i++) if (digest[i] !== want[i]) return undefined;
  return { seq, payload: payload.slice() };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export class SlotFile {
  private fd: number | undefined;
  /** Sequence number and slot of the newest record written or read. */
  private newest: { seq: bigint; slot: number } | undefined;

  constructor(
    readonly path: string,
    private readonly what: string,
  ) {}

  /**
   * The newest valid record, or undefined when the file does not exist or holds none. Throws STORAGE_FAILED when
   * it cannot be read, and MALFORMED when it exists but is not a slot file.
   */
  read(): Uint8Array | undefined {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storageFailure(`reading ${this.what}`, e);
    }
    try {
      const size = fstatSync(fd).size;
      if (size !== 2 * SLOT_BYTES) throw new StamplogError('MALFORMED', `${this.what} (${this.path}) is not a slot file (${size} bytes)`);
      let best: (Slot & { slot: number }) | undefined;
      for (let slot = 0; slot < 2; slot++) {
        const b = new Uint8Array(SLOT_BYTES);
        readSync(fd, b, 0, SLOT_BYTES, slot * SLOT_BYTES);
        const parsed = parseSlot(b);
        if (parsed !== undefined && (best === undefined || parsed.seq > best.seq)) best = { ...parsed, slot };
      }
      this.newest = best === undefined ? undefined : { seq: best.seq, slot: best.slot };
      return best?.payload;
    } catch (e) {
      if (e instanceof StamplogError) throw e;
      throw storageFailure(`reading ${this.what}`, e);
    } finally {
      closeSync(fd);
    }
  }

  /** Durably writes `payload` as the newest record (pwrite into the other slot, fsync). */
  write(payload: Uint8Array): void {
    if (payload.length > MAX_RECORD_BYTES) throw new StamplogError('TOO_LARGE', `${this.what}: a record of ${payload.length} bytes exceeds ${MAX_RECORD_BYTES}`);
    let step = `writing ${this.what}`;
    try {
      if (this.fd === undefined) {
        if (this.newest === undefined) this.read(); // learn the newest slot of an existing file
        this.fd = this.openForWriting();
      }
      const seq = (this.newest?.seq ?? 0n) + 1n;
      const slot = this.newest === undefined ? 0 : 1 - this.newest.slot;
      const b = new Uint8Array(SLOT_BYTES);
      b.set(MAGIC);
      const view = new DataView(b.buffer);
      view.setBigUint64(MAGIC.length, seq);
      view.setUint32(MAGIC.length + 8, payload.length);
      b.set(payload, HEADER_BYTES);
      b.set(sha256(concat(b.subarray(MAGIC.length, MAGIC.length + 12), payload)), MAGIC.length + 12);
      let off = 0;
      while (off < SLOT_BYTES) off += writeSync(this.fd, b, off, SLOT_BYTES - off, slot * SLOT_BYTES + off);
      step = `syncing ${this.what}`;
      fsyncSync(this.fd);
      this.newest = { seq, slot };
    } catch (e) {
      // The slot's content is unknown now: close, and learn the file afresh before the next write.
      this.close();
      this.newest = undefined;
      if (e instanceof StamplogError && e.code !== 'STORAGE_FULL' && e.code !== 'STORAGE_FAILED') throw e;
      throw storageFailure(step, e);
    }
  }

  /** Opens the file for writing, creating it (both slots, fsynced, and its directory) if it does not exist. */
  private openForWriting(): number {
    try {
      return openSync(this.path, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const fd = openSync(this.path, 'wx+', 0o644);
    ftruncateSync(fd, 2 * SLOT_BYTES);
    fsyncSync(fd);
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return fd;
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already unusable
      }
    }
    this.fd = undefined;
  }
}
