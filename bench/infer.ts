// Inference throughput (issue 5): ampfit's native predict, the exported C
// code and onnxruntime-node on the exported ONNX, side by side in one run,
// for the three sk-DNNs of paper 1 (9-28 on 2 inputs, 9-36 on 4, 9-50 on 8;
// Glorot-random weights built by the training code, log-standardize target,
// Born ratio — throughput does not depend on the weights' values).
//
//   npm run bench:infer [-- --seconds 0.6 --quick]
//
// Points per second at batch 1, 1024 and 65536 on 1 and 2 threads:
// - ampfit: loadModel(...).predict(x, n), i.e. Surrogate.predict with the
//   native kernels (threads via the kernels' setThreads; the batch is split
//   across threads inside every layer);
// - C: the `ampfit export --format c` source compiled with
//   gcc -O3 -march=native -std=c99 into bench/infer-driver.c, which times
//   itself; 2 threads = two POSIX threads in one process splitting each batch
//   (at batch 1: two threads each evaluating their own points);
// - ORT: onnxruntime-node's CPU provider on the `--format onnx` graph,
//   intraOpNumThreads 1 or 2, one session.run per batch.
// Each figure is the best of three timed runs of --seconds/3 (default 0.6 s
// in all), after a calibration run; the machine is shared, so figures wander.
//
// The last line is
//   ort_ratio=<ampfit / ORT points/s at batch 65536, 2 threads, sk-DNN 9-36> c_us=<C µs per point at batch 1, 1 thread, sk-DNN 9-36>
// Goals: ort_ratio ≥ 1, c_us ≤ 5.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { describeSurrogate, exportC, exportOnnx } from '../src/export/index.js';
import { getKernels, nativeInfo } from '../src/kernels/index.js';
import type { Kernels } from '../src/kernels/types.js';
import { writeSyntheticModel } from '../src/models/synthetic.js';
import { loadModel, type Surrogate } from '../src/models/surrogate.js';
import { MODEL_FILE } from '../src/io/modelStore.js';
import { Rng } from '../src/util/rng.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DRIVER = join(REPO, 'bench/infer-driver.c');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const quick = process.argv.includes('--quick');
const SECONDS = flag('seconds', quick ? 0.15 : 0.6);

interface Arch {
  readonly label: string;
  readonly inputDim: number;
  readonly width: number;
}
const ARCHS: readonly Arch[] = [
  { label: 'sk-DNN 9-28 (2D)', inputDim: 2, width: 28 },
  { label: 'sk-DNN 9-36 (4D)', inputDim: 4, width: 36 },
  { label: 'sk-DNN 9-50 (8D)', inputDim: 8, width: 50 },
];
const BATCHES = [1, 1024, 65536] as const;
const THREADS = [1, 2] as const;
const POOL = 65536;

type Rates = Map<string, number>; // `${batch}:${threads}` → points/s
const key = (batch: number, threads: number): string => `${batch}:${threads}`;

/** Best points/s of three timed runs of SECONDS/3, after calibrating the repetition count. */
async function rate(points: number, call: (rep: number) => unknown): Promise<number> {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) await call(r);
    const el = (performance.now() - t0) / 1000;
    if (el > SECONDS / 10 || reps > 1e7) {
      reps = Math.max(1, Math.ceil((reps * SECONDS) / 3 / el));
      break;
    }
    reps *= 2;
  }
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) await call(r);
    best = Math.max(best, (reps * points) / ((performance.now() - t0) / 1000));
  }
  return best;
}

async function ampfitRates(model: Surrogate, kernels: Kernels, x: Float64Array): Promise<Rates> {
  const d = model.d;
  const out: Rates = new Map();
  for (const t of THREADS) {
    kernels.setThreads(t);
    for (const b of BATCHES) {
      // Batch 1 walks through the pool, like the C driver.
      const call = b === 1 ? (r: number) => model.predict(x.subarray((r % POOL) * d, (r % POOL) * d + d), 1) : () => model.predict(x.subarray(0, b * d), b);
      out.set(key(b, t), await rate(b, call));
    }
  }
  return out;
}

