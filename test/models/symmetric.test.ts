import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { takeRows } from '../../src/data/dataset.js';
import { loadModel, Surrogate } from '../../src/models/surrogate.js';
import { TargetTransform } from '../../src/transforms/target.js';
import { SymmetricRegressor } from '../../src/models/symmetric.js';
import { applyMap } from '../../src/symmetry/coordinateMap.js';
import { runTraining } from '../../src/training/run.js';
import { createLogger } from '../../src/util/log.js';
import { SAMPLE_4D, tempDir, writeText } from '../helpers.js';

const quiet = createLogger(process.stderr, true);
const work = tempDir();

function config(mode: string, model: Record<string, unknown>): ReturnType<typeof validateConfig> {
  return validateConfig(
    {
      data: { files: SAMPLE_4D, target: 'f01', born: 'f00', max_rows: 6000 },
      target_transform: 'log-standardize',
      symmetries: [
        { name: 'fb', map: '(x1, 1-x2, x3, x4)' },
        { name: 'm34', map: [{ swap: ['x3', 'x4'] }] },
      ],
      symmetry_mode: mode,
      threads: 1,
      seed: 4,
      ...model,
    },
    `symmetric ${mode}`,
  );
}

const SMALL_NET = { model_type: 'skdnn', depth: 2, width: 16, activation: 'silu', initial_lr: 3e-3, final_lr: 1e-5, steps_per_epoch: 250, epochs: 4, decay_epochs: 4, batch_size: 128 };
const SMALL_BDT = { model_type: 'bdt', max_depth: 6, learning_rate: 0.3, n_estimators: 40 };

for (const [mode, model] of [
  ['fold', SMALL_NET],
  ['average', SMALL_NET],
  ['fold', SMALL_BDT],
  ['average', SMALL_BDT],
] as const) {
  test(`${mode} (${model.model_type}): predictions from the saved model are exactly invariant under all 4 maps`, async () => {
    const dir = join(work, `${mode}-${model.model_type}`);
    const run = await runTraining({ config: config(mode, model), outDir: dir, log: quiet });
    const loaded = loadModel(dir);
    assert.ok(loaded.regressor instanceof SymmetricRegressor);
    assert.equal(loaded.regressor.group.order, 4);
    assert.equal(loaded.regressor.mode, mode);
    const n = run.split.test.length;
    const x = takeRows(run.data.x, run.data.d, run.split.test);
    const base = loaded.predict(x, n);
    const trained = new Surrogate(run.header, run.regressor, TargetTransform.fromJSON(run.header.target.transform));
    assert.deepEqual(base, trained.predict(x, n), 'the saved model predicts what the trained one did');
    for (const g of loaded.regressor.group.elements) assert.deepEqual(loaded.predict(applyMap(g, x, n), n), base);
    // The model is not a constant: invariance is not bought by ignoring the inputs.
    const spread = Math.max(...base) / Math.min(...base);
    assert.ok(spread > 1.05, `predictions vary over the test points (max/min ${spread})`);
    assert.ok(run.testMetrics !== null && run.testMetrics.R_pct['1'] > 10, `it learned something: R_1 ${run.testMetrics?.R_pct['1']}`);
  });
}

test('symmetry_mode none trains the plain model type, the declared maps unused', async () => {
  const none = await runTraining({ config: config('none', SMALL_BDT), outDir: join(work, 'none'), log: quiet });
  assert.equal(none.header.regressor.type, 'bdt');
});

test('a reflected coordinate outside [0, 1] is an error naming file, line and column, at training and at prediction', async () => {
  const csv = writeText(work, 'bad.csv', 'x1,x2,x3,x4,f00,f01\n' + Array.from({ length: 40 }, (_, i) => `0.${i + 10},${i === 17 ? 1.25 : 0.5},0.3,0.4,1,0.07`).join('\n') + '\n');
  const c = validateConfig({ data: { files: csv, target: 'f01', born: 'f00' }, symmetries: [{ name: 'fb', map: '(x1, 1-x2, x3, x4)' }], model_type: 'bdt' }, 'bad');
  await assert.rejects(runTraining({ config: c, outDir: join(work, 'bad'), log: quiet }), /bad\.csv:19, column 'x2': value 1\.25 lies outside the unit cube \[0, 1\] of hypercube coordinates/);
  const model = loadModel(join(work, 'fold-bdt'));
  assert.throws(() => model.predict(Float64Array.from([0.5, -0.1, 0.2, 0.3]), 1), /row 1: input 2 is -0\.1, outside \[0, 1\]/);
});
