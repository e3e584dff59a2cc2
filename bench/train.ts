// Training-speed benchmark (issue: ampfit ≥ 1.5× PyTorch float64 on every one
// of paper 1's six architectures). For each architecture it times ampfit's
// real Trainer (native kernels, 1 and 2 kernel threads) and then PyTorch
// (Debian's python3-torch via /usr/bin/python3, bench/peers/torch_train.py,
// 1 and 2 threads) in the same run, interleaved per architecture so a drift
// in machine load hits both peers alike, and prints samples/s and the ratio
// best ampfit / best PyTorch. The last line is `ratio_min=<x.xx>`.
//
//   npm run bench:train [-- --seconds 2 --only skdnn-4d,dnn-8d --rounds 1 --retries 2 --quiet-wait 30 --python /usr/bin/python3]
//
// Same protocol on both sides: float64, batch 512, MSE, Adam(lr 1e-3,
// β 0.9/0.999, eps 1e-7), uniform inputs in [0,1)^D with a smooth target on
// 100k training rows, batches drawn from a reshuffled permutation; 20 untimed
// warm-up steps, then whole steps until ≥ --seconds of wall time;
// samples/s = rows stepped / wall time. --rounds R repeats the whole
// interleaved pass R times and keeps each figure's best (this VM's speed
// wanders by ±20 % between identical runs even when nothing else runs).
//
// ampfit is measured through Trainer.run() (steps_per_epoch = 20, a 256-row
// validation set, constant learning rate), i.e. including the batch gather,
// loss, per-epoch validation and event-loop yields users get; the trainer's
// own samplesPerS (stepping time only) is shown in the progress log.
//
// PyTorch threads: Debian's torch does its matrix products through OpenBLAS,
// whose pool is sized from OPENBLAS_NUM_THREADS/OMP_NUM_THREADS at load and
// ignores torch.set_num_threads, so each measurement is its own python process
// with OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = n plus
// torch.set_num_threads(n). For n = 2 it is run four ways — as is, with
// OMP_WAIT_POLICY=ACTIVE (this VM's second core is slow to wake), with
// OMP_WAIT_POLICY=PASSIVE, and with OpenBLAS on 2 threads but torch's own
// kernels on 1 — and the best counts ("torch 2t via" names it): the two
// thread pools fight over the 2 cores and which way wins depends on the shape.
// --torch-configs default,ACTIVE restricts PyTorch to the first two.
//
// This VM has 2 cores and is shared: each measurement also records how many
// CPUs other processes kept busy meanwhile (/proc/stat minus its own CPU time).
// A measurement that saw more than 0.15 of a CPU of foreign work is repeated
// (--retries, default 2) after waiting up to --quiet-wait seconds (default 30)
// for the machine to go quiet and, if still disturbed, marked '*' in the table.
// The run itself also starts by waiting for quiet.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { getKernels, nativeInfo } from '../src/kernels/index.js';
import type { Kernels } from '../src/kernels/types.js';
import { countParameters, glorotUniform, makeNetworkConfig, Network, Trainer, type NetworkType } from '../src/nn/index.js';
import { Rng } from '../src/util/rng.js';
import { FOREIGN_LIMIT, foreignCpusSince, loadMark, waitForQuiet, type LoadMark } from './machineLoad.js';

interface Arch {
  readonly name: string;
  readonly label: string;
  readonly type: NetworkType;
  readonly inputDim: number;
  readonly depth: number;
  readonly width: number;
  /** Paper 1's parameter count, biases included. */
  readonly params: number;
}

const ARCHS: readonly Arch[] = [
  { name: 'dnn-2d', label: 'DNN 2D 8-56', type: 'dnn', inputDim: 2, depth: 8, width: 56, params: 22_569 },
  { name: 'dnn-4d', label: 'DNN 4D 8-72', type: 'dnn', inputDim: 4, depth: 8, width: 72, params: 37_225 },
  { name: 'dnn-8d', label: 'DNN 8D 8-100', type: 'dnn', inputDim: 8, depth: 8, width: 100, params: 71_701 },
  { name: 'skdnn-2d', label: 'sk-DNN 2D 9-28', type: 'skdnn', inputDim: 2, depth: 9, width: 28, params: 21_281 },
  { name: 'skdnn-4d', label: 'sk-DNN 4D 9-36', type: 'skdnn', inputDim: 4, depth: 9, width: 36, params: 34_993 },
  { name: 'skdnn-8d', label: 'sk-DNN 8D 9-50', type: 'skdnn', inputDim: 8, depth: 9, width: 50, params: 67_201 },
];

