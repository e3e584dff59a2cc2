// ampfit combine: the mean of models trained with different init_seed on one
// split, its metrics on their rows, its model file, and the members it
// refuses.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { loadDataset, take, takeRows } from '../../src/data/dataset.js';
import { splitRows } from '../../src/data/split.js';
import { readModel } from '../../src/io/modelStore.js';
import { precisionMetrics } from '../../src/metrics/precision.js';
import { AveragedRegressor } from '../../src/models/averaged.js';
import { loadModel } from '../../src/models/surrogate.js';
import { combineModels } from '../../src/training/combine.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { SAMPLE_2D, tempDir } from '../helpers.js';
import { sameBits } from '../nn/helpers.js';

const work = tempDir();
const base = {
  data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 1500 }, target_transform: 'log-standardize',
  model_type: 'dnn', depth: 2, width: 8, activation: 'silu', epochs: 3, steps_per_epoch: 20, batch_size: 64, threads: 1, seed: 3,
};

async function member(name: string, keys: Record<string, unknown>): Promise<string> {
  const dir = join(work, name);
  await runTraining({ config: validateConfig({ ...base, ...keys }, name), outDir: dir, log: memoryLogger() });
  return dir;
}

test('combine: the mean of two init_seeds predicts Σ f_k/K in the transformed space, and its metrics are those of its predictions on the split', async () => {
  const a = await member('a', { init_seed: 11 });
  const b = await member('b', { init_seed: 12 });
  const out = join(work, 'ab');
  const log = memoryLogger();
  const r = await combineModels([a, b], out, { force: false, log, command: 'test' });
  const model = loadModel(out);
  assert.ok(model.regressor instanceof AveragedRegressor);
  assert.equal(r.header.parameter_count, 2 * readModel(a).header.parameter_count);
  const data = await loadDataset({ files: [SAMPLE_2D], inputs: null, target: 'f01', born: 'f00', requirePositiveTarget: true, skipBadRows: false, maxRows: 1500 });
  const split = splitRows(data.n, 3, { test: 0.2, validation: 0.4 });
  const x = takeRows(data.x, data.d, split.test);
  const n = split.test.length;
  const fa = loadModel(a).regressor.predict(x, n);
  const fb = loadModel(b).regressor.predict(x, n);
  const want = fa.map((v, i) => v / 2 + fb[i] / 2);
  assert.equal(sameBits(model.regressor.predict(x, n), want), null);
  assert.ok(fa.some((v, i) => v !== fb[i]), 'the members differ');
  const metrics = precisionMetrics(model.predict(x, n), take(data.y, split.test), [1, 0.1, 0.01]);
  assert.deepEqual(r.test, metrics);
  assert.deepEqual(readModel(out).header.metrics.test, metrics);
  assert.deepEqual(readModel(out).header.provenance.combined_from?.map((m) => m.init_seed), [11, 12]);
});

test('combine refuses members that differ in target transform, data or split, a member with σ, one model, and --out a member', async () => {
  const a = join(work, 'a');
  const log = memoryLogger();
  const rejects = async (name: string, keys: Record<string, unknown>, pattern: RegExp): Promise<void> => {
    const dir = await member(name, keys);
    await assert.rejects(combineModels([a, dir], join(work, `bad-${name}`), { force: false, log, command: 'test' }), pattern);
  };
  await rejects('standardize', { target_transform: 'standardize', init_seed: 5 }, /differ in their target transform/);
  await rejects('seed', { seed: 4, init_seed: 5 }, /differ in their split/);
  await rejects('rows', { data: { ...base.data, max_rows: 1400 }, init_seed: 5 }, /differ in their data/);
  await rejects('sigma', { uncertainty: 'heteroscedastic', init_seed: 5 }, /learned σ: combine averages predictions only/);
  await assert.rejects(combineModels([a], join(work, 'one'), { force: false, log, command: 'test' }), /at least 2 models, got 1/);
  await assert.rejects(combineModels([a, join(work, 'b')], a, { force: true, log, command: 'test' }), /is one of the models being combined/);
});
