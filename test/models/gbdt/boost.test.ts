import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../../src/config/load.js';
import { readModelFile } from '../../../src/io/modelFile.js';
import { getKernels, nativeAvailable } from '../../../src/kernels/index.js';
import { loadModel } from '../../../src/models/surrogate.js';
import { Booster } from '../../../src/models/gbdt/boost.js';
import { forestArrays, forestBytes, FOREST_BYTES_PER_NODE, nNodes } from '../../../src/models/gbdt/forest.js';
import { runTraining } from '../../../src/training/run.js';
import { memoryLogger } from '../../../src/util/log.js';
import { Rng } from '../../../src/util/rng.js';
import { SAMPLE_2D, tempDir } from '../../helpers.js';
import { data1d, kernels, PARAMS, train } from './helpers.js';
import type { TrainData } from '../../../src/models/regressor.js';

const NATIVE = { skip: process.env.AMPFIT_NO_NATIVE === '1' ? 'native kernels switched off' : false };

/** A smooth 2-D function with a little noise: quick to fit, quick to overfit. */
function toy(n: number, seed: number): TrainData {
  const rng = new Rng(seed);
  const make = (m: number) => {
    const x = Float64Array.from({ length: 2 * m }, () => rng.uniform());
    const y = Float64Array.from({ length: m }, (_, i) => Math.sin(5 * x[2 * i]) * Math.cos(3 * x[2 * i + 1]) + 0.05 * rng.normal());
    return { x, y };
  };
  const a = make(n);
  const b = make(Math.floor(n / 2));
  return { d: 2, xTrain: a.x, yTrain: a.y, xVal: b.x, yVal: b.y };
}

test('early stopping: stops after early_stopping_rounds rounds without a strictly better validation RMSE, keeps the best round', () => {
  const k = nativeAvailable() ? getKernels('native') : getKernels('typescript');
  const b = Booster.start(k, toy(2000, 1), { ...PARAMS, maxDepth: 8, learningRate: 0.5, earlyStoppingRounds: 7 }, new Rng(1));
  const rmse: number[] = [];
  while (!b.done) rmse.push(Math.sqrt(b.step().valMSE));
  assert.ok(b.stoppedEarly);
  let best = 0;
  for (let r = 1; r < rmse.length; r++) if (rmse[r] < rmse[best]) best = r;
  assert.equal(b.bestRound, best + 1);
  assert.equal(rmse.length, best + 1 + 7);
  const forest = b.bestForest();
  assert.equal(forest.treeOffset.length - 1, b.bestRound);
  // The kept trees predict what training tracked at the best round.
  const pred = new Float64Array(1000);
  k.forestPredict(toy(2000, 1).xVal, 1000, 2, forest.treeOffset, forest.feature, forest.threshold, forest.left, forest.value, forest.baseScore, pred);
  const y = toy(2000, 1).yVal;
  const mse = pred.reduce((s, p, i) => s + (p - y[i]) ** 2, 0) / 1000;
  assert.ok(Math.abs(Math.sqrt(mse) - rmse[best]) < 1e-12);
});

test('native = reference and 1 thread = 2 threads, bit for bit, with subsample and colsample_bytree', NATIVE, () => {
  const data = toy(20000, 2);
  const params = { ...PARAMS, maxDepth: 9, learningRate: 0.3, subsample: 0.8, colsampleBytree: 0.5, minChildWeight: 2, lambda: 0.5, gamma: 1e-4 };
  const run = (kind: 'native' | 'typescript', threads: number) => {
    const k = getKernels(kind);
    const before = k.threads();
    k.setThreads(threads);
    try {
      const b = Booster.start(k, data, params, new Rng(5));
      for (let r = 0; r < 12; r++) b.step();
      return forestArrays(b.forest.build());
    } finally {
      k.setThreads(before);
    }
  };
  const want = run('typescript', 1);
  assert.ok(want.feature.length > 1000);
  for (const [kind, t] of [['native', 1], ['native', 2]] as const) {
    const got = run(kind, t);
    for (const name of Object.keys(want)) {
      assert.deepEqual(Buffer.from(got[name].buffer, got[name].byteOffset, got[name].byteLength), Buffer.from(want[name].buffer, want[name].byteOffset, want[name].byteLength), `${kind}, ${t} thread(s): ${name}`);
    }
  }
});

