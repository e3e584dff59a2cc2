import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { validateConfig } from '../../src/config/load.js';
import { exportC } from '../../src/export/c/index.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { exportXgboostJson } from '../../src/export/xgboostJson.js';
import { loadModel } from '../../src/models/surrogate.js';
import { SymmetricRegressor } from '../../src/models/symmetric.js';
import { applyMap } from '../../src/symmetry/coordinateMap.js';
import { runTraining } from '../../src/training/run.js';
import { createLogger } from '../../src/util/log.js';
import { SAMPLE_4D, tempDir } from '../helpers.js';
import { AGREEMENT, bitDifferences, compileC, haveGcc, maxRelativeDifference, runSigmaC, testPoints } from './fixtures.js';

// Symmetric models (fold and average, network and trees) trained on the zz4d
// sample with its two symmetries, exported: the exports must agree with
// ampfit and be invariant under the group as ampfit is.

const quiet = createLogger(process.stderr, true);
const work = tempDir('ampfit-symexport-');
const VARIANTS = [
  ['fold', { model_type: 'skdnn', depth: 2, width: 12, activation: 'silu', steps_per_epoch: 40, epochs: 2, decay_epochs: 2 }],
  ['average', { model_type: 'skdnn', depth: 2, width: 12, activation: 'gelu', steps_per_epoch: 40, epochs: 2, decay_epochs: 2 }],
  ['fold', { model_type: 'bdt', max_depth: 6, learning_rate: 0.3, n_estimators: 30 }],
  ['average', { model_type: 'bdt', max_depth: 6, learning_rate: 0.3, n_estimators: 30 }],
] as const;

const dirs: string[] = [];
for (const [mode, model] of VARIANTS) {
  const dir = join(work, `${mode}-${model.model_type}`);
  const config = validateConfig(
    {
      data: { files: SAMPLE_4D, target: 'f01', born: 'f00', max_rows: 3000 },
      target_transform: 'log-standardize',
      symmetries: [{ name: 'fb', map: '(x1, 1-x2, x3, x4)' }, { name: 'm34', map: '(x1, x2, x4, x3)' }],
      symmetry_mode: mode,
      threads: 1,
      ...model,
    },
    dir,
  );
  await runTraining({ config, outDir: dir, log: quiet });
  dirs.push(dir);
}
const { x, n } = await testPoints(4, 1500);

test('C export of symmetric models: agrees with ampfit and is exactly invariant (bit for bit) under all 4 maps', { skip: !haveGcc() && 'gcc is not installed' }, () => {
  const models = dirs.map((d) => loadModel(d));
  const compiled = compileC(models.map((m, k) => exportC(describeSurrogate(m), `sym${k}`)), tempDir('ampfit-symexport-c-'));
  models.forEach((m, k) => {
    const want = m.predict(x, n);
    const { batch, single } = compiled.run(k, x);
    assert.equal(bitDifferences(batch, single), 0);
    // The output map's exp is libm's in C and V8's in ampfit: agreement to rounding, not bits.
    const { max } = maxRelativeDifference(batch, want);
    assert.ok(max < AGREEMENT, `${dirs[k]}: C vs ampfit ${max}`);
    const group = (m.regressor as SymmetricRegressor).group;
    for (const g of group.elements) assert.equal(bitDifferences(compiled.run(k, applyMap(g, x, n)).batch, batch), 0, `${dirs[k]} invariant in C`);
  });
});

