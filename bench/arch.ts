// Paper 2's architecture comparison on the shipped momentum-level dataset
// ggyyg (g g → γ γ g, target msq over 5 decades, log-standardised): MLP with
// ReLU, LeakyReLU and GELU, GroupKAN-1 and -4 (learnable rational
// activations), KAN, MLP-I (momenta + log invariants), DS, DSI and L-GATr
// (2 blocks, Adam from 1e-3: a smaller peak rate for the transformer, not tuned), each sized
// to about the same number of parameters and trained for the same time on one
// thread (equal CPU time), then R_1, R_0.1, σ_δ on the test split, parameters
// and training samples per second.
//
// Common recipe: paper 2's split (70/10/20), batch 1024, Adam, a cosine
// schedule from 3e-3 run over the time budget (lr_clock 'time', so every model
// cools fully), depth 3 for the MLPs and the DS head, DS latent 64.
//
//   npm run bench:arch -- [--budget-s 120] [--params 20000] [--models mlp-relu,...]
//                         [--max-rows N] [--threads 1] [--out runs/bench-arch]

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../src/config/load.js';
import type { RunConfig } from '../src/config/schema.js';
import { featureDim } from '../src/features/momentumFeatures.js';
import { reference } from '../src/kernels/reference.js';
import { archConfigFor } from '../src/models/layered.js';
import { archNetwork } from '../src/nn/arch/index.js';
import { lgatrConfigFor } from '../src/models/lgatr.js';
import { LGATrNet } from '../src/nn/lgatr/network.js';
import { runTraining } from '../src/training/run.js';
import { createLogger } from '../src/util/log.js';
import { foreignCpusSince, loadMark } from './machineLoad.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DATA = resolve(REPO, '../shared/data/ggyyg');
const PARTICLES = [
  { name: 'p1', type: 'g' }, { name: 'p2', type: 'g' }, { name: 'p3', type: 'a' }, { name: 'p4', type: 'a' }, { name: 'p5', type: 'g' },
];
const STEPS_PER_EPOCH = 50;
const BATCH = 1024;

/** Each architecture: its keys, and which key is tuned to reach the parameter target. */
const MODELS: Record<string, { keys: Record<string, unknown>; step: number }> = {
  'mlp-relu': { keys: { model_type: 'mlp', activation: 'relu', depth: 3 }, step: 1 },
  'mlp-leaky_relu': { keys: { model_type: 'mlp', activation: 'leaky_relu', activation_param: 0.01, depth: 3 }, step: 1 },
  'mlp-gelu': { keys: { model_type: 'mlp', activation: 'gelu', depth: 3 }, step: 1 },
  'groupkan-1': { keys: { model_type: 'mlp', activation: 'rational', rational_groups: 1, rational_init: 'gelu', depth: 3 }, step: 1 },
  'groupkan-4': { keys: { model_type: 'mlp', activation: 'rational', rational_groups: 4, rational_init: 'gelu', depth: 3 }, step: 4 },
  kan: { keys: { model_type: 'kan', depth: 2, kan_grid: 10 }, step: 1 },
  'mlp-i': { keys: { model_type: 'mlp', activation: 'gelu', depth: 3, features: 'momenta+invariants' }, step: 1 },
  ds: { keys: { model_type: 'ds', activation: 'gelu', depth: 3, ds_latent: 64, ds_embed_depth: 2 }, step: 1 },
  dsi: { keys: { model_type: 'ds', activation: 'gelu', depth: 3, ds_latent: 64, ds_embed_depth: 2, features: 'momenta+invariants' }, step: 1 },
  // width = multivector channels: even (geometric product + join) and a multiple of the 2 heads.
  lgatr: { keys: { model_type: 'lgatr', depth: 2, lgatr_heads: 2, initial_lr: 1e-3 }, step: 2 },
};

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function config(model: string, width: number, budgetS: number, maxRows: number | null, threads: number): RunConfig {
  return validateConfig(
    {
      name: model,
      data: { files: DATA, target: 'msq', momenta: { particles: PARTICLES }, max_rows: maxRows },
      width,
      target_transform: 'log-standardize',
      test_fraction: 0.2,
      validation_fraction: 0.125,
      batch_size: BATCH,
      steps_per_epoch: STEPS_PER_EPOCH,
      epochs: 1000000,
      patience: 1000000,
      lr_schedule: 'cosine',
      initial_lr: 3e-3,
      final_lr: 1e-6,
      lr_clock: 'time',
      decay_epochs: 100,
      time_budget_s: budgetS,
      threads,
      seed: 1,
      ...MODELS[model].keys,
    },
    'bench:arch',
  );
}

