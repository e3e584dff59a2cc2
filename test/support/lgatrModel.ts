// A ggyyg L-GATr model for the export and libampfit tests: trained for a few
// steps on a slice of the shipped sample (two blocks, so every multivector
// op appears more than once), then perturbed and written back with its
// graph. A few training steps leave an L-GATr close to the mean; noise on
// every weight, a larger readout and larger embedded momenta make a model
// whose value varies over phase space (a factor ~60 on the test points),
// which is what agreement and invariance should be tested on.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.js';
import { modelGraph } from '../../src/export/describe.js';
import { serializeGraph } from '../../src/graph/serialize.js';
import { MODEL_FILE, writeModelFileWithGraph } from '../../src/io/modelStore.js';
import { MomentumRegressor } from '../../src/models/momentumRegressor.js';
import { NeuralRegressor } from '../../src/models/neural.js';
import { loadModel } from '../../src/models/surrogate.js';
import { LGATrNet } from '../../src/nn/lgatr/network.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { SHARED_DATA, writeText } from '../helpers.js';

const PARTICLES = [
  { name: 'p1', type: 'g' }, { name: 'p2', type: 'g' }, { name: 'p3', type: 'a' }, { name: 'p4', type: 'a' }, { name: 'p5', type: 'g' },
];

/** The first n rows' momenta (20 per row) of the shipped ggyyg file, and a CSV of its first 800 rows in work. */
export function ggyygSlice(work: string, n: number): { csv: string; x: Float64Array } {
  const lines = gunzipSync(readFileSync(join(SHARED_DATA, 'ggyyg/ggyyg_train_00.csv.gz'))).toString('latin1').split('\n', 801);
  const csv = writeText(work, 'ggyyg-800.csv', lines.join('\n') + '\n');
  return { csv, x: new Float64Array(lines.slice(1, n + 1).flatMap((l) => l.split(',').slice(0, 20).map(Number))) };
}

/** Trains, perturbs and rewrites the model in work/<name>; returns that directory. `shape`: depth, width, lgatr_heads. */
export async function perturbedLgatr(work: string, csv: string, name = 'lgatr', shape: Record<string, number> = { depth: 2, width: 4, lgatr_heads: 2 }): Promise<string> {
  const dir = join(work, name);
  const config = validateConfig({
    data: { files: csv, target: 'msq', momenta: { particles: PARTICLES } }, model_type: 'lgatr', ...shape,
    epochs: 2, steps_per_epoch: 10, batch_size: 64, target_transform: 'log-standardize', seed: 5, threads: 1,
  }, name);
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  const m = loadModel(dir);
  const reg = m.regressor;
  if (!(reg instanceof MomentumRegressor && reg.inner instanceof NeuralRegressor && reg.inner.network instanceof LGATrNet)) throw new Error('not an L-GATr model');
  const net = reg.inner.network;
  const rng = new Rng('lgatr-export-perturb');
  for (let i = 0; i < net.paramCount; i++) net.params[i] = 3 * net.params[i] + rng.normal();
  for (let i = net.outputLayerStart; i < net.paramCount; i++) net.params[i] *= 2;
  // The embedding's rows for the momentum channel (input channel 0 of each of its 10 blocks).
  const cin = net.inputChannels;
  const C = net.config.channels;
  for (let k = 0; k < 10; k++) for (let o = 0; o < C; o++) net.params[k * cin * C + o] *= 6;
  writeModelFileWithGraph(join(dir, MODEL_FILE), m.header, m.regressor.serialize(), serializeGraph(modelGraph(m)));
  return dir;
}
