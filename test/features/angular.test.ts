// Declared input structure through the whole training job on a slice of the
// shared zz8d data: decay angles feeding the harmonic head, periodic inputs;
// config and data errors that name what is wrong; save/load and resume.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.js';
import { EDGE_FLOOR, resolveInputStage, stageInputs, stageWidth } from '../../src/features/angular.js';
import { readModel } from '../../src/io/modelStore.js';
import { loadModel } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { TargetTransform } from '../../src/transforms/target.js';
import { memoryLogger } from '../../src/util/log.js';
import { SHARED_DATA, tempDir, writeText } from '../helpers.js';
import { sameBits } from '../nn/helpers.js';

const work = tempDir();
const lines = gunzipSync(readFileSync(join(SHARED_DATA, 'zz8d/zz8d_train_00.csv.gz'))).toString('latin1').split('\n', 3001);
const slice = writeText(work, 'zz8d-3000.csv', lines.join('\n') + '\n');
const DECAYS = [{ name: 'Z1', cos_theta: 'x5', phi: 'x6' }, { name: 'Z2', cos_theta: 'x7', phi: 'x8' }];
const base = {
  data: { files: slice, target: 'f01', born: 'f00', require_positive_target: false },
  angular: { decays: DECAYS }, target_transform: 'asinh-standardize', model_type: 'skdnn', depth: 1, width: 8, activation: 'silu',
  epochs: 3, steps_per_epoch: 20, batch_size: 64, seed: 3, threads: 1,
};

test('angular config: columns used twice, periodic decay angles, other model types and log transforms are errors naming them', () => {
  assert.throws(() => validateConfig({ ...base, angular: { decays: [DECAYS[0], { cos_theta: 'x5', phi: 'x8' }] } }, 'c'),
    /angular\.decays\.1\.cos_theta: column 'x5' is used twice \(decay Z1 cos_theta and decay 2 cos_theta\)/);
  assert.throws(() => validateConfig({ ...base, data: { ...base.data, periodic: ['x6'] } }, 'c'), /'x6' is a decay angle \(decay Z1 phi\)/);
  assert.throws(() => validateConfig({ ...base, model_type: 'bdt' }, 'c'), /angular needs model_type dnn or skdnn .*not 'bdt'/);
  assert.throws(() => validateConfig({ ...base, target_transform: 'log-standardize' }, 'c'), /use target_transform 'asinh-standardize'/);
  assert.throws(() => validateConfig({ ...base, angular: { decays: DECAYS, l_max: 7 } }, 'c'), /angular\.l_max/);
  assert.throws(() => validateConfig({ ...base, angular: { decays: [{ cos_theta: { column: 'x5', offset: -1, scale: 0 }, phi: 'x6' }] } }, 'c'), /scale must not be 0/);
  assert.throws(() => validateConfig({ ...base, uncertainty: 'heteroscedastic' }, 'c'), /angular cannot be combined with uncertainty/);
  assert.throws(() => validateConfig({ ...base, data: { ...base.data, born: null }, angular: { decays: DECAYS, born_shape_weight: 0.5 } }, 'c'), /born_shape_weight .* needs data\.born/);
  assert.throws(() => validateConfig({ ...base, angular: null, data: { ...base.data, periodic: ['x6', 'x6'] } }, 'c'), /data.periodic: column 'x6' is listed twice/);
});

test('angular stage: production columns are the rest, default maps are the hypercube convention, a missing column is named', () => {
  const c = validateConfig(base, 'c');
  const names = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'];
  const s = resolveInputStage(c, names);
  assert.deepEqual(s?.plain, [0, 1, 2, 3]);
  assert.deepEqual(s?.angular?.decays[1], { name: 'Z2', cos: { index: 6, offset: -1, scale: 2 }, phi: { index: 7, offset: 0, scale: 2 * Math.PI } });
  assert.throws(() => resolveInputStage(c, names.slice(0, 7)), /angular: Z2 phi: 'x8' is not an input column \(the 7 inputs are x1, .*x7\)/);
  const p = resolveInputStage(validateConfig({ ...base, angular: null, data: { ...base.data, periodic: ['x6', { column: 'x8', period: 2 }] } }, 'c'), names);
  assert.deepEqual(p, { inputDim: 8, plain: [0, 1, 2, 3, 4, 6], periodic: [{ index: 5, period: 1 }, { index: 7, period: 2 }], logEdges: [], angular: null });
});