function bdtConfig(dir: string, extra: Record<string, unknown> = {}) {
  return validateConfig(
    {
      // Pinned under paper 1's recipe (standardised ratio), the defaults when these numbers were measured.
      recipe: 'paper1',
      data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 20000 },
      model_type: 'bdt', max_depth: 10, learning_rate: 0.1, seed: 3, ...extra,
    },
    join(dir, 'config'),
  );
}

test("golden: the same bdt under the default recipe (log-standardised ratio) is far better", async () => {
  const dir = tempDir();
  const r = await runTraining({ config: bdtConfig(dir, { recipe: 'ampfit' }), outDir: join(dir, 'm'), log: memoryLogger() });
  const m = r.testMetrics!;
  const got = `R_1 ${m.R_pct['1']} R_0.1 ${m.R_pct['0.1']} σ_δ ${m.sigma_delta_pct}`;
  // Measured when written (issue 19): R_1 77.95 %, R_0.1 9.5 %, σ_δ 2.22826 % — against 20.8 %, 1.675 %, 3.12311 % with paper 1's.
  assert.ok(Math.abs(m.R_pct['1'] - 77.95) <= 0.01, got);
  assert.ok(Math.abs(m.R_pct['0.1'] - 9.5) <= 0.01, got);
  assert.ok(Math.abs(m.sigma_delta_pct - 2.22826) <= 1e-4, got);
});

test('golden: bdt depth 10, eta 0.1 on 20 000 zz2d rows, seed 3; the model file round-trips', async () => {
  const dir = tempDir();
  const r = await runTraining({ config: bdtConfig(dir), outDir: join(dir, 'm'), log: memoryLogger() });
  const m = r.testMetrics!;
  const got = `R_1 ${m.R_pct['1']} R_0.1 ${m.R_pct['0.1']} σ_δ ${m.sigma_delta_pct}`;
  assert.equal(m.n, 4000);
  // Measured when written: R_1 20.8 %, R_0.1 1.675 %, σ_δ 3.12311 %. Trees have the
  // same bits on both backends and any thread count, so the band is tight.
  assert.ok(Math.abs(m.R_pct['1'] - 20.8) <= 0.01, got);
  assert.ok(Math.abs(m.R_pct['0.1'] - 1.675) <= 0.01, got);
  assert.ok(Math.abs(m.sigma_delta_pct - 3.12311) <= 1e-4, got);
  assert.equal(r.header.parameter_count, r.regressor.parameterCount());
  assert.equal(r.header.regressor.type, 'bdt');
  // The stored model: compact dtypes, predictions identical after loading.
  const { arrays } = readModelFile(join(dir, 'm', 'model.ampfit'));
  assert.ok(arrays.threshold instanceof Float32Array && arrays.left instanceof Int32Array && arrays.feature instanceof Uint16Array);
  assert.ok(arrays.value instanceof Float64Array);
  const loaded = loadModel(join(dir, 'm'));
  const x = Float64Array.from({ length: 200 }, (_, i) => (i * 0.618) % 1);
  assert.deepEqual(loaded.regressor.predict(x, 100), r.regressor.predict(x, 100));
  const nodes = r.regressor.parameterCount();
  assert.equal(FOREST_BYTES_PER_NODE, 26);
  assert.ok(forestBytes((r.regressor as unknown as { forest: Parameters<typeof forestBytes>[0] }).forest) >= nodes * 26);
  assert.equal(nNodes((r.regressor as unknown as { forest: Parameters<typeof nNodes>[0] }).forest), nodes);
});

