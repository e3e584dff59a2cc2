// Momentum inputs on a slice of the shipped ggyyg file (g g → γ γ g): the
// invariants against a hand computation, row checks reported with file and
// line, and the features of a trained model rebuilt at predict time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.js';
import type { RunConfig } from '../../src/config/schema.js';
import { loadDataset } from '../../src/data/dataset.js';
import { momentumColumns } from '../../src/data/momenta.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { loadModel } from '../../src/models/surrogate.js';
import { inputColumns, modelInputs } from '../../src/training/modelInputs.js';
import { runTraining } from '../../src/training/run.js';
import { DataError } from '../../src/util/errors.js';
import { memoryLogger } from '../../src/util/log.js';
import { REPO, SHARED_DATA, tempDir, writeText } from '../helpers.js';

const GGYYG = join(SHARED_DATA, 'ggyyg/ggyyg_train_00.csv.gz');
const PARTICLES = [
  { name: 'p1', type: 'g' }, { name: 'p2', type: 'g' }, { name: 'p3', type: 'a' }, { name: 'p4', type: 'a' }, { name: 'p5', type: 'g' },
];
const work = tempDir();

/** The header and the first `rows` data lines of the shipped file. */
function slice(rows: number): string[] {
  return gunzipSync(readFileSync(GGYYG)).toString('latin1').split('\n', rows + 1);
}

function config(files: string, extra: Record<string, unknown> = {}): RunConfig {
  return validateConfig({ data: { files, target: 'msq', momenta: { particles: PARTICLES } }, ...extra }, 'test');
}

async function features(files: string, kind: 'momenta' | 'invariants' | 'momenta+invariants') {
  const c = config(files, { features: kind });
  const data = await loadDataset({
    files: [files], inputs: inputColumns(c), target: 'msq', born: null, requirePositiveTarget: true, skipBadRows: false,
  });
  return { data, inputs: modelInputs(c, data, Uint32Array.from({ length: data.n }, (_, i) => i)) };
}

test('invariants of a ggyyg row match a hand computation', async () => {
  const lines = slice(50);
  const file = writeText(work, 'good.csv', lines.join('\n') + '\n');
  const { data, inputs } = await features(file, 'invariants');
  assert.equal(inputs.d, 10);
  const [e3, , , pz3] = lines[1].split(',').slice(8, 12).map(Number);
  const p3 = lines[1].split(',').slice(8, 12).map(Number);
  const p4 = lines[1].split(',').slice(12, 16).map(Number);
  // Massless momenta: (p_i + p_j)² = 2 p_i·p_j; p1 = (500, 0, 0, 500) GeV gives 1000 (E3 − pz3).
  const s13 = 1000 * (e3 - pz3);
  const s34 = 2 * (p3[0] * p4[0] - p3[1] * p4[1] - p3[2] * p4[2] - p3[3] * p4[3]);
  assert.ok(Math.abs(s13 - 26303.99592613893) < 1e-9);
  // Undo the stored standardisation: log s = shift + scale · feature (order s12, s13, s14, s15, s23, ..., s34 is index 7).
  const spec = inputs.features!;
  const s = (k: number): number => Math.exp(spec.invariant_shift[k] + spec.invariant_scale[k] * inputs.x[k]);
  assert.ok(Math.abs(s(1) / s13 - 1) < 1e-12, `s13 ${s(1)} vs ${s13}`);
  assert.ok(Math.abs(s(7) / s34 - 1) < 1e-12, `s34 ${s(7)} vs ${s34}`);
  // √ŝ is fixed at 1000 GeV in ggyyg: s12 is the constant 1e6 and becomes the constant feature 0.
  assert.equal(spec.momentum_scale, 1000);
  for (let r = 0; r < data.n; r++) assert.equal(inputs.x[r * 10], 0);
  // Standardised on these rows: every non-constant feature has mean 0.
  let mean = 0;
  for (let r = 0; r < data.n; r++) mean += inputs.x[r * 10 + 1] / data.n;
  assert.ok(Math.abs(mean) < 1e-12);
  const both = await features(file, 'momenta+invariants');
  assert.equal(both.inputs.d, 30);
  assert.equal(both.inputs.x[3], 0.5); // p1_pz / √ŝ
});

