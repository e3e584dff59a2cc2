// The whole job with learned uncertainties on a slice of the shipped zz2d
// sample: train → model file → loadModel → predictUncertain, metrics.json's
// pulls, `ampfit predict`'s σ columns, the export's weight vectors, and the clear refusals (config).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { loadModel } from '../../src/models/surrogate.js';
import { surrogatePredictor } from '../../src/report/collect.js';
import { runTraining } from '../../src/training/run.js';
import { UncertainRegressor } from '../../src/uncertainty/regressor.js';
import { memoryLogger } from '../../src/util/log.js';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';

const BIN = join(REPO, 'bin/ampfit.js');

function runConfig(uncertainty: string, extra: Record<string, unknown>) {
  return validateConfig(
    {
      data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 2000 },
      model_type: 'dnn', depth: 2, width: 8, batch_size: 128, steps_per_epoch: null, epochs: 3, decay_epochs: 3,
      target_transform: 'log-standardize', seed: 3, backend: 'typescript', uncertainty, ...extra,
    },
    'test',
  );
}

async function train(uncertainty: 'heteroscedastic' | 'bnn' | 'ensemble', extra: Record<string, unknown> = {}) {
  const dir = join(tempDir(), 'm');
  const log = memoryLogger();
  const r = await runTraining({ config: runConfig(uncertainty, extra), outDir: dir, log });
  return { dir, r, log };
}

const rows = ['x1,x2,f00', '0.1,0.2,2', '0.5,0.5,3', '0.9,0.3,0.5'].join('\n') + '\n';
const truthRows = ['x1,x2,f00,f01', '0.1,0.2,2,2.1', '0.5,0.5,3,2.9', '0.9,0.3,0.5,0.52'].join('\n') + '\n';
const X = new Float64Array([0.1, 0.2, 0.5, 0.5, 0.9, 0.3]);