const BATCH = 512;
const WARMUP_STEPS = 20;
const TRAIN_ROWS = 100_000;
const VAL_ROWS = 256;
const LR = 1e-3;

const TORCH_CONFIGS = ['default', 'ACTIVE', 'PASSIVE', 'blas-only'] as const;

interface Options {
  seconds: number;
  only: Set<string> | null;
  python: string;
  threads: number[];
  /** Reruns of a measurement disturbed by another process. */
  retries: number;
  /** Seconds to wait for the machine to be quiet before the run and before each rerun. */
  quietWait: number;
  /** Passes over all architectures; each figure is its best over the passes. */
  rounds: number;
  /** Which PyTorch configurations to try at 2 threads (labels of torchVariants). */
  torchConfigs: Set<string>;
}

function fail(message: string): never {
  process.stderr.write(`bench:train: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { seconds: 2, only: null, python: process.env.AMPFIT_BENCH_PYTHON ?? '/usr/bin/python3', threads: [1, 2], retries: 2, quietWait: 30, rounds: 1, torchConfigs: new Set(TORCH_CONFIGS) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--seconds': {
        const s = Number(value());
        if (!(Number.isFinite(s) && s > 0)) fail(`--seconds: expected a positive number`);
        o.seconds = s;
        break;
      }
      case '--only': {
        const names = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
        for (const n of names) {
          if (!ARCHS.some((x) => x.name === n)) fail(`--only: unknown architecture '${n}' (one of ${ARCHS.map((x) => x.name).join(', ')})`);
        }
        o.only = new Set(names);
        break;
      }
      case '--retries': {
        const r = Number(value());
        if (!(Number.isInteger(r) && r >= 0)) fail(`--retries: expected an integer ≥ 0`);
        o.retries = r;
        break;
      }
      case '--quiet-wait': {
        const q = Number(value());
        if (!(Number.isFinite(q) && q >= 0)) fail(`--quiet-wait: expected a number of seconds ≥ 0`);
        o.quietWait = q;
        break;
      }
      case '--rounds': {
        const r = Number(value());
        if (!(Number.isInteger(r) && r >= 1)) fail(`--rounds: expected an integer ≥ 1`);
        o.rounds = r;
        break;
      }
      case '--torch-configs': {
        const names = value().split(',').map((x) => x.trim()).filter((x) => x !== '');
        for (const n of names) {
          if (!(TORCH_CONFIGS as readonly string[]).includes(n)) fail(`--torch-configs: unknown '${n}' (any of ${TORCH_CONFIGS.join(', ')})`);
        }
        if (names.length === 0) fail('--torch-configs: name at least one');
        o.torchConfigs = new Set(names);
        break;
      }
      case '--python':
        o.python = value();
        break;
      case '-h':
      case '--help':
        process.stdout.write(
          'usage: node dist/bench/train.js [--seconds S] [--only ARCH[,ARCH...]] [--rounds R] [--retries N] [--quiet-wait S]\n' +
            `       [--torch-configs ${TORCH_CONFIGS.join(',')}] [--python PATH]\n` +
            `architectures: ${ARCHS.map((x) => x.name).join(', ')}\n`,
        );
        process.exit(0);
        break;
      default:
        fail(`unknown option '${a}' (try --help)`);
    }
  }
  return o;
}

/** The same smooth target as bench/peers/torch_train.py. */
function target(x: Float64Array, row: number, d: number): number {
  let lin = 0;
  let sq = 0;
  for (let j = 0; j < d; j++) {
    const v = x[row * d + j];
    lin += v * (j + 1);
    sq += (v - 0.5) * (v - 0.5);
  }
  return 1 + 0.5 * Math.sin((Math.PI * lin) / d) + 0.25 * Math.exp(-sq);
}

function makeData(d: number, n: number, rng: Rng): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = target(x, i, d);
  return { x, y };
}

interface AmpfitResult {
  /** Rows stepped / wall time of the timed epochs (validation and yields included). */
  readonly samplesPerS: number;
  /** The trainer's own figure: rows / stepping time only. */
  readonly trainerSamplesPerS: number;
  readonly steps: number;
  readonly seconds: number;
  readonly finalLoss: number;
  /** CPUs other processes kept busy on average during the timed epochs (null: unknown). */
  readonly foreignCpus: number | null;
}

async function measureAmpfit(arch: Arch, kernels: Kernels, threads: number, seconds: number): Promise<AmpfitResult> {
  kernels.setThreads(threads);
  if (kernels.threads() !== threads) throw new Error(`kernels.setThreads(${threads}) left ${kernels.threads()} threads`);
  const config = makeNetworkConfig({ type: arch.type, inputDim: arch.inputDim, depth: arch.depth, width: arch.width });
  const net = new Network(config, kernels);
  if (net.paramCount !== arch.params || countParameters(config) !== arch.params) {
    throw new Error(`${arch.name}: ampfit builds ${net.paramCount} parameters, paper 1 has ${arch.params}`);
  }
  const rng = new Rng(1);
  glorotUniform(net.plan, net.params, rng.fork('init'));
  const train = makeData(arch.inputDim, TRAIN_ROWS, rng.fork('train'));
  const val = makeData(arch.inputDim, VAL_ROWS, rng.fork('val'));

  const abort = new AbortController();
  const spe = WARMUP_STEPS; // epoch 1 is the warm-up; every later epoch is timed
  let tStart = 0;
  let timedSteps = 0;
  let wall = 0;
  let stepRows = 0;
  let stepSeconds = 0;
  let lastLoss = NaN;
  let mark: LoadMark | null = null;
  let foreignCpus: number | null = null;
  const trainer = new Trainer(
    net,
    { xTrain: train.x, yTrain: train.y, xVal: val.x, yVal: val.y },
    {
      batchSize: BATCH,
      stepsPerEpoch: spe,
      maxEpochs: 1_000_000_000,
      patience: null,
      schedule: { kind: 'constant', lr: LR },
      adam: { beta1: 0.9, beta2: 0.999, eps: 1e-7 },
      rng: rng.fork('batches'),
      signal: abort.signal,
      onEpoch: (stats) => {
        const t = performance.now();
        lastLoss = stats.trainMSE;
        if (stats.epoch === 1) {
          mark = loadMark();
          tStart = mark.t;
          return;
        }
        timedSteps += spe;
        stepRows += spe * BATCH;
        stepSeconds += (spe * BATCH) / stats.samplesPerS;
        wall = (t - tStart) / 1000;
        if (wall >= seconds) {
          if (mark !== null) foreignCpus = foreignCpusSince(mark);
          abort.abort();
        }
      },
    },
  );
  const result = await trainer.run();
  if (result.stopReason !== 'aborted') throw new Error(`${arch.name}: ampfit training stopped early (${result.stopReason})`);
  if (!Number.isFinite(lastLoss)) throw new Error(`${arch.name}: ampfit loss is ${lastLoss}`);
  return {
    samplesPerS: (timedSteps * BATCH) / wall,
    trainerSamplesPerS: stepRows / stepSeconds,
    steps: timedSteps,
    seconds: wall,
    finalLoss: lastLoss,
    foreignCpus,
  };
}

interface TorchResult {
  readonly samples_per_s: number;
  readonly steps: number;
  readonly seconds: number;
  readonly final_loss: number;
  readonly torch: string;
  readonly blas: string | null;
  readonly torch_threads: number;
  readonly foreign_cpus: number | null;
}

const PEER_SCRIPT = (() => {
  // dist/bench/train.js → ../../bench/peers; bench/train.ts (run from source) → ./peers
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const p of [path.resolve(here, '../../bench/peers/torch_train.py'), path.resolve(here, 'peers/torch_train.py')]) {
    if (existsSync(p)) return p;
  }
  return path.resolve(here, '../../bench/peers/torch_train.py');
})();

function checkTorch(python: string): string {
  if (!existsSync(PEER_SCRIPT)) fail(`peer script ${PEER_SCRIPT} not found`);
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error !== undefined ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    fail(
      `the PyTorch peer is missing: '${python} -c "import torch"' failed (${why}).\n` +
        `  Install Debian's PyTorch (sudo apt-get install python3-torch) or point --python / AMPFIT_BENCH_PYTHON ` +
        `at a python with torch. This benchmark does not run without its peer.`,
    );
  }
  return r.stdout.trim();
}

