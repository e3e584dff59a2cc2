// The last digits (issue 16): at one wall-clock budget per row, on zz2d and
// zz4d, test split (seed 1), one thread per model:
// - adam: the dataset's recommended Adam-only config (examples/<ds>-best.json);
// - adam+lm: a network small enough for Levenberg–Marquardt (LM_ARCH), Adam
//   for (1 − share) of the budget, then the finishing phase (src/nn/finish/);
// - ensemble: K members of the adam config, each trained for budget/K with
//   its own init_seed on the same split, their predictions averaged — the
//   same total time as one adam model;
// - ensemble-parallel: K members trained at the same time for the whole
//   budget, one thread each, in K processes (`ampfit train`) — the same
//   wall clock as one adam model on K threads (--threads K), the comparison
//   that counts on a K-core machine.
// Every row reports R_1, R_0.1, R_0.01 and the |δ| quantiles.
//
//   npm run bench:finishing -- [--budget-min 10] [--datasets zz2d,zz4d] [--methods adam,adam+lm,ensemble,ensemble-parallel]
//                              [--members 3] [--share 0.5] [--threads 1] [--out runs/bench-finishing]

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../src/config/load.js';
import type { RunConfig } from '../src/config/schema.js';
import { takeRows, take, type Dataset } from '../src/data/dataset.js';
import { resolveDataFiles } from '../src/data/files.js';
import { splitRows } from '../src/data/split.js';
import { precisionMetrics, type PrecisionMetrics } from '../src/metrics/precision.js';
import { formatPrecisionTable, type TableRow } from '../src/metrics/table.js';
import { loadModel } from '../src/models/surrogate.js';
import { runTraining, trainingDataset, type TrainRunResult } from '../src/training/run.js';
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

/** Mean of the members' predictions of the target on the rows idx of the data. */
function ensembleMetrics(data: Dataset, idx: Uint32Array, dirs: readonly string[], taus: readonly number[]): PrecisionMetrics {
  const x = takeRows(data.x, data.d, idx);
  const n = idx.length;
  const mean = new Float64Array(n);
  // Surrogate.predict gives the regressed quantity (the Born ratio here), as data.y holds it.
  for (const dir of dirs) {
    const p = loadModel(dir).predict(x, n);
    for (let i = 0; i < n; i++) mean[i] += p[i] / dirs.length;
  }
  return precisionMetrics(mean, take(data.y, idx), taus);
}

/** Trains the members at once, one `ampfit train` process each; resolves when all have written their model. */
async function trainConcurrently(configs: readonly Record<string, unknown>[], dirs: readonly string[]): Promise<void> {
  await Promise.all(configs.map((config, k) => new Promise<void>((done, fail) => {
    mkdirSync(dirs[k], { recursive: true });
    const file = join(dirs[k], '..', `${basename(dirs[k])}.json`);
    writeFileSync(file, JSON.stringify(config));
    const child = spawn(process.execPath, [join(REPO, 'bin/ampfit.js'), 'train', '--config', file, '--out', dirs[k], '--force'], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`member ${k} (${dirs[k]}): ampfit train exited with ${code}`))));
  })));
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
        const { data, split } = results[0];
        rows.push({ label: `${label} validation (${members} × ${(budgetS / members / 60).toFixed(1)} min)`, metrics: ensembleMetrics(data, split.validation, dirs, taus), params: members * results[0].header.parameter_count });
        rows.push({ label: `${label} (${members} × ${(budgetS / members / 60).toFixed(1)} min)`, metrics: ensembleMetrics(data, split.test, dirs, taus), params: members * results[0].header.parameter_count });
      } else if (method === 'ensemble-parallel') {
        const configs = Array.from({ length: members }, (_, k) => ({ ...bestConfig(dataset, budgetS, 1), init_seed: 100 + k }));
        const dirs = configs.map((_, k) => join(outRoot, `${dataset}-parallel-member-${k}`));
        await trainConcurrently(configs, dirs);
        const config = validated(configs[0]);
        const data = await trainingDataset(config, resolveDataFiles(config.data.files), true);
        const split = splitRows(data.n, config.seed, { test: config.test_fraction, validation: config.validation_fraction });
        const params = members * loadModel(dirs[0]).header.parameter_count;
        rows.push({ label: `${label} validation (${members} × 1 thread at once)`, metrics: ensembleMetrics(data, split.validation, dirs, config.taus), params });
        rows.push({ label: `${label} (${members} × 1 thread at once)`, metrics: ensembleMetrics(data, split.test, dirs, config.taus), params });
      } else {
        throw new Error(`unknown method '${method}' (known: adam, adam+lm, ensemble, ensemble-parallel)`);
      }
      process.stdout.write(formatPrecisionTable(rows, { wide: true }) + '\n');
    }
  }
  process.stdout.write(`\nbudget per row: ${budgetS / 60} min, ${threads} thread(s) per model\n${formatPrecisionTable(rows, { wide: true })}\n`);
}

await main();