async function ortRates(onnxBytes: Uint8Array, d: number, x: Float64Array): Promise<Rates> {
  const out: Rates = new Map();
  for (const t of THREADS) {
    const session = await ort.InferenceSession.create(onnxBytes, {
      intraOpNumThreads: t, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    for (const b of BATCHES) {
      const call = (r: number) => {
        const o = b === 1 ? (r % POOL) * d : 0;
        return session.run({ x: new ort.Tensor('float64', x.subarray(o, o + b * d), [b, d]) });
      };
      out.set(key(b, t), await rate(b, call));
    }
    await session.release();
  }
  return out;
}

function cRates(dir: string): Rates {
  const exe = join(dir, 'driver');
  const cc = spawnSync('gcc', ['-O3', '-march=native', '-std=c99', '-pthread', '-I', dir, '-o', exe, DRIVER, join(dir, 'bench_model.c'), '-lm'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr}`);
  const pairs = BATCHES.flatMap((b) => THREADS.map((t) => key(b, t)));
  const r = spawnSync(exe, [String(SECONDS), ...pairs], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`C driver failed (${r.status}): ${r.stderr}`);
  const out: Rates = new Map();
  for (const line of r.stdout.trim().split('\n')) {
    const [b, t, pps] = line.split(' ');
    out.set(key(Number(b), Number(t)), Number(pps));
  }
  return out;
}

function fmtRate(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a'.padStart(9);
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`.padStart(9);
  return `${(v / 1e3).toFixed(1)}k`.padStart(9);
}

async function main(): Promise<void> {
  const kernels = getKernels('native');
  const work = mkdtempSync(join(tmpdir(), 'ampfit-bench-infer-'));
  console.log(`native: ${nativeInfo() ?? 'n/a'}; onnxruntime-node ${ort.env.versions.node}; ${SECONDS} s per figure (best of 3)`);
  console.log('points/s; C = exported C (gcc -O3 -march=native, pthreads); ORT = onnxruntime-node CPU on the exported ONNX\n');
  console.log('model              batch  thr    ampfit         C       ORT  ampfit/ORT  C µs/pt');
  const sizes: string[] = [];
  let ortRatio = NaN;
  let cUs = NaN;
  try {
    for (const [i, arch] of ARCHS.entries()) {
      const dir = join(work, `m${i}`);
      writeSyntheticModel(dir, {
        regressor: { type: 'skdnn', network: { inputDim: arch.inputDim, depth: 9, width: arch.width } },
        transform: { kind: 'log-standardize', shift: 0.1, scale: 0.5 },
        born: 'f00',
        seed: 1 + i,
      });
      const model = loadModel(dir);
      const desc = describeSurrogate(model);
      const onnxBytes = exportOnnx(desc, 'bench_model');
      const c = exportC(desc, 'bench_model');
      writeFileSync(join(dir, 'bench_model.c'), c.source);
      writeFileSync(join(dir, 'bench_model.h'), c.header);
      sizes.push(
        `${arch.label.padEnd(17)} ${String(model.header.parameter_count).padStart(7)}  ${String(statSync(join(dir, MODEL_FILE)).size).padStart(12)}` +
          `  ${String(onnxBytes.length).padStart(10)}  ${String(Buffer.byteLength(c.source)).padStart(10)}`,
      );
      const rng = new Rng(100 + i);
      const x = new Float64Array(POOL * arch.inputDim);
      for (let j = 0; j < x.length; j++) x[j] = rng.uniform();

      const cr = cRates(dir);
      const ar = await ampfitRates(model, kernels, x);
      const or = await ortRates(onnxBytes, arch.inputDim, x);
      for (const b of BATCHES) {
        for (const t of THREADS) {
          const k = key(b, t);
          const a = ar.get(k) as number;
          const o = or.get(k) as number;
          const cv = cr.get(k);
          console.log(
            `${arch.label.padEnd(17)} ${String(b).padStart(6)}  ${t}  ${fmtRate(a)} ${fmtRate(cv)} ${fmtRate(o)}  ${(a / o).toFixed(2).padStart(10)}` +
              `  ${cv === undefined ? 'n/a' : (1e6 / cv).toFixed(2).padStart(7)}`,
          );
          if (arch.width === 36 && b === 65536 && t === 2) ortRatio = a / o;
          if (arch.width === 36 && b === 1 && t === 1 && cv !== undefined) cUs = 1e6 / cv;
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log('\nmodel sizes in bytes');
  console.log('model              params  model.ampfit       .onnx          .c');
  for (const s of sizes) console.log(s);
  console.log(`\nort_ratio=${ortRatio.toFixed(2)} c_us=${cUs.toFixed(2)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