/** One way of running PyTorch on n threads. */
interface TorchVariant {
  readonly label: string;
  /** torch.set_num_threads = OMP_NUM_THREADS (torch's element-wise and reduction kernels). */
  readonly ompThreads: number;
  /** OPENBLAS_NUM_THREADS = MKL_NUM_THREADS (the matrix products). */
  readonly blasThreads: number;
  readonly waitPolicy: string | null;
}

/**
 * PyTorch's configurations per thread count; its figure is the best of them.
 * With 2 threads, OpenBLAS's pthread pool and libgomp's pool both want both
 * cores, and how their workers wait decides a lot: the default (spin a while,
 * then sleep), ACTIVE (spin), PASSIVE (sleep at once), and OpenBLAS alone on
 * 2 threads with torch's own kernels on 1.
 */
function torchVariants(n: number, configs: ReadonlySet<string>): TorchVariant[] {
  if (n === 1) return [{ label: 'default', ompThreads: 1, blasThreads: 1, waitPolicy: null }];
  const all: TorchVariant[] = [
    { label: 'default', ompThreads: n, blasThreads: n, waitPolicy: null },
    { label: 'ACTIVE', ompThreads: n, blasThreads: n, waitPolicy: 'ACTIVE' },
    { label: 'PASSIVE', ompThreads: n, blasThreads: n, waitPolicy: 'PASSIVE' },
    { label: 'blas-only', ompThreads: 1, blasThreads: n, waitPolicy: null },
  ];
  return all.filter((v) => configs.has(v.label));
}

