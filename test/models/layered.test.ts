// Paper 2's model types through the whole training job on a slice of the
// shipped ggyyg file: parameter counts, the model file round trip (features
// and network rebuilt at load), exports to ONNX and C that take the raw
// four-momenta, agree with predict and refuse unphysical momenta as it does;
// and that GroupKAN and KAN networks actually learn a smooth function.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.js';
import { exportC } from '../../src/export/c/index.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { getKernels } from '../../src/kernels/index.js';
import { loadModel, type Surrogate } from '../../src/models/surrogate.js';
import { archNetwork, parseArchConfig } from '../../src/nn/arch/index.js';
import { Trainer } from '../../src/nn/index.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { SAMPLE_2D, SHARED_DATA, tempDir, writeText } from '../helpers.js';
import { sinSquareTarget, uniformPoints } from '../nn/helpers.js';
import { AGREEMENT, bitDifferences, compileC, haveGcc, maxRelativeDifference, runSigmaC } from '../export/fixtures.js';

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
    await checkExports(model, x, 100, c.name.replace(/[^A-Za-z0-9]/g, '_').toLowerCase());
  });
}

/**
 * The model exported to ONNX (run in onnxruntime) and C (compiled with gcc):
 * both read the momenta as predict does, agree with it to 1e-12, and give
 * NaN — C also a status code — for a row predict refuses.
 */