for (const method of ['heteroscedastic', 'bnn', 'ensemble'] as const) {
  test(`${method}: trains, saves, reloads with the same σ, reports pulls, and predict writes σ columns`, async () => {
    const { dir, r, log } = await train(method, method === 'bnn' ? { bnn_samples: 8, bnn_last_layer_only: true } : { ensemble_members: 2 });
    assert.ok(r.regressor instanceof UncertainRegressor);
    const model = loadModel(dir);
    assert.ok(model.hasUncertainty);
    // The reloaded model predicts exactly what the trained one did (BNN: the same seeded weight samples).
    const inMemory = r.regressor.predictUncertain(X, 3);
    const loaded = model.predictUncertain(X, 3);
    const again = loadModel(dir).predictUncertain(X, 3);
    assert.deepEqual([...again.sigmaSyst], [...loaded.sigmaSyst]);
    assert.deepEqual([...model.predict(X, 3)], [...loaded.value]);
    for (let i = 0; i < 3; i++) {
      const slope = r.header.target.transform.scale * loaded.value[i]; // log-standardize: dy/dt = scale · y
      assert.ok(Math.abs(loaded.sigmaSyst[i] - inMemory.sigmaSyst[i] * slope) <= 1e-12 * loaded.sigmaSyst[i]);
    }
    assert.equal(loaded.sigmaStat === null, method === 'heteroscedastic');

    const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    const u = metrics.uncertainty.test;
    assert.equal(u.method, method);
    assert.equal(u.pull_syst.n + u.pull_syst.non_finite, 400);
    assert.ok(Number.isFinite(u.pull_syst.mean) && u.pull_syst.width > 0);
    assert.equal(u.sigma_scale, r.regressor.sigmaScale);
    assert.ok(log.lines.some((l) => l.startsWith('calibration: σ_syst scaled by')));
    if (method !== 'heteroscedastic') {
      // With the unbiased σ_stat over K members, (f_k − ⟨f⟩)/σ_stat has width √((K−1)/K) exactly.
      const k = method === 'bnn' ? 8 : 2;
      assert.ok(Math.abs(u.pull_stat.width - Math.sqrt((k - 1) / k)) < 1e-9, `${u.pull_stat.width}`);
      assert.ok(u.pull_stat_target.width > 0);
      assert.deepEqual(u.pull_stat_scaled.map((p: { K: number }) => p.K), method === 'bnn' ? [1, 2, 4, 8] : [1, 2]);
    }

    const input = writeText(tempDir(), 'points.csv', rows);
    writeText(dirname(input), 'truth.csv', truthRows);
    const out = join(tempDir(), 'pred.csv');
    const run = spawnSync(process.execPath, [BIN, 'predict', '--model', dir, '--input', input, '--output', out], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], `x1,x2,f00,prediction,prediction_ratio,sigma_syst${method === 'heteroscedastic' ? '' : ',sigma_stat'}`);
    const born = [2, 3, 0.5];
    for (let i = 0; i < 3; i++) {
      const cells = lines[i + 1].split(',').map(Number);
      assert.equal(cells[4], loaded.value[i]);
      assert.equal(cells[5], loaded.sigmaSyst[i] * born[i]);
      if (loaded.sigmaStat !== null) assert.equal(cells[6], loaded.sigmaStat[i] * born[i]);
    }
    assert.deepEqual([...surrogatePredictor(model, X, 3).sigma!], [...loaded.sigmaSyst]);
    const json = join(tempDir(), 'eval.json');
    const ev = spawnSync(process.execPath, [BIN, 'eval', '--model', dir, '--data', input.replace('points.csv', 'truth.csv'), '--json', json], { encoding: 'utf8' });
    assert.equal(ev.status, 0, ev.stderr);
    assert.match(ev.stdout, /systematic pull \(f − A\)\/σ_syst: mean -?\d/);
    const evalPulls = JSON.parse(readFileSync(json, 'utf8')).uncertainty;
    assert.equal(evalPulls.pull_syst.n, 3);
    // Every method exports (test/uncertainty/export.test.ts checks the numbers): one weight vector, or all of them.
    const graph = describeSurrogate(model).graph;
    assert.equal(graph.ops.filter((op) => op.kind === 'variance').length, method === 'heteroscedastic' ? 1 : model.regressor instanceof UncertainRegressor ? model.regressor.weightVectors.length : -1);
    assert.notEqual(graph.outputs.sigma, null);
  });
}

test('uncertainty needs a neural model type; old-style models still have no σ', async () => {
  assert.throws(
    () => validateConfig({ data: { files: 'x', target: 'f' }, model_type: 'bdt', uncertainty: 'bnn' }, 'c'),
    /uncertainty: 'bnn' needs a neural model_type/,
  );
  const { dir } = await train('heteroscedastic', { uncertainty: 'none' });
  const model = loadModel(dir);
  assert.equal(model.hasUncertainty, false);
  assert.throws(() => model.predictUncertain(X, 3), /learned no uncertainties/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).uncertainty, undefined);
});

for (const method of ['bnn', 'ensemble'] as const) {
  test(`${method}: a run stopped after its first epoch and resumed ends with the model of an uninterrupted run`, async () => {
    const extra = { ensemble_members: 2, bnn_samples: 4, steps_per_epoch: 4, epochs: 3 };
    const straight = await train(method, extra);
    const dir = join(tempDir(), 'm');
    const abort = new AbortController();
    // Abort when the first epoch's progress line appears: the checkpoint of epoch 1 is then on disk.
    const log = { ...memoryLogger(), progress: () => abort.abort() };
    const first = await runTraining({ config: runConfig(method, extra), outDir: dir, log, signal: abort.signal });
    assert.match(first.header.training.stopped_because, /interrupted/);
    const resumed = await runTraining({ config: runConfig(method, extra), outDir: dir, log: memoryLogger(), resume: true });
    assert.equal(resumed.header.training.epochs_run, 3);
    const a = loadModel(dir).predictUncertain(X, 3);
    const b = loadModel(straight.dir).predictUncertain(X, 3);
    assert.deepEqual([...a.value, ...a.sigmaSyst, ...a.sigmaStat!], [...b.value, ...b.sigmaSyst, ...b.sigmaStat!]);
  });
}
