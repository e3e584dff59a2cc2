// Which way of using a symmetry trains the better surrogate? For each dataset
// the same model, seed, split and number of training steps (not wall-clock
// time: a comparison must not depend on the machine's load) are trained three
// times:
//   none    — the symmetry ignored;
//   fold    — inputs folded into a fundamental domain (1/|G| of the volume);
//   average — predictions averaged over the |G| images.
// Printed per run: test R_1, R_0.1, σ_δ, the largest relative change of the
// prediction under any group element on the test points (0 for an exactly
// invariant model), and predict() throughput. The data card's symmetries:
// zz2d x2 → 1 − x2; zz4d that and x3 ↔ x4; zz8d only the boson swap.
//
//   npm run bench:symmetry -- [--datasets zz2d,zz4d,zz8d] [--modes none,fold,average]
//                             [--model skdnn|dnn|bdt] [--epochs 60] [--steps 500] [--threads 1]
//                             [--max-rows 100000] [--seed 1] [--out runs/bench-symmetry]

import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { validateConfig } from '../src/config/load.js';
import type { RunConfig } from '../src/config/schema.js';
import { Surrogate } from '../src/models/surrogate.js';
import { applyMap } from '../src/symmetry/coordinateMap.js';
import { resolveSymmetries } from '../src/symmetry/declared.js';
import { SymmetryGroup } from '../src/symmetry/group.js';
import { runTraining } from '../src/training/run.js';
import { takeRows } from '../src/data/dataset.js';
import { TargetTransform } from '../src/transforms/target.js';
import { createLogger } from '../src/util/log.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DATA = resolve(REPO, '../shared/data');

interface DatasetSetup {
  files: string;
  positive: boolean;
  arch: { depth: number; width: number };
  symmetries: { name: string; map: string }[];
}

const DATASETS: Record<string, DatasetSetup> = {
  // The repo's own sample, so the bench runs on a clone without ../shared.
  zz2d: { files: join(REPO, 'data/sample/zz2d_sample.csv.gz'), positive: true, arch: { depth: 9, width: 28 }, symmetries: [{ name: 'fb', map: '(x1, 1-x2)' }] },
  zz4d: {
    files: join(DATA, 'zz4d'),
    positive: true,
    arch: { depth: 9, width: 36 },
    symmetries: [{ name: 'fb', map: '(x1, 1-x2, x3, x4)' }, { name: 'm34', map: '(x1, x2, x4, x3)' }],
  },
  zz8d: {
    files: join(DATA, 'zz8d'),
    positive: false,
    arch: { depth: 9, width: 50 },
    symmetries: [{ name: 'boson-swap', map: '(x1, 1-x2, x4, x3, x7, x8, x5, x6)' }],
  },
};

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'zz2d,zz4d,zz8d' },
    modes: { type: 'string', default: 'none,fold,average' },
    model: { type: 'string', default: 'skdnn' },
    epochs: { type: 'string', default: '60' },
    steps: { type: 'string', default: '500' },
    threads: { type: 'string', default: '1' },
    'max-rows': { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'runs/bench-symmetry' },
  },
});

function configFor(name: string, mode: string): RunConfig {
  const s = DATASETS[name];
  if (s === undefined) throw new Error(`unknown dataset ${name} (known: ${Object.keys(DATASETS).join(', ')})`);
  const epochs = Number(args.epochs);
  const neural = args.model !== 'bdt';
  return validateConfig(
    {
      name: `${name} ${mode}`,
      data: { files: s.files, target: 'f01', born: 'f00', require_positive_target: s.positive, max_rows: Number(args['max-rows']) },
      seed: Number(args.seed),
      symmetries: s.symmetries,
      symmetry_mode: mode,
      model_type: args.model,
      target_transform: s.positive ? 'log-standardize' : 'asinh-standardize',
      threads: Number(args.threads),
      ...(neural
        ? { ...s.arch, activation: 'silu', initial_lr: 3e-3, final_lr: 1e-6, steps_per_epoch: Number(args.steps), epochs, decay_epochs: epochs, patience: epochs }
        : { max_depth: 12, learning_rate: 0.05, n_estimators: 5000, max_bin: 1024 }),
    },
    `bench:symmetry ${name} ${mode}`,
  );
}

/** Largest |f(g·x) − f(x)| / |f(x)| over the test points and every group element. */
function maxAsymmetry(model: Surrogate, x: Float64Array, n: number, group: SymmetryGroup): number {
  const base = model.predict(x, n);
  let worst = 0;
  for (const g of group.elements.slice(1)) {
    const other = model.predict(applyMap(g, x, n), n);
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(other[i] - base[i]) / Math.abs(base[i]));
  }
  return worst;
}

function throughput(model: Surrogate, x: Float64Array, n: number): number {
  const t0 = performance.now();
  let points = 0;
  while (performance.now() - t0 < 1000) {
    model.predict(x, n);
    points += n;
  }
  return points / ((performance.now() - t0) / 1000);
}

const log = createLogger(process.stderr, true);
const header = `${'dataset'.padEnd(8)} ${'mode'.padEnd(8)} ${'|G|'.padStart(3)} ${'R_1 %'.padStart(7)} ${'R_0.1 %'.padStart(8)} ${'σ_δ %'.padStart(8)} ${'max asym'.padStart(9)} ${'train s'.padStart(7)} ${'pts/s'.padStart(9)}`;
process.stdout.write(
  `bench:symmetry, ${args.model}, ${args.model === 'bdt' ? 'early stopping' : `${args.epochs} epochs × ${args.steps} steps`} per run on ${args.threads} thread(s), at most ${args['max-rows']} rows, seed ${args.seed}\n${header}\n`,
);
for (const name of args.datasets.split(',')) {
  for (const mode of args.modes.split(',')) {
    const config = configFor(name, mode);
    const run = await runTraining({ config, outDir: join(args.out, `${name}-${args.model}-${mode}`), log, force: true });
    const model = new Surrogate(run.header, run.regressor, TargetTransform.fromJSON(run.header.target.transform));
    const group = new SymmetryGroup(run.data.d, resolveSymmetries(config.symmetries, run.data.inputNames).map((m) => m.map));
    const xTest = takeRows(run.data.x, run.data.d, run.split.test);
    const nTest = run.split.test.length;
    const m = run.testMetrics;
    if (m === null) throw new Error('no test split');
    const line =
      `${name.padEnd(8)} ${mode.padEnd(8)} ${String(group.order).padStart(3)} ${m.R_pct['1'].toFixed(2).padStart(7)} ${m.R_pct['0.1'].toFixed(2).padStart(8)} ` +
      `${m.sigma_delta_pct.toFixed(3).padStart(8)} ${maxAsymmetry(model, xTest, nTest, group).toExponential(1).padStart(9)} ` +
      `${run.header.training.seconds.toFixed(0).padStart(7)} ${throughput(model, xTest.subarray(0, Math.min(nTest, 4096) * run.data.d), Math.min(nTest, 4096)).toExponential(2).padStart(9)}`;
    process.stdout.write(line + '\n');
  }
}
