// L-GATr leaves ampfit: a briefly trained ggyyg L-GATr (two blocks, so every
// multivector op appears more than once) exported to ONNX (run in
// onnxruntime) and to C (compiled with gcc) agrees with Surrogate.predict to
// AGREEMENT relative on real phase-space points; the C function is Lorentz
// invariant (rotation + boost of every momentum) to ~1e-12; the stored graph
// round-trips.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import ort from 'onnxruntime-node';
import { validateConfig } from '../../src/config/load.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { exportC } from '../../src/export/c/index.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { deserializeGraph, serializeGraph } from '../../src/graph/serialize.js';
import { loadModel, type Surrogate } from '../../src/models/surrogate.js';
import { MomentumRegressor } from '../../src/models/momentumRegressor.js';
import { NeuralRegressor } from '../../src/models/neural.js';
import { LGATrNet } from '../../src/nn/lgatr/network.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { SHARED_DATA, tempDir, writeText } from '../helpers.js';
import { randomLorentz, transformMomenta } from '../nn/lgatr/lorentz.js';
import { AGREEMENT, compileC, haveGcc, maxRelativeDifference } from './fixtures.js';

const work = tempDir('ampfit-lgatr-export-');
const lines = gunzipSync(readFileSync(join(SHARED_DATA, 'ggyyg/ggyyg_train_00.csv.gz'))).toString('latin1').split('\n', 801);
const slice = writeText(work, 'ggyyg-800.csv', lines.join('\n') + '\n');
const PARTICLES = [
  { name: 'p1', type: 'g' }, { name: 'p2', type: 'g' }, { name: 'p3', type: 'a' }, { name: 'p4', type: 'a' }, { name: 'p5', type: 'g' },
];
const N = 300;
const x = new Float64Array(lines.slice(1, N + 1).flatMap((l) => l.split(',').slice(0, 20).map(Number)));

const trained = (async () => {
  const dir = join(work, 'lgatr');
  const config = validateConfig({
    data: { files: slice, target: 'msq', momenta: { particles: PARTICLES } }, model_type: 'lgatr', depth: 2, width: 4, lgatr_heads: 2,
    epochs: 2, steps_per_epoch: 10, batch_size: 64, target_transform: 'log-standardize', seed: 5, threads: 1,
  }, 'lgatr');
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  return dir;
})();

/**
 * The trained model with its parameters perturbed: a few training steps
 * leave an L-GATr close to the mean, so noise on every weight, a larger
 * readout and larger embedded momenta make one whose value varies over phase space by orders of
 * magnitude — what agreement and invariance should be tested on.
 */
async function perturbedModel(): Promise<Surrogate> {
  const m = loadModel(await trained);
  const reg = m.regressor;
  if (!(reg instanceof MomentumRegressor && reg.inner instanceof NeuralRegressor && reg.inner.network instanceof LGATrNet)) throw new Error('not an L-GATr model');
  const net = reg.inner.network;
  const rng = new Rng('lgatr-export-perturb');
  for (let i = 0; i < net.paramCount; i++) net.params[i] = 3 * net.params[i] + rng.normal();
  for (let i = net.outputLayerStart; i < net.paramCount; i++) net.params[i] *= 2;
  // The embedding's rows for the momentum channel (input channel 0 of each of its 10 blocks): larger momenta, larger invariants.
  const cin = net.inputChannels;
  const C = net.config.channels;
  for (let k = 0; k < 10; k++) for (let o = 0; o < C; o++) net.params[k * cin * C + o] *= 6;
  return m;
}

test('an L-GATr graph lists every multivector op and survives serialization', async () => {
  const model = describeSurrogate(await perturbedModel());
  const kinds = model.graph.ops.map((op) => op.kind);
  for (const [kind, count] of [['mvEmbed', 1], ['mvNorm', 5], ['mvAttention', 2], ['mvBilinear', 4], ['mvGate', 4], ['mvLinear', 2 + 2 * 10], ['mvReadout', 1]] as const) {
    assert.equal(kinds.filter((k) => k === kind).length, count, kind);
  }
  assert.match(model.info.model, /2 × attention 2 heads/);
  const s = serializeGraph(model.graph);
  assert.deepEqual(serializeGraph(deserializeGraph(JSON.parse(JSON.stringify(s.json)), s.arrays)).json, s.json);
});

test(`ONNX export of a ggyyg L-GATr agrees with predict to ${AGREEMENT} relative`, async () => {
  const m = await perturbedModel();
  const want = m.predict(x, N);
  const session = await ort.InferenceSession.create(exportOnnx(describeSurrogate(m), 'lgatr'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const out = await session.run({ x: new ort.Tensor('float64', x, [N, 20]) });
  const got = out.y.data as Float64Array;
  const { max, at } = maxRelativeDifference(got, want);
  console.log(`# ONNX vs predict: max relative difference ${max.toExponential(2)}`);
  assert.ok(max <= AGREEMENT, `max relative difference ${max} at ${at}: ${got[at]} vs ${want[at]}`);
});

test(`C export of a ggyyg L-GATr agrees with predict to ${AGREEMENT} relative and is Lorentz invariant`, { skip: haveGcc() ? false : 'gcc is not installed' }, async () => {
  const m = await perturbedModel();
  const want = m.predict(x, N);
  // A model that varies over phase space, so that agreement and invariance test something.
  const spread = Math.max(...want) / Math.min(...want);
  console.log(`# predictions span a factor ${spread.toPrecision(3)}`);
  assert.ok(spread > 10, `predictions span only a factor ${spread}`);
  const c = compileC([exportC(describeSurrogate(m), 'lgatr')], work);
  const got = c.run(0, x);
  const { max, at } = maxRelativeDifference(got.batch, want);
  console.log(`# C vs predict: max relative difference ${max.toExponential(2)}`);
  assert.ok(max <= AGREEMENT, `max relative difference ${max} at ${at}: ${got.batch[at]} vs ${want[at]}`);
  assert.deepEqual(got.single, got.batch);
  const rng = new Rng('lgatr-export-lorentz');
  for (const beta of [0.3, 0.6]) {
    const moved = c.run(0, transformMomenta(randomLorentz(rng, beta), x));
    const r = maxRelativeDifference(moved.batch, got.batch).max;
    console.log(`# C, rotation + boost β = ${beta}: max relative change ${r.toExponential(2)}`);
    assert.ok(r < 1e-12, `β = ${beta}: max relative change ${r}`);
  }
});