async function checkExports(model: Surrogate, x: Float64Array, n: number, name: string): Promise<void> {
  const d = model.d;
  const description = describeSurrogate(model);
  assert.equal(description.info.inputKind, 'momenta');
  assert.equal(description.graph.ops[0].kind, 'momentumFeatures');
  const want = model.predict(x, n);
  // Row 0 with a negative energy, row 1 with a momentum that is not conserved: predict refuses both.
  const bad = x.slice(0, 2 * d);
  bad[0] = -bad[0];
  bad[d + 5] += 1;
  for (const r of [0, 1]) assert.throws(() => model.predict(bad.slice(r * d, (r + 1) * d), 1), /not positive|not conserved/);
  const session = await ort.InferenceSession.create(exportOnnx(description, name), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const onnxY = (await session.run({ x: new ort.Tensor('float64', x, [n, d]) })).y.data as Float64Array;
  const onnxBad = (await session.run({ x: new ort.Tensor('float64', bad, [2, d]) })).y.data as Float64Array;
  await session.release();
  assert.ok(maxRelativeDifference(onnxY, want).max <= AGREEMENT, `${name}: ONNX vs predict ${maxRelativeDifference(onnxY, want).max}`);
  assert.ok(onnxBad.every(Number.isNaN), `${name}: ONNX on refused rows ${onnxBad}`);
  if (!haveGcc()) return;
  const dir = tempDir(`ampfit-export-${name}-`);
  const c = exportC(description, name);
  const { run } = compileC([c], dir);
  const { batch, single } = run(0, x);
  assert.equal(bitDifferences(batch, single), 0);
  assert.ok(maxRelativeDifference(batch, want).max <= AGREEMENT, `${name}: C vs predict ${maxRelativeDifference(batch, want).max}`);
  assert.ok([...run(0, bad).batch].every(Number.isNaN));
  // The status codes a generator sees, and their messages.
  writeFileSync(join(dir, 'check.c'), `#include <stdio.h>
#include "${name}.h"
static const double bad[${2 * d}] = {${Array.from(bad, (v) => v.toPrecision(17)).join(', ')}};
static const double good[${d}] = {${Array.from(x.subarray(0, d), (v) => v.toPrecision(17)).join(', ')}};
int main(void) {
  printf("%d %d %d|%s|%s\\n", ${name}_check(good), ${name}_check(bad), ${name}_check(bad + ${d}), ${name}_strerror(${name}_check(bad)), ${name}_strerror(${name.toUpperCase()}_ERR_CONSERVATION));
  return 0;
}
`);
  const exe = join(dir, 'check');
  const cc = spawnSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-pedantic', '-Werror', '-o', exe, join(dir, 'check.c'), join(dir, `${name}.c`), '-lm'], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  assert.equal(spawnSync(exe, { encoding: 'utf8' }).stdout, '0 1 3|an energy is not positive (physical momenta have E > 0)|momentum is not conserved to the tolerance the model was trained with\n');
  if (spawnSync('gfortran', ['--version']).status !== 0) return;
  // A Fortran generator's view: the module's functions on momenta, one point and a batch.
  writeFileSync(join(dir, `${name}.f90`), c.fortran);
  const pts = Array.from(x.subarray(0, 2 * d), (v) => `${v.toPrecision(17)}d0`);
  writeFileSync(join(dir, 'main.f90'), `program main
  use ${name}_ampfit
  implicit none
  real(c_double) :: xs(${name}_n_inputs, 2), ys(2)
  xs = reshape([ &
${pts.map((v, i) => `    ${v}${i === pts.length - 1 ? '' : ', &'}`).join('\n')} &
  ], [${name}_n_inputs, 2])
  call ${name}_eval_batch(xs, int(2, c_size_t), ys)
  write (*, '(es25.17)') ${name}_eval(xs(:, 1)), ys
  write (*, '(i3)') ${name}_check(xs(:, 1))
end program main
`);
  const f = spawnSync('sh', ['-c', `gcc -O2 -std=c99 -c ${name}.c && gfortran -O2 -std=f2008 ${name}.f90 main.f90 ${name}.o -lm -o fmain && ./fmain`], { cwd: dir, encoding: 'utf8' });
  assert.equal(f.status, 0, f.stderr);
  const got = f.stdout.trim().split(/\s+/).map(Number);
  assert.equal(got[3], 0);
  assert.ok(maxRelativeDifference(got.slice(0, 3), [want[0], want[0], want[1]]).max <= AGREEMENT, `Fortran ${got} vs ${want.subarray(0, 2)}`);
}

// Paper 2's uncertainty-aware models: BNN-DSI and RE-DSI (a repulsive ensemble), a heteroscedastic KAN and GroupKAN MLP —
// the same objectives as for dnn/skdnn, no model-specific code; σ survives the model file and both exports.
const UNCERTAIN: { name: string; keys: Record<string, unknown>; vectors: number }[] = [
  { name: 'BNN-DSI', keys: { model_type: 'ds', features: 'momenta+invariants', ds_latent: 8, depth: 1, activation: 'gelu', uncertainty: 'bnn', bnn_samples: 6 }, vectors: 6 },
  { name: 'RE-DSI', keys: { model_type: 'ds', features: 'momenta+invariants', ds_latent: 8, depth: 1, activation: 'gelu', uncertainty: 'ensemble', ensemble_members: 3 }, vectors: 3 },
  { name: 'KAN-het', keys: { model_type: 'kan', features: 'invariants', width: 8, depth: 1, uncertainty: 'heteroscedastic' }, vectors: 1 },
  { name: 'GroupKAN-bnn-last', keys: { model_type: 'mlp', activation: 'rational', rational_groups: 4, uncertainty: 'bnn', bnn_last_layer_only: true, bnn_samples: 4 }, vectors: 4 },
];

for (const c of UNCERTAIN) {
  test(`${c.name} learns σ on ggyyg momenta; σ survives the model file, ONNX and C`, async () => {
    const config = validateConfig(
      {
        data: { files: slice, target: 'msq', momenta: { particles: PARTICLES } }, depth: 2, width: 16,
        epochs: 2, steps_per_epoch: 10, batch_size: 64, target_transform: 'log-standardize', seed: 5, ...c.keys,
      },
      c.name,
    );
    const dir = join(work, c.name);
    const run = await runTraining({ config, outDir: dir, log: memoryLogger() });
    assert.ok(run.header.metrics.uncertainty !== undefined, 'pulls in the metrics');
    const model = loadModel(dir);
    assert.ok(model.hasUncertainty);
    const n = 60;
    const x = new Float64Array(lines.slice(1, n + 1).flatMap((l) => l.split(',').slice(0, 20).map(Number)));
    const p = model.predictUncertain(x, n);
    assert.ok(p.sigmaSyst.every((v) => v > 0 && Number.isFinite(v)));
    assert.equal(p.sigmaStat === null, c.vectors === 1);
    assert.deepEqual(p.value, model.predict(x, n));
    const description = describeSurrogate(model);
    assert.equal(description.graph.ops.filter((op) => op.kind === 'variance').length, c.vectors);
    const session = await ort.InferenceSession.create(exportOnnx(description, 'u'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const out = await session.run({ x: new ort.Tensor('float64', x, [n, 20]) });
    await session.release();
    assert.ok(maxRelativeDifference(out.y.data as Float64Array, p.value).max <= AGREEMENT, 'ONNX y');
    assert.ok(maxRelativeDifference(out.sigma_syst.data as Float64Array, p.sigmaSyst).max <= AGREEMENT, 'ONNX σ');
    if (!haveGcc()) return;
    const got = runSigmaC(exportC(description, c.name.replace(/-/g, '_').toLowerCase()), x, n, 20);
    for (const [what, a, b] of [['C y', got.y, p.value], ['C σ', got.sigma, p.sigmaSyst], ['C single σ', got.sigmaOne, p.sigmaSyst], ['C eval', got.yPlain, p.value]] as const) {
      assert.ok(maxRelativeDifference(a, b).max <= AGREEMENT, `${c.name} ${what}: ${maxRelativeDifference(a, b).max}`);
    }
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
    const net = archNetwork(parseArchConfig(arch), getKernels('auto'));
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

test('a KAN on plain inputs exports to ONNX and C, agreeing with predict to 1e-12 on and off its spline grid', async () => {
  const config = validateConfig(
    { data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 500 }, model_type: 'kan', depth: 1, width: 4, epochs: 1, steps_per_epoch: 2, batch_size: 32 },
    'kan',
  );
  const dir = join(work, 'kan-2d');
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  const model = loadModel(dir);
  const description = describeSurrogate(model);
  assert.deepEqual([...new Set(description.graph.ops.map((op) => op.kind))], ['kanExpand', 'dense', 'inverseTransform']);
  // Grid points, knots and points beyond the extended grid hit every branch of the spline evaluation.
  const rng = new Rng('kan-points');
  const values = [0, 1, 0.5, 0.1, 0.2, 0.9, -0.3, 1.3, 5, -5, ...Array.from({ length: 200 }, () => rng.uniform())];
  const x = Float64Array.from({ length: 2 * values.length }, (_, i) => values[(i * 7) % values.length]);
  const n = values.length;
  const want = model.predict(x, n);
  const session = await ort.InferenceSession.create(exportOnnx(description, 'kan'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const got = (await session.run({ x: new ort.Tensor('float64', x, [n, 2]) })).y.data as Float64Array;
  await session.release();
  assert.ok(maxRelativeDifference(got, want).max <= AGREEMENT, `ONNX vs predict ${JSON.stringify(maxRelativeDifference(got, want))}`);
  if (!haveGcc()) return;
  const { batch } = compileC([exportC(description, 'kan2d')], tempDir('ampfit-kan-c-')).run(0, x);
  assert.ok(maxRelativeDifference(batch, want).max <= AGREEMENT, `C vs predict ${maxRelativeDifference(batch, want).max}`);
});