/** Parameters of a model at this width (features sized as the run will build them). */
function parameters(c: RunConfig): number {
  const m = c.data.momenta;
  if (m === null) throw new Error('bench:arch needs momenta');
  const d = featureDim({ layout: { particles: m.particles, incoming: m.incoming, tolerance: m.tolerance }, features: c.features ?? 'momenta' });
  if (c.model_type === 'lgatr') return new LGATrNet(lgatrConfigFor(c, d), reference).paramCount;
  return archNetwork(archConfigFor(c, d), reference).paramCount;
}

/** The width (a multiple of the model's step) whose parameter count is closest to the target. */
function widthFor(model: string, target: number, budgetS: number, maxRows: number | null, threads: number): number {
  const step = MODELS[model].step;
  let best = step;
  let bestGap = Infinity;
  for (let w = step; w <= 1024; w += step) {
    const p = parameters(config(model, w, budgetS, maxRows, threads));
    // Counts grow with width: past twice the target nothing closer follows (and an L-GATr of 1024 channels would not fit in memory).
    if (p > 2 * target) break;
    const gap = Math.abs(p - target);
    if (gap < bestGap) {
      best = w;
      bestGap = gap;
    }
  }
  return best;
}

async function main(): Promise<void> {
  const budgetS = Number(option('budget-s', '120'));
  const target = Number(option('params', '20000'));
  const models = option('models', Object.keys(MODELS).join(',')).split(',');
  const maxRowsText = option('max-rows', '');
  const maxRows = maxRowsText === '' ? null : Number(maxRowsText);
  const threads = Number(option('threads', '1'));
  const outRoot = resolve(option('out', join(REPO, 'runs/bench-arch')));
  if (!existsSync(DATA)) throw new Error(`the ggyyg dataset is not at ${DATA}`);
  for (const m of models) if (!(m in MODELS)) throw new Error(`unknown model '${m}' (known: ${Object.keys(MODELS).join(', ')})`);
  const log = createLogger();
  const rows: string[] = [];
  // Samples/s are only comparable on a quiet machine: the last column says how many CPUs other processes kept busy.
  const header = '| model | width | parameters | R_1 % | R_0.1 % | σ_δ % | epochs | training samples/s | other CPUs busy |';
  for (const model of models) {
    const width = widthFor(model, target, budgetS, maxRows, threads);
    const c = config(model, width, budgetS, maxRows, threads);
    log.info(`=== ${model}: width ${width}, ${parameters(c)} parameters, ${budgetS} s on ${threads} thread(s)`);
    const mark = loadMark();
    const r = await runTraining({ config: c, outDir: join(outRoot, model), log, force: true });
    const foreign = foreignCpusSince(mark);
    const m = r.testMetrics;
    const h = r.header.training;
    // Steps of finished epochs only (a budget stop inside an epoch drops < STEPS_PER_EPOCH steps); validation time included.
    const samplesPerS = (h.epochs_run * STEPS_PER_EPOCH * BATCH) / h.seconds;
    rows.push(
      `| ${model} | ${width} | ${r.header.parameter_count} | ${m?.R_pct['1'].toFixed(2)} | ${m?.R_pct['0.1'].toFixed(2)} | ` +
        `${m?.sigma_delta_pct.toPrecision(3)} | ${h.epochs_run} | ${Math.round(samplesPerS)} | ${foreign === null ? '?' : foreign.toFixed(2)} |`,
    );
    process.stdout.write(`${header}\n|---|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`);
  }
  process.stdout.write(`\nggyyg${maxRows === null ? '' : ` (first ${maxRows} rows)`}, ${budgetS} s per model on ${threads} thread(s), target ${target} parameters\n`);
}

await main();
