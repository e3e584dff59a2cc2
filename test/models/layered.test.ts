// Paper 2's model types through the whole training job on a slice of the
// shipped ggyyg file: parameter counts, the model file round trip (features
// and network rebuilt at load), export refused; and that GroupKAN and KAN
// networks actually learn a smooth function.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { getKernels } from '../../src/kernels/index.js';
import { loadModel } from '../../src/models/surrogate.js';
import { LayerNet, parseArchConfig } from '../../src/nn/arch/index.js';
import { Trainer } from '../../src/nn/index.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { SAMPLE_2D, SHARED_DATA, tempDir, writeText } from '../helpers.js';
import { sinSquareTarget, uniformPoints } from '../nn/helpers.js';

const work = tempDir();
const lines = gunzipSync(readFileSync(join(SHARED_DATA, 'ggyyg/ggyyg_train_00.csv.gz'))).toString('latin1').split('\n', 1201);
const slice = writeText(work, 'ggyyg-1200.csv', lines.join('\n') + '\n');
const PARTICLES = [
  { name: 'p1', type: 'g' }, { name: 'p2', type: 'g' }, { name: 'p3', type: 'a' }, { name: 'p4', type: 'a' }, { name: 'p5', type: 'g' },
];

const CASES: { name: string; keys: Record<string, unknown>; params: number; label: RegExp }[] = [
  // 10·16+16 + 16·16+16 + 16+1
  { name: 'MLP-I', keys: { model_type: 'mlp', features: 'invariants', activation: 'gelu' }, params: 465, label: /MLP 2-16 \(10D, gelu\)/ },
  // (20·16+16) + 4 groups × 10 + (16·16+16) + 40 + 17
  { name: 'GroupKAN-4', keys: { model_type: 'mlp', activation: 'rational', rational_groups: 4 }, params: 705, label: /GroupKAN-4 rational \(5,4\) from gelu/ },
  // 14 per edge (SiLU + 13 splines) × (10·8 + 8·1)
  { name: 'KAN', keys: { model_type: 'kan', features: 'invariants', width: 8, depth: 1 }, params: 1232, label: /KAN 1-8 \(10D, grid 10/ },
  // 2 types × (4·8+8 + 8·8+8) + (5·8)·16+16 + 17
  { name: 'DS', keys: { model_type: 'ds', ds_latent: 8, depth: 1, activation: 'gelu' }, params: 897, label: /DS 1-16 \(5 particles, latent 8×2, 0 extra/ },
  // the head reads 5·8 + 10 invariants
  { name: 'DSI', keys: { model_type: 'ds', features: 'momenta+invariants', ds_latent: 8, depth: 1, activation: 'gelu' }, params: 1057, label: /DSI 1-16 .*10 extra features/ },
];

for (const c of CASES) {
  test(`${c.name} trains on ggyyg momenta, saves, and predicts the same after loading`, async () => {
    const config = validateConfig(
      {
        data: { files: slice, target: 'msq', momenta: { particles: PARTICLES } }, depth: 2, width: 16,
        epochs: 2, steps_per_epoch: 10, batch_size: 64, target_transform: 'log-standardize', seed: 5, ...c.keys,
      },
      c.name,
    );
    const dir = join(work, c.name);
    const log = memoryLogger();
    const run = await runTraining({ config, outDir: dir, log });
    assert.equal(run.header.parameter_count, c.params);
    assert.ok(log.lines.some((l) => c.label.test(l)), log.lines.join('\n'));
    const model = loadModel(dir);
    const x = new Float64Array(lines.slice(1, 101).flatMap((l) => l.split(',').slice(0, 20).map(Number)));
    assert.ok(model.predict(x, 100).every((v) => Number.isFinite(v) && v > 0));
    // The loaded model (features rebuilt from the stored spec, network from its config) gives the trained one's bits.
    assert.deepEqual(model.regressor.predict(x, 100), run.regressor.predict(x, 100));
    assert.throws(() => describeSurrogate(model), /cannot be exported/);
  });
}

test('a rational activation on a dense model type is refused by the config', () => {
  assert.throws(() => validateConfig({ data: { files: 'x', target: 'y' }, model_type: 'skdnn', activation: 'rational' }, 't'), /needs model_type 'mlp' or 'ds'/);
  assert.throws(() => validateConfig({ data: { files: 'x', target: 'y' }, model_type: 'mlp', activation: 'rational', width: 10, rational_groups: 4 }, 't'), /must divide width/);
});

for (const arch of [
  { type: 'mlp', inputDim: 2, depth: 2, width: 16, activation: { kind: 'rational', groups: 4, degP: 5, degQ: 4, init: { name: 'silu' }, range: 3 } },
  { type: 'kan', inputDim: 2, depth: 1, width: 8, grid: 10, range: [-1, 1] },
]) {
  test(`${arch.type === 'kan' ? 'KAN' : 'GroupKAN-4 MLP'} learns sin(3 x1) + x2² to validation R² > 0.999`, async () => {
    const rng = new Rng(`learn-${arch.type}`);
    const x = uniformPoints(rng, 3000, 2);
    const y = sinSquareTarget(x, 2);
    const net = new LayerNet(parseArchConfig(arch), getKernels('auto'));
    net.init(rng.fork('init'));
    const trainer = new Trainer(net, { xTrain: x.subarray(0, 4000), yTrain: y.subarray(0, 2000), xVal: x.subarray(4000), yVal: y.subarray(2000) }, {
      maxEpochs: 60, batchSize: 64, patience: null, rng: rng.fork('batches'),
      schedule: { kind: 'exponential', initialLr: 1e-2, finalLr: 1e-4, decayEpochs: 60 },
    });
    const r = await trainer.run();
    assert.ok(r.bestValR2 > 0.999, `validation R² ${r.bestValR2}`);
  });
}

test('a DSI run with rational activations resumed from its checkpoint ends with the weights of an uninterrupted run', async () => {
  const base = {
    data: { files: slice, target: 'msq', momenta: { particles: PARTICLES } }, model_type: 'ds', features: 'momenta+invariants',
    activation: 'rational', rational_groups: 2, ds_latent: 8, depth: 1, width: 8, steps_per_epoch: 5, batch_size: 32,
    target_transform: 'log-standardize', seed: 8, decay_epochs: 3,
  };
  const straight = await runTraining({ config: validateConfig({ ...base, epochs: 3 }, 's'), outDir: join(work, 'straight'), log: memoryLogger() });
  const dir = join(work, 'resumed');
  await runTraining({ config: validateConfig({ ...base, epochs: 1 }, 'r'), outDir: dir, log: memoryLogger() });
  const resumed = await runTraining({ config: validateConfig({ ...base, epochs: 3 }, 'r'), outDir: dir, log: memoryLogger(), resume: true });
  assert.deepEqual(resumed.regressor.serialize().arrays, straight.regressor.serialize().arrays);
});

test('export refuses a KAN on plain inputs, naming the exportable types', async () => {
  const config = validateConfig(
    { data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 500 }, model_type: 'kan', depth: 1, width: 4, epochs: 1, steps_per_epoch: 2, batch_size: 32 },
    'kan',
  );
  const dir = join(work, 'kan-2d');
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  assert.throws(() => describeSurrogate(loadModel(dir)), /export: model type 'kan' cannot be exported yet \(exportable: dnn, skdnn, poly, bdt\)/);
});