test('edge logarithms: x is kept, ln x + 1 and ln(1 − x) + 1 follow the periodic pairs, the faces read as the floor', () => {
  const names = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'];
  const s = resolveInputStage(validateConfig({ ...base, data: { ...base.data, log_edges: ['x2', 'x1'] } }, 'c'), names);
  assert.ok(s !== null);
  assert.deepEqual(s.plain, [0, 1, 2, 3]);
  assert.deepEqual(s.logEdges, [1, 0]);
  assert.equal(stageWidth(s), 8);
  const x = Float64Array.from([0.3, 0.25, 0.5, 0.5, 0.1, 0.2, 0.3, 0.4, 0, 1, 0.5, 0.5, 0.1, 0.2, 0.3, 0.4]);
  const out = new Float64Array(16);
  stageInputs(s, x, 2, out);
  assert.deepEqual([...out.subarray(0, 4)], [0.3, 0.25, 0.5, 0.5]);
  assert.deepEqual([...out.subarray(4, 8)], [Math.log(0.25) + 1, Math.log(0.75) + 1, Math.log(0.3) + 1, Math.log(1 - 0.3) + 1]);
  const floor = Math.log(EDGE_FLOOR) + 1;
  assert.ok(Math.abs(floor + 33.54) < 0.01);
  assert.deepEqual([...out.subarray(12, 16)], [1, floor, floor, 1]);
});

