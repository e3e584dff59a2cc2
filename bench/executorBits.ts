// Trains and predicts a fixed set of small networks of every family on a
// slice of the ggyyg file (fixed seeds, a few epochs) and prints, per
// config, the bit patterns of the predictions (and σ for the uncertainty
// models) as JSON. Run before and after a change to the network executor:
// equal output means the change kept every result bit for bit.
//   node dist/bench/executorBits.js [out.json] [--save-models DIR]
// (AMPFIT_NATIVE=0 selects the TypeScript kernels.)

import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../src/config/load.js';
import { loadModel } from '../src/models/surrogate.js';
import { runTraining } from '../src/training/run.js';
import { memoryLogger } from '../src/util/log.js';

const SHARED = process.env.AMPFIT_SHARED_DATA ?? '/work/shared/data';
const lines = gunzipSync(readFileSync(join(SHARED, 'ggyyg/ggyyg_train_00.csv.gz'))).toString('latin1').split('\n', 801);
const work = mkdtempSync(join(tmpdir(), 'ampfit-bits-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const slice = join(work, 'ggyyg-800.csv');
writeFileSync(slice, lines.join('\n') + '\n');
const PARTICLES = [
  { name: 'p1', type: 'g' }, { name: 'p2', type: 'g' }, { name: 'p3', type: 'a' }, { name: 'p4', type: 'a' }, { name: 'p5', type: 'g' },
];

const ACTS = ['relu', 'leaky_relu', 'elu', 'softplus', 'gelu', 'silu', 'tanh'];
const CASES: Record<string, Record<string, unknown>> = {
  'dnn-inv': { model_type: 'dnn', features: 'invariants', activation: 'silu' },
  'skdnn-mom': { model_type: 'skdnn', activation: 'tanh' },
  ...Object.fromEntries(ACTS.map((a) => [`mlp-${a}`, { model_type: 'mlp', features: 'invariants', activation: a }])),
  'mlp-rational': { model_type: 'mlp', activation: 'rational', rational_groups: 1 },
  'groupkan-4': { model_type: 'mlp', features: 'invariants', activation: 'rational', rational_groups: 4, rational_init: 'silu' },
  'kan': { model_type: 'kan', features: 'invariants', width: 6, depth: 1 },
  'kan-2': { model_type: 'kan', width: 4, depth: 2, kan_grid: 5, kan_range: [-2, 2] },
  'ds': { model_type: 'ds', ds_latent: 4, activation: 'gelu' },
  'dsi-rational': { model_type: 'ds', features: 'momenta+invariants', ds_latent: 4, activation: 'rational', rational_groups: 2 },
  'dnn-het': { model_type: 'dnn', features: 'invariants', uncertainty: 'heteroscedastic' },
  'kan-ensemble': { model_type: 'kan', features: 'invariants', width: 4, depth: 1, uncertainty: 'ensemble', ensemble_members: 3 },
  'dsi-bnn': { model_type: 'ds', features: 'momenta+invariants', ds_latent: 4, activation: 'gelu', uncertainty: 'bnn', bnn_samples: 4 },
  'mlp-bnn-last': { model_type: 'mlp', activation: 'rational', rational_groups: 2, uncertainty: 'bnn', bnn_last_layer_only: true, bnn_samples: 3 },
};

function bits(a: Float64Array): string[] {
  return Array.from(new BigUint64Array(a.slice().buffer), (b) => b.toString(16).padStart(16, '0'));
}

const args = process.argv.slice(2);
const saveAt = args.indexOf('--save-models');
const modelsDir = saveAt >= 0 ? args[saveAt + 1] : null;
const outFile = args.find((a, i) => !a.startsWith('--') && (saveAt < 0 || i !== saveAt + 1)) ?? null;
const x = new Float64Array(lines.slice(1, 41).flatMap((l) => l.split(',').slice(0, 20).map(Number)));
const n = x.length / 20;
const result: Record<string, Record<string, string[]>> = {};
for (const [name, keys] of Object.entries(CASES)) {
  const config = validateConfig(
    {
      data: { files: slice, target: 'msq', momenta: { particles: PARTICLES } }, depth: 2, width: 8,
      epochs: 2, steps_per_epoch: 4, batch_size: 32, target_transform: 'log-standardize', seed: 11, ...keys,
    },
    name,
  );
  const dir = modelsDir === null ? join(work, name) : join(modelsDir, name);
  const run = await runTraining({ config, outDir: dir, log: memoryLogger() });
  const model = loadModel(dir);
  const entry: Record<string, string[]> = { trained: bits(run.regressor.predict(x, n)), loaded: bits(model.predict(x, n)) };
  if (model.hasUncertainty) {
    const p = model.predictUncertain(x, n);
    for (const [k, v] of Object.entries(p)) if (v instanceof Float64Array) entry[k] = bits(v);
  }
  result[name] = entry;
  process.stderr.write(`${name} done\n`);
}
const text = JSON.stringify(result, null, 1);
if (outFile === null) process.stdout.write(text + '\n');
else writeFileSync(outFile, text + '\n');