test('an interrupted run resumes from its checkpoint and ends with the model of an uninterrupted run', async () => {
  const dir = tempDir();
  const config = bdtConfig(dir, { max_depth: 12, learning_rate: 0.02, n_estimators: 400, early_stopping_rounds: 400 });
  const straight = await runTraining({ config, outDir: join(dir, 'straight'), log: memoryLogger() });
  assert.match(straight.header.training.stopped_because, /reached n_estimators = 400/);
  // A finished forest needs no checkpoint: model.ampfit holds it.
  assert.equal(existsSync(join(dir, 'straight', 'checkpoint')), false);

  // Interrupt the second run about a third into its training: the timer starts
  // when training does (the log line after binning), not with the run, so data
  // loading and a machine faster or slower than during the first run do not
  // make the abort land before the first round or after the last.
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const startsTraining = memoryLogger();
  const info = startsTraining.info;
  startsTraining.info = (m) => {
    info(m);
    if (timer === undefined && m.startsWith('bdt: ')) timer = setTimeout(() => controller.abort(), Math.round(straight.header.training.seconds * 300));
  };
  const out = join(dir, 'resumed');
  const first = await runTraining({ config, outDir: out, log: startsTraining, signal: controller.signal });
  clearTimeout(timer);
  const stoppedAt = first.header.training.epochs_run;
  assert.match(first.header.training.stopped_because, /interrupted/);
  assert.ok(stoppedAt > 0 && stoppedAt < 400, `stopped after round ${stoppedAt}`);
  assert.ok(existsSync(join(out, 'checkpoint', 'bdt.ampfit')), 'an interrupted run keeps its checkpoint');

  const log = memoryLogger();
  // Kept on request, so that the changed-config refusal below has a checkpoint to compare with.
  await runTraining({ config: { ...config, threads: 1 }, outDir: out, log, resume: true, keepCheckpoint: true });
  assert.ok(existsSync(join(out, 'checkpoint', 'bdt.ampfit')));
  assert.ok(log.lines.some((l) => l.includes(`resuming after round ${stoppedAt}`)), log.lines.join('\n'));
  const a = readModelFile(join(dir, 'straight', 'model.ampfit')).arrays;
  const b = readModelFile(join(out, 'model.ampfit')).arrays;
  for (const name of Object.keys(a)) {
    assert.deepEqual(Buffer.from(b[name].buffer, b[name].byteOffset, b[name].byteLength), Buffer.from(a[name].buffer, a[name].byteOffset, a[name].byteLength), name);
  }
  const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as Array<{ epoch: number; lr: number }>;
  assert.equal(history.length, 400);
  assert.deepEqual(history.map((h) => h.epoch), Array.from({ length: 400 }, (_, i) => i + 1));
  assert.equal(history[0].lr, 0.02);
  // A changed tree parameter makes the checkpoint meaningless.
  await assert.rejects(runTraining({ config: { ...config, max_depth: 11 }, outDir: out, log: memoryLogger(), resume: true }), /config differs from the checkpointed run in max_depth/);
});

test('sample weights: a row of weight k boosts as k copies of it; unit weights are no weights, bit for bit', () => {
  const params = { maxDepth: 1, lambda: 0, minChildWeight: 0 };
  const x = [0.1, 0.2, 0.8, 0.9];
  const y = [0, 1, 2, 3];
  const w = Float64Array.from([3, 1, 1, 1]);
  const weighted = train({ ...data1d(x, y), wTrain: w, wVal: w }, params);
  // Base score Σwy/Σw = 6/6 = 1; the left leaf is the weighted mean residual (3·(−1) + 0)/4.
  assert.equal(weighted.baseScore, 1);
  const copies = train(data1d([0.1, 0.1, 0.1, 0.2, 0.8, 0.9], [0, 0, 0, 1, 2, 3]), params);
  const predict = (f: ReturnType<typeof train>) => {
    const out = new Float64Array(4);
    kernels().forestPredict(Float64Array.from(x), 4, 1, f.treeOffset, f.feature, f.threshold, f.left, f.value, f.baseScore, out);
    return out;
  };
  const pw = predict(weighted);
  assert.ok(Math.abs(pw[0] - 0.25) < 1e-15, String(pw[0]));
  assert.deepEqual(pw, predict(copies));
  const unit = train({ ...toy(3000, 4), wTrain: new Float64Array(3000).fill(1), wVal: new Float64Array(1500).fill(1) }, { maxDepth: 6, subsample: 0.7 }, 5);
  const none = train(toy(3000, 4), { maxDepth: 6, subsample: 0.7 }, 5);
  assert.deepEqual(forestArrays(unit), forestArrays(none));
});