function describeVariant(v: TorchVariant): string {
  const pol = v.waitPolicy === null ? '' : ` OMP_WAIT_POLICY=${v.waitPolicy}`;
  return `OMP_NUM_THREADS=${v.ompThreads} OPENBLAS_NUM_THREADS=${v.blasThreads}${pol}`;
}

function runTorch(o: Options, arch: Arch, v: TorchVariant): TorchResult {
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.OMP_NUM_THREADS = String(v.ompThreads);
  env.OPENBLAS_NUM_THREADS = String(v.blasThreads);
  env.MKL_NUM_THREADS = String(v.blasThreads);
  delete env.OMP_WAIT_POLICY;
  delete env.GOMP_SPINCOUNT;
  if (v.waitPolicy !== null) env.OMP_WAIT_POLICY = v.waitPolicy;
  const args = [
    PEER_SCRIPT, '--arch', arch.name, '--threads', String(v.ompThreads), '--blas-threads', String(v.blasThreads),
    '--seconds', String(o.seconds), '--warmup', String(WARMUP_STEPS), '--batch', String(BATCH), '--rows', String(TRAIN_ROWS),
  ];
  const r = spawnSync(o.python, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error !== undefined || r.status !== 0) {
    process.stderr.write(r.stderr ?? '');
    fail(`PyTorch peer failed for ${arch.name} (${describeVariant(v)}): ${r.error?.message ?? `exit ${r.status}`}`);
  }
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as TorchResult;
  } catch {
    fail(`PyTorch peer printed no JSON for ${arch.name}: ${last}`);
  }
}

