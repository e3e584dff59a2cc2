import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile, writeModelFile } from '../../src/io/modelFile.js';
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
