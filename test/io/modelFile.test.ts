import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { MODEL_FORMAT_VERSION, readModelFile, writeModelFile } from '../../src/io/modelFile.js';
import { ModelFileError } from '../../src/util/errors.js';
import { tempDir } from '../helpers.js';

const header = { format: 'test', note: 'ünïcode ok' };
const arrays = { w: new Float64Array([1, -0, Math.PI, 5e-324, -1.7976931348623157e308]), b: new Float64Array(3).fill(0.1) };

test('a model file round-trips header and float64 arrays bit for bit, written atomically', () => {
  const dir = tempDir();
  const path = join(dir, 'm.ampfit');
  writeModelFile(path, header, arrays);
  assert.deepEqual(readdirSync(dir), ['m.ampfit']); // no temp file left behind
  const { header: h, arrays: a } = readModelFile<typeof header>(path);
  assert.equal(h.note, header.note);
  assert.ok(Object.is(a.w[1], -0));
  assert.deepEqual([...a.w], [...arrays.w]);
  assert.deepEqual([...a.b], [...arrays.b]);
});

test('truncated, corrupted, newer-version and foreign files are refused, saying which check failed', () => {
  const dir = tempDir();
  const path = join(dir, 'm.ampfit');
  writeModelFile(path, header, arrays);
  const good = readFileSync(path);
  const expectFail = (bytes: Buffer, re: RegExp): void => {
    const p = join(dir, 'bad.ampfit');
    writeFileSync(p, bytes);
    assert.throws(() => readModelFile(p), (e: Error) => e instanceof ModelFileError && re.test(e.message));
  };
  expectFail(good.subarray(0, good.length - 10), /truncated/);
  expectFail(good.subarray(0, 20), /truncated/);
  const flipped = Buffer.from(good);
  flipped[good.length - 40] ^= 1;
  expectFail(flipped, /checksum mismatch/);
  const newer = Buffer.from(good);
  newer.writeUInt32LE(99, 8);
  expectFail(newer, /format version 99 is newer/);
  expectFail(Buffer.concat([Buffer.from('PK\x03\x04'), good.subarray(4)]), /bad magic/);
  expectFail(Buffer.concat([good, Buffer.from('x')]), /unexpected bytes/);
});

test('version 2 stores typed arrays with their dtype; every dtype round-trips bit for bit, odd lengths padded', () => {
  const dir = tempDir();
  const path = join(dir, 'typed.ampfit');
  const typed = {
    f64: new Float64Array([1.5, -0, NaN]),
    f32: Float32Array.from([0.1, 3.4e38, -1e-45]),
    i32: Int32Array.from([-1, 2147483647, 0]),
    u32: Uint32Array.from([4294967295, 1, 2]),
    u16: Uint16Array.from([65535, 7, 0, 1, 2]),
    u8: Uint8Array.from([255, 0, 1]),
    empty: new Int32Array(0),
  };
  writeModelFile(path, header, typed);
  const bytes = readFileSync(path);
  assert.equal(bytes.readUInt32LE(8), MODEL_FORMAT_VERSION);
  assert.equal(MODEL_FORMAT_VERSION, 2);
  const { arrays: a } = readModelFile(path);
  for (const [name, want] of Object.entries(typed)) {
    const got = a[name];
    assert.equal(Object.prototype.toString.call(got), Object.prototype.toString.call(want), name);
    assert.deepEqual(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(want.buffer, want.byteOffset, want.byteLength), name);
  }
  // Corruption and truncation are caught for typed arrays as for float64 ones.
  const p = join(dir, 'bad.ampfit');
  const flipped = Buffer.from(bytes);
  flipped[bytes.length - 40] ^= 4;
  writeFileSync(p, flipped);
  assert.throws(() => readModelFile(p), /checksum mismatch/);
  writeFileSync(p, bytes.subarray(0, bytes.length - 3));
  assert.throws(() => readModelFile(p), /truncated/);
});

