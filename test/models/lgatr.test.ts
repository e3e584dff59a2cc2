// L-GATr through the whole training job on a slice of the shipped ggyyg
// file: the model file round trip, the prediction's invariance under a
// rotation + boost of every momentum and under exchanging identical particles
// (raw GeV momenta, features and all), the model graph the run stores with it
// (so libampfit and the exports can read it; test/export/lgatr.test.ts checks
// their values), and the config's refusal of invariant features.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { readModelFile } from '../../src/io/modelFile.js';
import { loadModel } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { SHARED_DATA, tempDir, writeText } from '../helpers.js';
import { randomLorentz, transformMomenta } from '../nn/lgatr/lorentz.js';

const work = tempDir();
const lines = gunzipSync(readFileSync(join(SHARED_DATA, 'ggyyg/ggyyg_train_00.csv.gz'))).toString('latin1').split('\n', 601);
const slice = writeText(work, 'ggyyg-600.csv', lines.join('\n') + '\n');
const PARTICLES = [
  { name: 'p1', type: 'g' }, { name: 'p2', type: 'g' }, { name: 'p3', type: 'a' }, { name: 'p4', type: 'a' }, { name: 'p5', type: 'g' },
];
const KEYS = {
  data: { files: slice, target: 'msq', momenta: { particles: PARTICLES } }, model_type: 'lgatr', depth: 1, width: 4, lgatr_heads: 2,
  epochs: 2, steps_per_epoch: 5, batch_size: 32, target_transform: 'log-standardize', seed: 3,
};

function maxRelative(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.abs(a[i]));
  return m;
}

test('L-GATr trains on ggyyg, saves, loads, predicts the same bits, is Lorentz and permutation invariant, and stores its graph', async () => {
  const dir = join(work, 'lgatr');
  const log = memoryLogger();
  const run = await runTraining({ config: validateConfig(KEYS, 'lgatr'), outDir: dir, log });
  // embed 10·(1 momentum + 3 class channels)·4+4, block: 3 × (10·4·4+4) + (10·4·4+4) + 4 × (10·4·2+2) + 2 × (10·2·4+4), readout 10·4+1
  assert.equal(run.header.parameter_count, 164 + 4 * 164 + 4 * 82 + 2 * 84 + 41);
  assert.ok(log.lines.some((l) => /L-GATr 1 blocks × 4 multivector channels, 2 heads × 2, 2\+2 bilinear \(5 particles, 3 classes\)/.test(l)), log.lines.join('\n'));
  const model = loadModel(dir);
  const n = 100;
  const x = new Float64Array(lines.slice(1, n + 1).flatMap((l) => l.split(',').slice(0, 20).map(Number)));
  const f = model.predict(x, n);
  assert.ok(f.every((v) => Number.isFinite(v) && v > 0));
  assert.deepEqual(model.regressor.predict(x, n), run.regressor.predict(x, n));

  const rng = new Rng('lgatr-model-lorentz');
  const boosted = transformMomenta(randomLorentz(rng, 0.6), x);
  const lorentz = maxRelative(f, model.predict(boosted, n));
  assert.ok(lorentz < 1e-12, `rotation + boost (β = 0.6): max relative change ${lorentz}`);
  const swapped = new Float64Array(x.length);
  for (let r = 0; r < n; r++) {
    [1, 0, 3, 2, 4].forEach((from, to) => swapped.set(x.subarray(r * 20 + 4 * from, r * 20 + 4 * from + 4), r * 20 + 4 * to));
  }
  const perm = maxRelative(f, model.predict(swapped, n));
  assert.ok(perm < 1e-12, `p1 ↔ p2, p3 ↔ p4: max relative change ${perm}`);

  assert.ok(!log.lines.some((l) => /written without its graph/.test(l)), 'model.ampfit is written with its graph');
  const stored = readModelFile<{ graph?: { ops: { kind: string }[] } }>(join(dir, 'model.ampfit')).header.graph;
  assert.ok(stored !== undefined, 'model.ampfit has a graph');
  assert.deepEqual([...new Set(stored.ops.map((op) => op.kind))].sort(), ['momentumFeatures', 'mvAttention', 'mvBilinear', 'mvEmbed', 'mvGate', 'mvLinear', 'mvNorm', 'mvReadout', 'inverseTransform'].sort());
  assert.match(describeSurrogate(model).info.model, /L-GATr.*attention 2 heads/);
});

test('the config refuses invariant features and a width the heads do not divide for lgatr', () => {
  assert.throws(() => validateConfig({ ...KEYS, features: 'momenta+invariants' }, 't'), /lgatr' reads the four-momenta themselves/);
  assert.throws(() => validateConfig({ ...KEYS, width: 6, lgatr_heads: 4 }, 't'), /must be even and a multiple of lgatr_heads \(4\)/);
  assert.throws(() => validateConfig({ ...KEYS, data: { files: slice, target: 'msq' } }, 't'), /model_type 'lgatr' needs data.momenta/);
});