test('ONNX export: symmetric models agree with ampfit to 1e-12; folding ones are exactly invariant, averaging ones to rounding', async () => {
  for (const dir of dirs) {
    const m = loadModel(dir);
    const described = describeSurrogate(m);
    const folds = described.graph.ops.some((op) => op.kind === 'fold');
    const session = await ort.InferenceSession.create(exportOnnx(described, 'm'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const run = async (p: Float64Array): Promise<Float64Array> => (await session.run({ x: new ort.Tensor('float64', p, [n, 4]) })).y.data as Float64Array;
    const got = await run(x);
    assert.equal(got.length, n);
    assert.ok(maxRelativeDifference(got, m.predict(x, n)).max < AGREEMENT, dir);
    for (const g of (m.regressor as SymmetricRegressor).group.elements) {
      const image = await run(applyMap(g, x, n));
      if (folds) assert.equal(bitDifferences(image, got), 0, `${dir}: ONNX fold exactly invariant`);
      else assert.ok(maxRelativeDifference(image, got).max < 1e-14, `${dir}: ONNX invariant to rounding`);
    }
    // On the fold's boundaries (coordinates at 0.5, equal coordinates), where the tie-breaks decide.
    const edges = Float64Array.from({ length: 4 * 6 }, (_, i) => [0.5, 0.25, 0.75, 0.5, 0.3, 0.3, 0.7, 0.5][i % 8]);
    const s2 = await session.run({ x: new ort.Tensor('float64', edges, [6, 4]) });
    assert.ok(maxRelativeDifference(s2.y.data as Float64Array, m.predict(edges, 6)).max < AGREEMENT, `${dir}: boundary points`);
    await session.release();
  }
});

test('XGBoost JSON cannot express a symmetry and says so', () => {
  assert.throws(() => exportXgboostJson(loadModel(dirs[3])), /averages over a symmetry group, which XGBoost cannot do; export it with --format c or onnx/);
});

// Learned σ with a symmetry: fold evaluates the inner model on the folded point;
// average takes the mean, ⟨σ_k²⟩ and every member over the orbit, as the value.
for (const [mode, uncertainty] of [['average', 'ensemble'], ['fold', 'heteroscedastic'], ['average', 'bnn']] as const) {
  test(`σ with symmetry_mode '${mode}' (${uncertainty}): invariant under the group, in metrics.json, and exported to ONNX and C`, async () => {
    const dir = join(work, `${mode}-${uncertainty}`);
    const config = validateConfig(
      {
        data: { files: SAMPLE_4D, target: 'f01', born: 'f00', max_rows: 2000 }, target_transform: 'log-standardize',
        symmetries: [{ name: 'fb', map: '(x1, 1-x2, x3, x4)' }, { name: 'm34', map: '(x1, x2, x4, x3)' }], symmetry_mode: mode,
        threads: 1, model_type: 'skdnn', depth: 1, width: 8, activation: 'silu', steps_per_epoch: 20, epochs: 2, decay_epochs: 2,
        uncertainty, ensemble_members: 3, bnn_samples: 4, seed: 4,
      },
      dir,
    );
    const run = await runTraining({ config, outDir: dir, log: quiet });
    assert.ok(run.header.metrics.uncertainty !== undefined, 'pulls in the metrics');
    const m = loadModel(dir);
    assert.ok(m.hasUncertainty);
    const { x, n } = await testPoints(4, 200);
    const p = m.predictUncertain(x, n);
    assert.deepEqual(p.value, m.predict(x, n));
    for (const g of (m.regressor as SymmetricRegressor).group.elements) {
      const q = m.predictUncertain(applyMap(g, x, n), n);
      assert.equal(bitDifferences(q.value, p.value), 0);
      assert.equal(bitDifferences(q.sigmaSyst, p.sigmaSyst), 0);
      if (p.sigmaStat !== null) assert.equal(bitDifferences(q.sigmaStat ?? new Float64Array(0), p.sigmaStat), 0);
    }
    const description = describeSurrogate(m);
    const session = await ort.InferenceSession.create(exportOnnx(description, 'u'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const out = await session.run({ x: new ort.Tensor('float64', x, [n, 4]) });
    await session.release();
    assert.ok(maxRelativeDifference(out.y.data as Float64Array, p.value).max < AGREEMENT, 'ONNX y');
    assert.ok(maxRelativeDifference(out.sigma_syst.data as Float64Array, p.sigmaSyst).max < AGREEMENT, 'ONNX σ');
    if (!haveGcc()) return;
    const c = runSigmaC(exportC(description, `u_${mode}`), x, n, 4);
    assert.ok(maxRelativeDifference(c.y, p.value).max < AGREEMENT, 'C y');
    assert.ok(maxRelativeDifference(c.sigma, p.sigmaSyst).max < AGREEMENT, 'C σ');
  });
}
