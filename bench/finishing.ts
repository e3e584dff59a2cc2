// The last digits (issue 16): at one wall-clock budget per row, on zz2d and
// zz4d, test split (seed 1), one thread per model:
// - adam: the dataset's recommended Adam-only config (examples/<ds>-best.json);
// - adam+lm: a network small enough for Levenberg–Marquardt (LM_ARCH), Adam
//   for (1 − share) of the budget, then the finishing phase (src/nn/finish/);
// - ensemble: K members of the adam config, each trained for budget/K with
//   its own init_seed on the same split, their predictions averaged — the
//   same total time as one adam model.
// Every row reports R_1, R_0.1, R_0.01 and the |δ| quantiles.
//
//   npm run bench:finishing -- [--budget-min 10] [--datasets zz2d,zz4d] [--methods adam,adam+lm,ensemble]
//                              [--members 3] [--share 0.5] [--threads 1] [--out runs/bench-finishing]

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../src/config/load.js';
import type { RunConfig } from '../src/config/schema.js';
import { takeRows, take } from '../src/data/dataset.js';
import { precisionMetrics, type PrecisionMetrics } from '../src/metrics/precision.js';
import { formatPrecisionTable, type TableRow } from '../src/metrics/table.js';
import { loadModel } from '../src/models/surrogate.js';
import { runTraining, type TrainRunResult } from '../src/training/run.js';
import { createLogger } from '../src/util/log.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DATA = resolve(REPO, '../shared/data');

/**
 * Networks for the finishing phase, ≤ 12 000 parameters (two P×P matrices)
 * and few enough that an iteration (rows·P²/2 multiply-adds) takes seconds:
 * DNN 4-32 has 3 297 parameters (2D), 4-40 5 081 (4D).
 */
const LM_ARCH: Record<string, { depth: number; width: number; rows: number }> = {
  zz2d: { depth: 4, width: 32, rows: 20_000 },
  zz4d: { depth: 4, width: 40, rows: 20_000 },
};

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function bestConfig(dataset: string, budgetS: number, threads: number): Record<string, unknown> {
  const raw = JSON.parse(readFileSync(join(REPO, 'examples', `${dataset}-best.json`), 'utf8')) as Record<string, unknown>;
  const data = { ...(raw.data as Record<string, unknown>), files: join(DATA, dataset) };
  return { ...raw, data, time_budget_s: budgetS, threads };
}

function validated(raw: Record<string, unknown>): RunConfig {
  return validateConfig(raw, 'bench');
}

async function train(config: RunConfig, outDir: string): Promise<TrainRunResult> {
  return runTraining({ config, outDir, log: createLogger(), force: true });
}

/** Mean of the members' predictions of the target on the split's test rows. */
function ensembleMetrics(results: readonly TrainRunResult[], dirs: readonly string[], taus: readonly number[]): PrecisionMetrics {
  const { data, split } = results[0];
  const x = takeRows(data.x, data.d, split.test);
  const n = split.test.length;
  const mean = new Float64Array(n);
  // Surrogate.predict gives the regressed quantity (the Born ratio here), as data.y holds it.
  for (const dir of dirs) {
    const p = loadModel(dir).predict(x, n);
    for (let i = 0; i < n; i++) mean[i] += p[i] / dirs.length;
  }
  return precisionMetrics(mean, take(data.y, split.test), taus);
}

async function main(): Promise<void> {
  const budgetS = Number(option('budget-min', '10')) * 60;
  const datasets = option('datasets', 'zz2d,zz4d').split(',');
  const methods = option('methods', 'adam,adam+lm,ensemble').split(',');
  const members = Number(option('members', '3'));
  const share = Number(option('share', '0.5'));
  const threads = Number(option('threads', '1'));
  const outRoot = resolve(option('out', join(REPO, 'runs/bench-finishing')));
  const rows: TableRow[] = [];
  for (const dataset of datasets) {
    for (const method of methods) {
      const label = `${dataset} ${method} ${budgetS / 60} min`;
      if (method === 'adam') {
        const r = await train(validated(bestConfig(dataset, budgetS, threads)), join(outRoot, `${dataset}-adam`));
        if (r.testMetrics !== null) rows.push({ label: `${label} (${dataset}-best.json)`, metrics: r.testMetrics, params: r.header.parameter_count });
      } else if (method === 'adam+lm') {
        const arch = LM_ARCH[dataset];
        const config = validated({
          ...bestConfig(dataset, budgetS, threads), depth: arch.depth, width: arch.width,
          finish: { method: 'levenberg-marquardt', share, rows: arch.rows },
        });
        const r = await train(config, join(outRoot, `${dataset}-adam-lm`));
        if (r.testMetrics !== null) rows.push({ label: `${label} (DNN ${arch.depth}-${arch.width}, LM ${share})`, metrics: r.testMetrics, params: r.header.parameter_count });
      } else if (method === 'ensemble') {
        const results: TrainRunResult[] = [];
        const dirs: string[] = [];
        for (let k = 0; k < members; k++) {
          const dir = join(outRoot, `${dataset}-member-${k}`);
          results.push(await train(validated({ ...bestConfig(dataset, budgetS / members, threads), init_seed: 100 + k }), dir));
          dirs.push(dir);
        }
        const taus = validated(bestConfig(dataset, budgetS, threads)).taus;
        rows.push({ label: `${label} (${members} × ${(budgetS / members / 60).toFixed(1)} min)`, metrics: ensembleMetrics(results, dirs, taus), params: members * results[0].header.parameter_count });
      } else {
        throw new Error(`unknown method '${method}' (known: adam, adam+lm, ensemble)`);
      }
      process.stdout.write(formatPrecisionTable(rows, { wide: true }) + '\n');
    }
  }
  process.stdout.write(`\nbudget per row: ${budgetS / 60} min, ${threads} thread(s) per model\n${formatPrecisionTable(rows, { wide: true })}\n`);
}

await main();