function k(v: number): string {
  return `${(v / 1000).toFixed(1)}k`;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

function loadText(): string {
  return os.loadavg().map((v) => v.toFixed(2)).join(' ');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const torchVersion = checkTorch(o.python);
  let kernels: Kernels;
  try {
    kernels = getKernels('native');
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const archs = ARCHS.filter((a) => o.only === null || o.only.has(a.name));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stderr.write(
    `bench:train — ${cpu}, ${os.cpus().length} CPUs, node ${process.version}, ampfit native (${nativeInfo() ?? '?'}), ` +
      `torch ${torchVersion} via ${o.python}; ${o.seconds} s per measurement; load average ${loadText()}\n`,
  );

  interface Cell {
    value: number;
    disturbed: boolean;
    via?: string;
  }
  interface Row {
    arch: Arch;
    a: Map<number, Cell>;
    t: Map<number, Cell>;
    ratio: number;
  }
  const disturbed = (f: number | null): boolean => f !== null && f > FOREIGN_LIMIT;
  const foreignText = (f: number | null): string => (f === null ? '' : `; other processes ${f.toFixed(2)} CPUs${disturbed(f) ? ' — DISTURBED' : ''}`);
  /**
   * Runs a measurement, again (up to o.retries times) while another job
   * disturbs it; keeps the fastest (a disturbance only ever slows a run down).
   */
  async function measure(run: () => Promise<{ value: number; foreign: number | null }>): Promise<Cell> {
    let best: Cell | null = null;
    for (let attempt = 0; attempt <= o.retries; attempt++) {
      if (attempt > 0) await waitForQuiet(o.quietWait);
      const r = await run();
      const cell = { value: r.value, disturbed: disturbed(r.foreign) };
      if (best === null || cell.value > best.value) best = cell;
      if (!cell.disturbed) break;
    }
    return best as Cell;
  }

  const startForeign = await waitForQuiet(o.quietWait);
  if (startForeign !== null && disturbed(startForeign)) {
    process.stderr.write(`  machine not quiet after ${o.quietWait} s (other processes ${startForeign.toFixed(2)} CPUs); measuring anyway\n`);
  }
  const rows: Row[] = [];
  let blas: string | null = null;
  let maxForeign = 0;
  const better = (x: Cell | undefined, y: Cell): Cell => (x === undefined || y.value > x.value ? y : x);

  /** One interleaved pass over an architecture: ampfit then PyTorch, per thread count. */
  async function measureArch(arch: Arch, a: Map<number, Cell>, t: Map<number, Cell>): Promise<void> {
    for (const n of o.threads) {
      const ampfitCell = await measure(async () => {
        const ra = await measureAmpfit(arch, kernels, n, o.seconds);
        maxForeign = Math.max(maxForeign, ra.foreignCpus ?? 0);
        process.stderr.write(
          `  ${arch.name.padEnd(9)} ampfit ${n}t: ${k(ra.samplesPerS)} samples/s (${ra.steps} steps in ${ra.seconds.toFixed(2)} s; ` +
            `trainer's step-time figure ${k(ra.trainerSamplesPerS)}; loss ${ra.finalLoss.toExponential(2)}${foreignText(ra.foreignCpus)})\n`,
        );
        return { value: ra.samplesPerS, foreign: ra.foreignCpus };
      });
      a.set(n, better(a.get(n), ampfitCell));
      for (const v of torchVariants(n, o.torchConfigs)) {
        const cell = await measure(async () => {
          const rt = runTorch(o, arch, v);
          blas ??= rt.blas;
          maxForeign = Math.max(maxForeign, rt.foreign_cpus ?? 0);
          process.stderr.write(
            `  ${arch.name.padEnd(9)} torch  ${n}t ${v.label} (${describeVariant(v)}): ${k(rt.samples_per_s)} samples/s ` +
              `(${rt.steps} steps in ${rt.seconds.toFixed(2)} s; loss ${rt.final_loss.toExponential(2)}${foreignText(rt.foreign_cpus)})\n`,
          );
          return { value: rt.samples_per_s, foreign: rt.foreign_cpus };
        });
        cell.via = v.label;
        t.set(n, better(t.get(n), cell));
      }
    }
  }

  const results = archs.map((arch) => ({ arch, a: new Map<number, Cell>(), t: new Map<number, Cell>() }));
  for (let round = 1; round <= o.rounds; round++) {
    if (o.rounds > 1) process.stderr.write(`  round ${round} of ${o.rounds}\n`);
    for (const r of results) await measureArch(r.arch, r.a, r.t);
  }
  const top = (m: Map<number, Cell>): number => Math.max(...[...m.values()].map((c) => c.value));
  for (const { arch, a, t } of results) rows.push({ arch, a, t, ratio: top(a) / top(t) });

  const cellText = (c: Cell): string => `${k(c.value)}${c.disturbed ? '*' : ''}`;
  const multi = o.threads.filter((n) => n > 1);
  const header = [
    'architecture', 'params', ...o.threads.map((n) => `ampfit ${n}t`), ...o.threads.map((n) => `torch ${n}t`),
    ...multi.map((n) => `torch ${n}t via`), 'ratio',
  ];
  const table = rows.map((r) => [
    r.arch.label,
    String(r.arch.params),
    ...o.threads.map((n) => cellText(r.a.get(n) as Cell)),
    ...o.threads.map((n) => cellText(r.t.get(n) as Cell)),
    ...multi.map((n) => (r.t.get(n) as Cell).via ?? ''),
    `${r.ratio.toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const out: string[] = [];
  out.push(`Training throughput, samples/s (float64, batch 512, Adam; torch ${torchVersion}${blas === null ? '' : `, ${blas}`})`);
  out.push(pad(header, widths));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) out.push(pad(row, widths));
  out.push(`ratio = best ampfit / best PyTorch configuration (2-thread configurations tried: ${[...o.torchConfigs].join(', ')}). Load average at the end ${loadText()}; other processes ` +
    `kept up to ${maxForeign.toFixed(2)} CPUs busy during a measurement (reruns included)`);
  if (table.some((row) => row.some((c) => c.endsWith('*')))) {
    out.push(`* = still disturbed by other processes (> ${FOREIGN_LIMIT} CPUs) after ${o.retries} reruns, may read low: rerun on a quiet machine`);
  }
  const ratioMin = Math.min(...rows.map((r) => r.ratio));
  out.push(`ratio_min=${ratioMin.toFixed(2)}`);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:train: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
