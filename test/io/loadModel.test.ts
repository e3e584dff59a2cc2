import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The package entry ("main" in package.json), as a user imports it.
import { loadModel, ModelFileError } from '../../src/index.js';
import { writeSyntheticModel } from '../support/syntheticModel.js';
import { MODEL_FORMAT_VERSION, readModelFile } from '../../src/io/modelFile.js';
import { Network, parseNetworkConfig } from '../../src/nn/index.js';
import { reference } from '../../src/kernels/reference.js';
import { REPO, tempDir } from '../helpers.js';

const dir = join(tempDir(), 'model');
writeSyntheticModel(dir, {
  regressor: { type: 'dnn', network: { inputDim: 3, depth: 2, width: 5, activation: 'tanh' } },
  transform: { kind: 'log-standardize', shift: 0.2, scale: 1.5 },
  born: 'f00',
  seed: 12,
});

test('the package entry exports loadModel, and predict returns the Born ratio in original units', () => {
  const main = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { main: string }).main;
  assert.equal(main, 'dist/src/index.js');
  const model = loadModel(dir);
  assert.deepEqual(model.inputs, ['x1', 'x2', 'x3']);
  assert.equal(model.born, 'f00');
  // By hand: the network in the reference kernels, then exp(t·scale + shift).
  const { header, arrays } = readModelFile<{ regressor: { network: unknown } }>(join(dir, 'model.ampfit'));
  const net = new Network(parseNetworkConfig(header.regressor.network), reference);
  net.params.set(arrays.params);
  const x = new Float64Array([0.1, 0.5, 0.9, 0.3, 0.3, 0.3]);
  const t = net.predict(x, 2);
  const got = model.predict(x, 2);
  for (let i = 0; i < 2; i++) {
    const want = Math.exp(t[i] * 1.5 + 0.2);
    assert.ok(Math.abs(got[i] - want) <= 1e-14 * want, `${got[i]} vs ${want}`);
  }
  const target = model.predictTarget(x, 2, new Float64Array([2, 4]));
  assert.deepEqual([...target], [got[0] * 2, got[1] * 4]);
  assert.throws(() => model.predictTarget(x, 2, null), /the Born column 'f00' is needed/);
});

test('loadModel refuses a newer format version, a truncated file and a checksum mismatch, saying which', () => {
  const file = join(dir, 'model.ampfit');
  const good = readFileSync(file);
  const bad = join(tempDir(), 'bad.ampfit');
  const refuse = (bytes: Buffer, re: RegExp): void => {
    writeFileSync(bad, bytes);
    assert.throws(() => loadModel(bad), (e: Error) => e instanceof ModelFileError && re.test(e.message));
  };
  const newer = Buffer.from(good);
  newer.writeUInt32LE(MODEL_FORMAT_VERSION + 1, 8);
  refuse(newer, new RegExp(`format version ${MODEL_FORMAT_VERSION + 1} is newer than this ampfit reads \\(${MODEL_FORMAT_VERSION}\\); upgrade ampfit`));
  refuse(good.subarray(0, good.length - 100), /truncated/);
  const flipped = Buffer.from(good);
  flipped[100] ^= 0x20;
  refuse(flipped, /checksum mismatch/);
  const unknown = Buffer.from(good);
  unknown.writeUInt32LE(0, 8);
  refuse(unknown, /unknown format version 0/);
});