/** A version 1 file as ampfit 0.1 wrote it: float64 arrays, refs without dtype. */
function versionOneFile(head: object, arrays: Record<string, Float64Array>): Buffer {
  const refs: Record<string, { offset: number; length: number }> = {};
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    refs[name] = { offset, length: a.length };
    offset += a.length * 8;
  }
  const json = Buffer.from(JSON.stringify({ ...head, arrays: refs }));
  const padded = Buffer.alloc(Math.ceil(json.length / 8) * 8, 0x20);
  json.copy(padded);
  const prefix = Buffer.alloc(32);
  Buffer.from('AMPFIT\r\n', 'latin1').copy(prefix);
  prefix.writeUInt32LE(1, 8);
  prefix.writeBigUInt64LE(BigInt(padded.length), 16);
  prefix.writeBigUInt64LE(BigInt(offset), 24);
  const blob = Buffer.concat(Object.values(arrays).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  const body = Buffer.concat([prefix, padded, blob]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

test('version 1 files (float64 only) are still read; a dtype in a version 1 header or an unknown dtype is refused', () => {
  const dir = tempDir();
  const p = join(dir, 'v1.ampfit');
  writeFileSync(p, versionOneFile(header, arrays));
  const { header: h, arrays: a } = readModelFile<typeof header>(p);
  assert.equal(h.note, header.note);
  assert.ok(a.w instanceof Float64Array);
  assert.deepEqual([...a.w], [...arrays.w]);
  const withDtype = versionOneFile({ ...header }, arrays);
  // Rewrite the v1 header's refs with a dtype (recomputing the checksum): refused.
  const text = withDtype.toString('latin1').replace('"length":5}', '"length":5,"dtype":"float64"}');
  writeFileSync(p, fixChecksum(Buffer.from(text, 'latin1'), 32));
  assert.throws(() => readModelFile(p), /dtype, which format version 1 does not know|truncated|lies outside/);
  const v2 = join(dir, 'v2.ampfit');
  writeModelFile(v2, header, { x: new Int32Array(2) });
  const unknown = Buffer.from(readFileSync(v2).toString('latin1').replace('"dtype":"int32"', '"dtype":"int64"'), 'latin1');
  writeFileSync(v2, fixChecksum(unknown, 0));
  assert.throws(() => readModelFile(v2), /unknown dtype 'int64'/);
});

/** Recomputes the trailing SHA-256 after editing a file (grow = bytes the header grew by). */
function fixChecksum(buf: Buffer, _grow: number): Buffer {
  const h = Number(buf.readBigUInt64LE(16));
  const b = Number(buf.readBigUInt64LE(24));
  const headerText = buf.subarray(32, buf.length - 32 - b);
  const padded = Buffer.alloc(Math.ceil(headerText.length / 8) * 8, 0x20);
  headerText.copy(padded);
  void h;
  const prefix = Buffer.from(buf.subarray(0, 32));
  prefix.writeBigUInt64LE(BigInt(padded.length), 16);
  const body = Buffer.concat([prefix, padded, buf.subarray(buf.length - 32 - b, buf.length - 32)]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

test('equal arrays are stored once and named twice; each name loads as its own memory', () => {
  const dir = tempDir();
  const w = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i));
  const path = join(dir, 'm.ampfit');
  writeModelFile(path, { format: 'test' }, { w, 'graph/0/w': w.slice(), other: Float64Array.from(w, (v) => -v), idx: Int32Array.from([1, 2, 3]) });
  const single = join(dir, 's.ampfit');
  writeModelFile(single, { format: 'test' }, { w, other: Float64Array.from(w, (v) => -v), idx: Int32Array.from([1, 2, 3]) });
  // The duplicate adds a header entry, not 8000 bytes.
  assert.ok(readFileSync(path).length - readFileSync(single).length < 200, `${readFileSync(path).length} vs ${readFileSync(single).length}`);
  const { header, arrays } = readModelFile<{ arrays: Record<string, { offset: number }> }>(path);
  assert.equal(header.arrays.w.offset, header.arrays['graph/0/w'].offset);
  assert.notEqual(header.arrays.w.offset, header.arrays.other.offset);
  assert.deepEqual(arrays['graph/0/w'], w);
  (arrays.w as Float64Array)[0] = 42;
  assert.equal(arrays['graph/0/w'][0], 0, 'the second name is not a view of the first');
});
