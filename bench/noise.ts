// Paper 2's noise test (its Fig. 5 and 6) on a shipped dataset: the target is
// replaced by A·(1 + ε), ε ~ N(0, r²), for each relative noise level r, and
// each uncertainty method is trained on it. A calibrated method learns a
// median relative σ_syst ≈ r (in quadrature with the noise-free floor: what
// the network cannot fit even without noise) and its systematic pull
// (f − A)/σ_syst on the equally noisy test split has mean 0 and width 1.
// Issue 8 expects, for r ≥ 1 %, the median σ_syst within 20 % of r and pull
// widths 1 ± 0.2 after calibration.
//
// The noisy copies are written once per r into --out/data (the noise on f01
// is relative, so the Born ratio f01/f00 gets the same relative noise), from
// a fixed seed, so every method sees the same noisy targets.
//
//   npm run bench:noise -- [--data data/sample/zz2d_sample.csv.gz] [--noise 0,0.25,0.5,1,2,5]
//                          [--methods heteroscedastic,bnn,ensemble] [--budget-s 120]
//                          [--threads N] [--out runs/bench-noise]

import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { validateConfig } from '../src/config/load.js';
import { loadDataset } from '../src/data/dataset.js';
import { resolveDataFiles } from '../src/data/files.js';
import { runTraining } from '../src/training/run.js';
import type { UncertaintyMetrics } from '../src/uncertainty/calibration.js';
import { createLogger } from '../src/util/log.js';
import { Rng } from '../src/util/rng.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Writes the rows' inputs, f00 and f01·(1 + r·ε) as a gzipped CSV; returns its path. */
async function writeNoisy(source: string, outDir: string, rPct: number): Promise<string> {
  const data = await loadDataset({ files: resolveDataFiles(source), inputs: null, target: 'f01', born: 'f00', requirePositiveTarget: true, skipBadRows: false });
  const born = data.born as Float64Array;
  const path = join(outDir, `noise_${rPct}pct.csv.gz`);
  const gz = createGzip();
  const file = createWriteStream(path);
  gz.pipe(file);
  const rng = new Rng(`noise-${rPct}`);
  const r = rPct / 100;
  gz.write(`${[...data.inputNames, 'f00', 'f01'].join(',')}\n`);
  for (let i = 0; i < data.n; i++) {
    const x = Array.from(data.x.subarray(i * data.d, (i + 1) * data.d));
    const f01 = data.y[i] * born[i] * (1 + r * rng.normal());
    if (!gz.write(`${x.join(',')},${born[i]},${f01}\n`)) await once(gz, 'drain');
  }
  gz.end();
  await once(file, 'finish');
  return path;
}

interface Row {
  readonly rPct: number;
  readonly method: string;
  readonly u: UncertaintyMetrics;
  readonly r1: number;
}

function formatRows(rows: readonly Row[]): string {
  const head = 'r (%)   method            median σ_syst (%)  median σ_stat (%)  σ_syst/r  syst pull mean  width  σ scale  R_1 (%)';
  const lines = rows.map((row) => {
    const u = row.u;
    const ratio = row.rPct > 0 ? (u.median_rel_sigma_syst_pct / row.rPct).toFixed(3) : '—';
    return [
      String(row.rPct).padEnd(7), row.method.padEnd(17), u.median_rel_sigma_syst_pct.toPrecision(3).padStart(17),
      (u.median_rel_sigma_stat_pct?.toPrecision(3) ?? '—').padStart(18), ratio.padStart(9),
      u.pull_syst.mean.toFixed(3).padStart(15), u.pull_syst.width.toFixed(3).padStart(6), u.sigma_scale.toPrecision(4).padStart(8),
      row.r1.toFixed(2).padStart(8),
    ].join(' ');
  });
  return [head, ...lines].join('\n');
}

async function main(): Promise<void> {
  const source = resolve(option('data', join(REPO, 'data/sample/zz2d_sample.csv.gz')));
  const noise = option('noise', '0,0.25,0.5,1,2,5').split(',').map(Number);
  const methods = option('methods', 'heteroscedastic,bnn,ensemble').split(',');
  const budgetS = Number(option('budget-s', '120'));
  const threadsText = option('threads', '');
  const outRoot = resolve(option('out', join(REPO, 'runs/bench-noise')));
  const log = createLogger();
  mkdirSync(join(outRoot, 'data'), { recursive: true });
  const rows: Row[] = [];
  for (const rPct of noise) {
    const file = await writeNoisy(source, join(outRoot, 'data'), rPct);
    for (const method of methods) {
      log.info(`=== r = ${rPct} %, ${method}: ${budgetS} s budget`);
      const config = validateConfig(
        {
          name: `noise ${rPct}% ${method}`,
          data: { files: file, target: 'f01', born: 'f00' },
          // The ampfit recipe (bench/precision.ts) on a small sk-DNN, compressed into the budget.
          model_type: 'skdnn', depth: 3, width: 32, activation: 'silu', target_transform: 'log-standardize',
          lr_schedule: 'exponential', initial_lr: 3e-3, final_lr: 1e-6, lr_clock: 'time', decay_epochs: 100,
          steps_per_epoch: 200, epochs: 100000, patience: 200, time_budget_s: budgetS, seed: 1,
          threads: threadsText === '' ? null : Number(threadsText),
          uncertainty: method,
          // Paper 2: a Bayesian last layer is the stable choice beyond three hidden layers (this sk-DNN 3-32 has nine dense layers).
          bnn_last_layer_only: true,
          ensemble_members: 4,
        },
        'bench:noise',
      );
      const result = await runTraining({ config, outDir: join(outRoot, `r${rPct}-${method}`), log, force: true });
      const u = result.header.metrics.uncertainty?.test;
      if (u === undefined || u === null) throw new Error(`${method}: no test-split uncertainty metrics`);
      rows.push({ rPct, method, u, r1: result.testMetrics?.R_pct['1'] ?? NaN });
      process.stdout.write(formatRows(rows) + '\n');
    }
  }
  process.stdout.write(`\n${source}, ${budgetS} s per run\n${formatRows(rows)}\n`);
}

await main();