test('a row that violates momentum conservation is reported with file and line', async () => {
  const lines = slice(60);
  const cells = lines[41].split(',');
  cells[9] = String(Number(cells[9]) + 1); // p3_px of data row 41 (line 42) off by 1 GeV
  lines[41] = cells.join(',');
  const file = writeText(work, 'unbalanced.csv', lines.join('\n') + '\n');
  await assert.rejects(features(file, 'momenta'), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.line, 42);
    assert.match(e.message, /unbalanced\.csv:42: momentum not conserved: Σ incoming − Σ outgoing px = -1\.0\d* GeV/);
    return true;
  });
});

test('a non-positive energy names its column and line', async () => {
  const lines = slice(20);
  const cells = lines[7].split(',');
  cells[16] = '-' + cells[16]; // p5_E of line 8
  lines[7] = cells.join(',');
  const file = writeText(work, 'negative.csv', lines.join('\n') + '\n');
  await assert.rejects(features(file, 'invariants'), /negative\.csv:8, column 'p5_E': energy -\d+\.\d+ GeV is not positive/);
});

test('config: momenta name their columns; conflicting keys are refused', () => {
  assert.deepEqual(momentumColumns({ particles: PARTICLES.slice(0, 1) }), ['p1_E', 'p1_px', 'p1_py', 'p1_pz']);
  assert.throws(() => validateConfig({ data: { files: 'x', target: 'msq', inputs: ['a'], momenta: { particles: PARTICLES } } }, 't'), /data.inputs or data.momenta/);
  assert.throws(() => validateConfig({ data: { files: 'x', target: 'msq' }, features: 'invariants' }, 't'), /features needs data.momenta/);
  assert.throws(() => validateConfig({ data: { files: 'x', target: 'msq' }, model_type: 'ds' }, 't'), /needs data.momenta/);
});

test('MLP-I: a model trained on invariants predicts from a momentum CSV; a bad row stops predict with its line', async () => {
  const lines = slice(1500);
  const file = writeText(work, 'train.csv', lines.join('\n') + '\n');
  const dir = join(work, 'mlpi');
  const c = config(file, {
    features: 'invariants', model_type: 'dnn', depth: 2, width: 16, activation: 'silu', epochs: 2, steps_per_epoch: 20,
    batch_size: 64, target_transform: 'log-standardize', seed: 3,
  });
  const run = await runTraining({ config: c, outDir: dir, log: memoryLogger() });
  assert.equal(run.header.regressor.type, 'momentum-features');
  assert.equal(run.header.inputs.length, 20);
  assert.equal(run.header.parameter_count, 10 * 16 + 16 + 16 * 16 + 16 + 16 + 1);
  const model = loadModel(dir);
  const x = new Float64Array(lines[1].split(',').slice(0, 20).map(Number));
  const pred = model.predict(x, 1)[0];
  assert.ok(pred > 0 && Number.isFinite(pred));
  // Exports take the momenta too: the features are the graph's first op (test/models/layered.test.ts runs them).
  const graph = describeSurrogate(model).graph;
  assert.deepEqual([graph.input.kind, graph.ops[0].kind], ['momenta', 'momentumFeatures']);

  const bin = join(REPO, 'bin/ampfit.js');
  const good = writeText(work, 'points.csv', lines.slice(0, 11).join('\n') + '\n');
  const out = join(work, 'pred.csv');
  let r = spawnSync(process.execPath, [bin, 'predict', '--model', dir, '--input', good, '--output', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const first = readFileSync(out, 'utf8').split('\n')[1].split(',');
  assert.equal(Number(first[first.length - 1]), pred);
  const bad = lines.slice(0, 11);
  const cells = bad[5].split(',');
  cells[15] = String(Number(cells[15]) * 1.01); // p4_pz of line 6
  bad[5] = cells.join(',');
  const badFile = writeText(work, 'bad-points.csv', bad.join('\n') + '\n');
  r = spawnSync(process.execPath, [bin, 'predict', '--model', dir, '--input', badFile, '--output', join(work, 'bad.csv')], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad-points\.csv:6: momentum not conserved: Σ incoming − Σ outgoing pz/);
  r = spawnSync(process.execPath, [bin, 'eval', '--model', dir, '--data', badFile], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad-points\.csv:6: momentum not conserved/);
});
