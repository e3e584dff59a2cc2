// Load benchmark (issue: 10 million rows × 11 columns must load in under 60 s
// and under 2 GB). Generates 10 CSV.gz chunks of 1M rows in zz8d's layout
// (x1..x8, f00, f01, y; 17 significant digits) once into a cache folder, then
// loads them in a fresh process the way `ampfit train` does (inputs x1..x8,
// target f01 / born f00) and reports wall time, rows/s and peak RSS. It also
// times csv-parse on one chunk, the package the hand-written reader replaces.
//
//   npm run bench:load [-- --rows 10000000 --files 10]

import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { loadDataset } from '../src/data/dataset.js';
import { resolveDataFiles } from '../src/data/files.js';
import { Rng } from '../src/util/rng.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function generate(dir: string, rows: number, files: number): void {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(2024);
  const per = Math.ceil(rows / files);
  for (let f = 0; f < files; f++) {
    const path = join(dir, `gen_${String(f).padStart(2, '0')}.csv.gz`);
    if (existsSync(path)) continue;
    const lines: string[] = ['x1,x2,x3,x4,x5,x6,x7,x8,f00,f01,y'];
    const n = Math.min(per, rows - f * per);
    for (let i = 0; i < n; i++) {
      const cells: string[] = [];
      for (let j = 0; j < 8; j++) cells.push(rng.uniform().toPrecision(17));
      const f00 = Math.exp(-30 + 20 * rng.uniform());
      const y = 0.07 + 0.1 * rng.uniform();
      cells.push(f00.toPrecision(17), (f00 * y).toPrecision(17), y.toPrecision(17));
      lines.push(cells.join(','));
    }
    writeFileSync(path, gzipSync(lines.join('\n') + '\n', { level: 1 }));
    process.stderr.write(`generated ${path}\n`);
  }
}

async function loadChild(dir: string): Promise<void> {
  const t0 = performance.now();
  const ds = await loadDataset({
    files: resolveDataFiles(dir),
    inputs: null,
    target: 'f01',
    born: 'f00',
    requirePositiveTarget: true,
    skipBadRows: false,
  });
  const seconds = (performance.now() - t0) / 1000;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ rows: ds.n, d: ds.d, seconds, maxRssMB }) + '\n');
}

async function csvParseChild(file: string): Promise<void> {
  const t0 = performance.now();
  let rows = 0;
  let sum = 0;
  const parser = createReadStream(file).pipe(createGunzip()).pipe(parse({ from_line: 2, cast: true }));
  for await (const rec of parser as AsyncIterable<number[]>) {
    rows++;
    sum += rec[0];
  }
  process.stdout.write(JSON.stringify({ rows, seconds: (performance.now() - t0) / 1000, check: sum > 0 }) + '\n');
}

function runChild(mode: string, target: string): Record<string, number> {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, mode, target], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${mode} failed with status ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === '--child-load') return loadChild(process.argv[3]);
  if (mode === '--child-csv-parse') return csvParseChild(process.argv[3]);
  const rows = arg('rows', 10_000_000);
  const files = arg('files', 10);
  const dir = process.env.AMPFIT_BENCH_DIR ?? join(tmpdir(), `ampfit-bench-load-${rows}-${files}`);
  generate(dir, rows, files);
  const ours = runChild('--child-load', dir);
  console.log(
    `ampfit loader: ${ours.rows} rows × 11 columns (${files} gz chunks) in ${ours.seconds.toFixed(1)} s ` +
      `= ${(ours.rows / ours.seconds / 1e6).toFixed(2)} M rows/s, peak RSS ${ours.maxRssMB.toFixed(0)} MB`,
  );
  const first = resolveDataFiles(dir)[0];
  const oursOne = runChild('--child-load', first);
  const theirs = runChild('--child-csv-parse', first);
  console.log(
    `one chunk (${oursOne.rows} rows): ampfit ${oursOne.seconds.toFixed(2)} s, csv-parse (cast: true) ${theirs.seconds.toFixed(2)} s ` +
      `-> ampfit is ${(theirs.seconds / oursOne.seconds).toFixed(1)}x faster`,
  );
  console.log(`load_seconds=${ours.seconds.toFixed(1)} peak_rss_mb=${ours.maxRssMB.toFixed(0)} goal_met=${ours.seconds < 60 && ours.maxRssMB < 2048}`);
}

await main();
