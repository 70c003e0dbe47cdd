/** The two-slot record file (src/store/slotfile.ts) behind the checkpoint lock: in-place writes, torn writes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStamplogError } from '../../src/base/errors.ts';
import { SLOT_BYTES, SlotFile } from '../../src/store/slotfile.ts';

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));
const bytes = (s: string) => new TextEncoder().encode(s);

describe('SlotFile', () => {
  it('reads nothing before the first write, then the newest record, across handles', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slot-'));
    try {
      const path = join(dir, 'lock');
      const f = new SlotFile(path, 'test record');
      assert.equal(f.read(), undefined);
      for (let i = 1; i <= 5; i++) f.write(bytes(`record ${i}`));
      f.close();
      assert.equal(readFileSync(path).length, 2 * SLOT_BYTES, 'the file keeps its size');
      assert.equal(text(new SlotFile(path, 'test record').read()), 'record 5');
      const again = new SlotFile(path, 'test record');
      again.write(bytes('record 6'));
      again.close();
      assert.equal(text(new SlotFile(path, 'test record').read()), 'record 6');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a write torn anywhere in its slot leaves the record before it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slot-'));
    try {
      const path = join(dir, 'lock');
      const f = new SlotFile(path, 'test record');
      f.write(bytes('older'));
      f.write(bytes('newer'));
      f.close();
      const whole = readFileSync(path);
      // 'newer' went to slot 1; damage it anywhere the checksum covers: 'older' must come back.
      for (const at of [0, 20, 30, 60, 64]) { // magic, sequence, digest, first and last payload byte
        writeFileSync(path, whole);
        const fd = openSync(path, 'r+');
        writeSync(fd, new Uint8Array([whole[SLOT_BYTES + at] ^ 0x01]), 0, 1, SLOT_BYTES + at);
        closeSync(fd);
        assert.equal(text(new SlotFile(path, 'test record').read()), 'older', `damage at ${at}`);
      }
      // Both slots damaged: no record at all (the log treats that as a lock it cannot use).
      const both = Buffer.from(whole);
      both[5] ^= 1;
      both[SLOT_BYTES + 5] ^= 1;
      writeFileSync(path, both);
      assert.equal(new SlotFile(path, 'test record').read(), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a slot file, and a record too large for a slot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slot-'));
    try {
      const path = join(dir, 'lock');
      writeFileSync(path, 'a checkpoint note as text\n');
      assert.throws(() => new SlotFile(path, 'test record').read(), (e) => isStamplogError(e, 'MALFORMED'));
      const other = new SlotFile(join(dir, 'other'), 'test record');
      assert.throws(() => other.write(new Uint8Array(SLOT_BYTES)), (e) => isStamplogError(e, 'TOO_LARGE'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