test('edge logarithm config: listed twice, periodic, a decay angle, a model without the input stage and an unknown column are errors naming them', () => {
  const edges = (log_edges: string[], more: Record<string, unknown> = {}): Record<string, unknown> => ({ ...base, ...more, data: { ...base.data, log_edges, ...((more.data as object | undefined) ?? {}) } });
  assert.throws(() => validateConfig(edges(['x2', 'x2']), 'c'), /data\.log_edges\.1: data\.log_edges: column 'x2' is listed twice/);
  assert.throws(() => validateConfig(edges(['x6'], { angular: null, data: { periodic: ['x6'] } }), 'c'), /'x6' is periodic \(data\.periodic\): a periodic coordinate has no edges/);
  assert.throws(() => validateConfig(edges(['x7']), 'c'), /'x7' is a decay angle \(decay Z2 cos_theta\); .* do not list it in data\.log_edges/);
  assert.throws(() => validateConfig(edges(['x2'], { angular: null, model_type: 'bdt' }), 'c'), /data\.log_edges needs model_type dnn or skdnn \(the network reads ln x and ln\(1 − x\)\), not 'bdt'/);
  const c = validateConfig(edges(['x9'], { angular: null }), 'c');
  assert.throws(() => resolveInputStage(c, ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8']), /data\.log_edges: 'x9' is not an input column/);
});

test('angular data: a row whose angle map leaves [−1, 1] is refused with file, line and column', async () => {
  // cos θ1 = −1 + 2.5·x5 stays in [−1, 1] for x5 ≤ 0.8: every row but one is kept below that.
  const bad = lines.slice(0, 200).map((l, i) => {
    if (i === 0) return l;
    const cells = l.split(',');
    cells[4] = i === 57 ? '0.95' : String(Math.min(Number(cells[4]), 0.7));
    return cells.join(',');
  });
  const file = writeText(work, 'bad-angle.csv', bad.join('\n') + '\n');
  const decays = [{ name: 'Z1', cos_theta: { column: 'x5', offset: -1, scale: 2.5 }, phi: 'x6' }, DECAYS[1]];
  const config = validateConfig({ ...base, data: { ...base.data, files: file }, angular: { decays } }, 'c');
  await assert.rejects(runTraining({ config, outDir: join(work, 'bad'), log: memoryLogger() }),
    /bad-angle\.csv:58, column 'x5': value 0\.95 maps to cos θ = 1\.375 of Z1, outside \[−1, 1\]/);
});

test('angular model: trains, keeps its structure through save and load, and resumes bit for bit (with and without the Born-shape term)', async () => {
  for (const weight of [1, 0]) {
    const config = validateConfig({ ...base, angular: { decays: DECAYS, born_shape_weight: weight } }, 'c');
    const straight = join(work, `straight-${weight}`);
    const log = memoryLogger();
    const run = await runTraining({ config, outDir: straight, log });
    // sk-DNN 1-8 on 4 inputs: (4·8+8) + (8·8+8) + (4·8) + (8·8+8) + output 8·n+n, n = 1 + 16² + 80 (+1 for the Born scale).
    const outputs = 1 + 256 + 80 + (weight > 0 ? 1 : 0);
    assert.equal(run.header.parameter_count, 40 + 72 + 32 + 72 + 9 * outputs);
    assert.ok(log.lines.some((l) => /on 4 production inputs, harmonics l ≤ 2 of 2 decays \(81 terms\)/.test(l)), log.lines.join('\n'));
    assert.equal(log.lines.some((l) => /Born-shape MSE/.test(l)), weight > 0);
    // No edge logarithms are stored as no key: the layout of every model written before they existed, which must keep loading.
    const stored = JSON.stringify(readModel(straight).regressor.spec);
    assert.ok(stored.includes('"stage":{') && !stored.includes('logEdges'), stored.slice(0, 400));
    const model = loadModel(straight);
    const x = new Float64Array(lines.slice(1, 201).flatMap((l) => l.split(',').slice(0, 8).map(Number)));
    const y = model.predict(x, 200);
    assert.equal(sameBits(y, TargetTransform.fromJSON(run.header.target.transform).inverseInPlace(run.regressor.predict(x, 200))), null);
    assert.ok(y.every(Number.isFinite));
    // Resume: 2 epochs, then the rest, equals 3 epochs straight.
    const split = join(work, `split-${weight}`);
    await runTraining({ config: { ...config, epochs: 2 }, outDir: split, log: memoryLogger() });
    await runTraining({ config, outDir: split, log: memoryLogger(), resume: true });
    assert.equal(sameBits(loadModel(split).predict(x, 200), y), null);
  }
});

test('periodic inputs: the network reads cos/sin, so the model is exactly periodic in that input', async () => {
  const config = validateConfig({ ...base, angular: null, data: { ...base.data, periodic: ['x6', 'x8'] } }, 'c');
  const dir = join(work, 'periodic');
  const log = memoryLogger();
  await runTraining({ config, outDir: dir, log });
  assert.ok(log.lines.some((l) => /2 periodic inputs as cos\/sin/.test(l)), log.lines.join('\n'));
  const model = loadModel(dir);
  const x = new Float64Array(lines.slice(1, 51).flatMap((l) => l.split(',').slice(0, 8).map(Number)));
  const shifted = x.map((v, i) => (i % 8 === 5 ? 0 : i % 8 === 7 ? 1 : v));
  const atZero = x.map((v, i) => (i % 8 === 5 ? 1 : i % 8 === 7 ? 0 : v));
  const a = model.predict(shifted, 50);
  const b = model.predict(atZero, 50);
  for (let i = 0; i < 50; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-12 * Math.abs(a[i]), `row ${i}: ${a[i]} vs ${b[i]}`);
});

test('periodic inputs and edge logarithms with uncertainties: heteroscedastic, ensemble and bnn learn σ, mean and σ exactly periodic, through save and load', async () => {
  const x = new Float64Array(lines.slice(1, 51).flatMap((l) => l.split(',').slice(0, 8).map(Number)));
  const atZero = x.map((v, i) => (i % 8 === 5 ? 0 : i % 8 === 7 ? 1 : v));
  const atOne = x.map((v, i) => (i % 8 === 5 ? 1 : i % 8 === 7 ? 0 : v));
  const methods = [{ uncertainty: 'heteroscedastic' }, { uncertainty: 'ensemble', ensemble_members: 2 }, { uncertainty: 'bnn', bnn_samples: 4 }];
  for (const m of methods) {
    const config = validateConfig({ ...base, ...m, angular: null, data: { ...base.data, periodic: ['x6', 'x8'], log_edges: ['x2'] } }, 'c');
    const dir = join(work, `uncertain-${m.uncertainty}`);
    const log = memoryLogger();
    const run = await runTraining({ config, outDir: dir, log });
    // sk-DNN 1-8 on 6 plain + 2·2 cos/sin + 2 edge logarithms = 12 staged inputs, with the (mean, log σ²) head, per member.
    const perMember = (12 * 8 + 8) + (8 * 8 + 8) + 12 * 8 + (8 * 8 + 8) + 9 * 2;
    // Two members, or the BNN's means and widths.
    assert.equal(run.header.parameter_count, m.uncertainty === 'heteroscedastic' ? perMember : 2 * perMember, m.uncertainty);
    assert.ok(log.lines.some((l) => /2 periodic inputs as cos\/sin; 1 input also as edge logarithms/.test(l)), log.lines.join('\n'));
    const model = loadModel(dir);
    const a = model.predictUncertain(atZero, 50);
    const b = model.predictUncertain(atOne, 50);
    for (let i = 0; i < 50; i++) {
      assert.ok(a.sigmaSyst[i] > 0 && Number.isFinite(a.sigmaSyst[i]), `${m.uncertainty} row ${i}: σ ${a.sigmaSyst[i]}`);
      assert.ok(Math.abs(a.value[i] - b.value[i]) <= 1e-12 * Math.abs(a.value[i]), `${m.uncertainty} row ${i}: ${a.value[i]} vs ${b.value[i]}`);
      assert.ok(Math.abs(a.sigmaSyst[i] - b.sigmaSyst[i]) <= 1e-12 * a.sigmaSyst[i], `${m.uncertainty} row ${i}: σ ${a.sigmaSyst[i]} vs ${b.sigmaSyst[i]}`);
    }
    assert.equal(sameBits(model.predict(atZero, 50), a.value), null);
    assert.equal((a.sigmaStat !== null), m.uncertainty !== 'heteroscedastic', m.uncertainty);
  }
});

test('angular model without a Born: the head learns the plain, sign-changing f01 (asinh) and predicts finite values', async () => {
  const config = validateConfig({ ...base, data: { ...base.data, born: null } }, 'c');
  const dir = join(work, 'no-born');
  const log = memoryLogger();
  const run = await runTraining({ config, outDir: dir, log });
  assert.equal(log.lines.some((l) => /Born-shape/.test(l)), false);
  assert.equal(run.header.parameter_count, 40 + 72 + 32 + 72 + 9 * (1 + 256 + 80));
  const x = new Float64Array(lines.slice(1, 101).flatMap((l) => l.split(',').slice(0, 8).map(Number)));
  assert.ok(loadModel(dir).predict(x, 100).every(Number.isFinite));
});

test('angular model with the boson swap folded: exactly invariant predictions', async () => {
  const config = validateConfig({ ...base, symmetries: [{ name: 'swap', map: '(x1, 1-x2, x4, x3, x7, x8, x5, x6)' }], symmetry_mode: 'fold' }, 'c');
  const dir = join(work, 'fold');
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  const model = loadModel(dir);
  const rows = lines.slice(1, 101).map((l) => l.split(',').slice(0, 8).map(Number));
  const swapped = rows.map((r) => [r[0], 1 - r[1], r[3], r[2], r[6], r[7], r[4], r[5]]);
  assert.equal(sameBits(model.predict(new Float64Array(rows.flat()), 100), model.predict(new Float64Array(swapped.flat()), 100)), null);
});
