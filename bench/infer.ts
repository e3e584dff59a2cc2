// Inference throughput (issue 5): ampfit's native predict, the exported C
// code and onnxruntime-node on the exported ONNX, side by side in one run,
// for the three sk-DNNs of paper 1 (9-28 on 2 inputs, 9-36 on 4, 9-50 on 8;
// Glorot-random weights built by the training code, log-standardize target,
// Born ratio — throughput does not depend on the weights' values), and for a
// boosted-tree forest the size of a zz4d bdt run (BDT rows: 500 trees grown
// full to depth 10 on 4 inputs, 1,023,500 nodes, thresholds drawn inside
// each node's box as a trained tree's are, so every path is reachable).
//
//   npm run bench:infer [-- --seconds 0.6 --quick --only dnn|bdt]
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
//   lib_ort_ratio_1thread=<libampfit / ORT at batch 65536, 1 thread> lib_us=<libampfit µs per point at batch 1> lib_load_ms=<its load>
// (the lib figures for sk-DNN 9-36, 34,993 parameters).
// Goals: ort_ratio ≥ 1, c_us ≤ 5; issue 20: lib_ort_ratio_1thread ≥ 1.5, lib_us ≤ 2, lib_load_ms ≤ 1.
// (With --only bdt there is no network, and the figures print as NaN.)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { describeSurrogate, exportC, exportOnnx, modelGraph } from '../src/export/index.js';
import { getKernels, nativeInfo } from '../src/kernels/index.js';
import type { Kernels } from '../src/kernels/types.js';
import { ForestBuilder, nNodes, type Forest } from '../src/models/gbdt/forest.js';
import { GbdtRegressor } from '../src/models/gbdt/index.js';
import { writeSyntheticModel } from '../test/support/syntheticModel.js';
import { loadModel, type Surrogate } from '../src/models/surrogate.js';
import { MODEL_FILE, readModel, saveModelDir, writeModelFileWithGraph } from '../src/io/modelStore.js';
import { serializeGraph } from '../src/graph/serialize.js';
import { Rng } from '../src/util/rng.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DRIVER = join(REPO, 'bench/infer-driver.c');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const quick = process.argv.includes('--quick');
const SECONDS = flag('seconds', quick ? 0.15 : 0.6);
const onlyAt = process.argv.indexOf('--only');
const ONLY = onlyAt >= 0 ? process.argv[onlyAt + 1] : null;
if (ONLY !== null && ONLY !== 'dnn' && ONLY !== 'bdt') throw new Error(`--only takes dnn or bdt, not ${ONLY}`);

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

/** The bench forest: zz4d-sized (see the head comment). */
const FOREST = { label: 'BDT 500×d10 (4D)', inputDim: 4, trees: 500, depth: 10 } as const;

/**
 * Full trees of the given depth, numbered as the booster numbers them (level
 * order, right = left + 1), each split inside its node's box of the unit
 * hypercube, leaves ~ ±0.01 (eta-sized steps).
 */
function benchForest(d: number, trees: number, depth: number, seed: number): Forest {
  const rng = new Rng(seed);
  const b = new ForestBuilder(d, 0.1);
  for (let t = 0; t < trees; t++) {
    const tree = { feature: [] as number[], threshold: [] as number[], left: [] as number[], value: [] as number[], cover: [] as number[], gain: [] as number[] };
    const boxes = [{ depth: 0, lo: new Array<number>(d).fill(0), hi: new Array<number>(d).fill(1) }];
    for (let i = 0; i < boxes.length; i++) {
      const node = boxes[i];
      tree.value.push(0.01 * (2 * rng.uniform() - 1));
      tree.cover.push(1);
      if (node.depth === depth) {
        tree.feature.push(0);
        tree.threshold.push(0);
        tree.left.push(-1);
        tree.gain.push(0);
        continue;
      }
      const f = Math.floor(rng.uniform() * d);
      const thr = Math.fround(node.lo[f] + (node.hi[f] - node.lo[f]) * (0.1 + 0.8 * rng.uniform()));
      tree.feature.push(f);
      tree.threshold.push(thr);
      tree.left.push(boxes.length);
      tree.gain.push(1);
      const l = { depth: node.depth + 1, lo: [...node.lo], hi: [...node.hi] };
      const r = { depth: node.depth + 1, lo: [...node.lo], hi: [...node.hi] };
      l.hi[f] = thr;
      r.lo[f] = thr;
      boxes.push(l, r);
    }
    b.append(tree);
  }
  return b.build();
}

/** A bdt model directory (the real file format) holding the bench forest, log-standardize target, Born ratio. */
function writeForestModel(dir: string): void {
  const forest = benchForest(FOREST.inputDim, FOREST.trees, FOREST.depth, 7);
  const transform = { kind: 'log-standardize' as const, shift: 0.1, scale: 0.5 };
  // A model header from the synthetic-model writer, then the forest in place of its regressor.
  const header = writeSyntheticModel(dir, { regressor: { type: 'poly', d: FOREST.inputDim, degree: 1 }, transform, born: 'f00', seed: 1 });
  const params = {
    maxBin: 256, maxDepth: FOREST.depth, learningRate: 0.1, minChildWeight: 1, lambda: 1, gamma: 0,
    subsample: 1, colsampleBytree: 1, nEstimators: FOREST.trees, earlyStoppingRounds: 25,
  };
  const serialized = new GbdtRegressor(forest, params, getKernels('native')).serialize();
  saveModelDir(dir, { ...header, regressor: serialized.spec, parameter_count: nNodes(forest) }, serialized, []);
}

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

const RUNTIME = join(REPO, 'native/runtime');

/** The same driver on libampfit (-DLIBAMPFIT): the model file loaded at run time; also its load time in ms. */
function libRates(dir: string): { rates: Rates; loadMs: number } {
  const exe = join(dir, 'driver-lib');
  const mk = spawnSync('make', ['-s', '-C', RUNTIME], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`make -C native/runtime failed: ${mk.stderr}`);
  const cc = spawnSync('gcc', ['-O3', '-march=native', '-std=c99', '-pthread', '-DLIBAMPFIT', '-I', join(RUNTIME, 'include'), '-o', exe, DRIVER, join(RUNTIME, 'build/libampfit.a'), '-lm'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr}`);
  const pairs = BATCHES.flatMap((b) => THREADS.map((t) => key(b, t)));
  const r = spawnSync(exe, [String(SECONDS), join(dir, MODEL_FILE), ...pairs], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`libampfit driver failed (${r.status}): ${r.stderr}`);
  const out: Rates = new Map();
  let loadMs = NaN;
  for (const line of r.stdout.trim().split('\n')) {
    const f = line.split(' ');
    if (f[0] === 'load') loadMs = Number(f[1]);
    else out.set(key(Number(f[0]), Number(f[1])), Number(f[2]));
  }
  return { rates: out, loadMs };
}

/** The C driver's rates, and how long gcc took to build it (the model's source dominates). */
function cRates(dir: string): { rates: Rates; compileS: number } {
  const exe = join(dir, 'driver');
  const t0 = performance.now();
  const cc = spawnSync('gcc', ['-O3', '-march=native', '-std=c99', '-pthread', '-I', dir, '-o', exe, DRIVER, join(dir, 'bench_model.c'), '-lm'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr}`);
  const compileS = (performance.now() - t0) / 1000;
  const pairs = BATCHES.flatMap((b) => THREADS.map((t) => key(b, t)));
  const r = spawnSync(exe, [String(SECONDS), ...pairs], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`C driver failed (${r.status}): ${r.stderr}`);
  const out: Rates = new Map();
  for (const line of r.stdout.trim().split('\n')) {
    const [b, t, pps] = line.split(' ');
    out.set(key(Number(b), Number(t)), Number(pps));
  }
  return { rates: out, compileS };
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
  console.log('model              batch  thr    ampfit         C       lib       ORT  ampfit/ORT  lib/ORT  lib µs/pt');
  const sizes: string[] = [];
  let ortRatio = NaN;
  let cUs = NaN;
  let libOrt = NaN;
  let libUs = NaN;
  let libLoad = NaN;
  const loads: string[] = [];
  const models: { label: string; inputDim: number; width: number | null; write: (dir: string) => void }[] = [];
  if (ONLY !== 'bdt') {
    for (const [i, arch] of ARCHS.entries()) {
      models.push({
        label: arch.label,
        inputDim: arch.inputDim,
        width: arch.width,
        write: (dir) =>
          writeSyntheticModel(dir, {
            regressor: { type: 'skdnn', network: { inputDim: arch.inputDim, depth: 9, width: arch.width } },
            transform: { kind: 'log-standardize', shift: 0.1, scale: 0.5 },
            born: 'f00',
            seed: 1 + i,
          }),
      });
    }
  }
  if (ONLY !== 'dnn') models.push({ label: FOREST.label, inputDim: FOREST.inputDim, width: null, write: writeForestModel });
  try {
    for (const [i, m] of models.entries()) {
      const dir = join(work, `m${i}`);
      m.write(dir);
      const model = loadModel(dir);
      // The synthetic models are written without a graph; libampfit needs one (as `ampfit export --format ampfit` adds).
      const stored = readModel(dir);
      writeModelFileWithGraph(join(dir, MODEL_FILE), stored.header, stored.regressor, serializeGraph(modelGraph(model)));
      const desc = describeSurrogate(model);
      const onnxBytes = exportOnnx(desc, 'bench_model');
      const c = exportC(desc, 'bench_model');
      writeFileSync(join(dir, 'bench_model.c'), c.source);
      writeFileSync(join(dir, 'bench_model.h'), c.header);
      const rng = new Rng(100 + i);
      const x = new Float64Array(POOL * m.inputDim);
      for (let j = 0; j < x.length; j++) x[j] = rng.uniform();

      const { rates: cr, compileS } = cRates(dir);
      const { rates: lr, loadMs } = libRates(dir);
      loads.push(`${m.label.padEnd(17)} ${loadMs.toFixed(3).padStart(8)} ms`);
      if (m.width === 36) libLoad = loadMs;
      sizes.push(
        `${m.label.padEnd(17)} ${String(model.header.parameter_count).padStart(7)}  ${String(statSync(join(dir, MODEL_FILE)).size).padStart(12)}` +
          `  ${String(onnxBytes.length).padStart(10)}  ${String(Buffer.byteLength(c.source)).padStart(10)}  ${compileS.toFixed(1).padStart(6)}`,
      );
      const ar = await ampfitRates(model, kernels, x);
      const or = await ortRates(onnxBytes, m.inputDim, x);
      for (const b of BATCHES) {
        for (const t of THREADS) {
          const k = key(b, t);
          const a = ar.get(k) as number;
          const o = or.get(k) as number;
          const cv = cr.get(k);
          const lv = lr.get(k) as number;
          console.log(
            `${m.label.padEnd(17)} ${String(b).padStart(6)}  ${t}  ${fmtRate(a)} ${fmtRate(cv)} ${fmtRate(lv)} ${fmtRate(o)}  ${(a / o).toFixed(2).padStart(10)}` +
              `  ${(lv / o).toFixed(2).padStart(7)}  ${(1e6 / lv).toFixed(2).padStart(9)}`,
          );
          if (m.width === 36 && b === 65536 && t === 2) ortRatio = a / o;
          if (m.width === 36 && b === 1 && t === 1 && cv !== undefined) cUs = 1e6 / cv;
          if (m.width === 36 && b === 65536 && t === 1) libOrt = lv / o;
          if (m.width === 36 && b === 1 && t === 1) libUs = 1e6 / lv;
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log('\nmodel sizes in bytes');
  console.log('model              params  model.ampfit       .onnx          .c   gcc s  (BDT: params = nodes; gcc s = -O3 build of the driver)');
  for (const s of sizes) console.log(s);
  console.log('\nlibampfit load time (ampfit_load of model.ampfit, best of 5)');
  for (const l of loads) console.log(l);
  console.log(`\nort_ratio=${ortRatio.toFixed(2)} c_us=${cUs.toFixed(2)} lib_ort_ratio_1thread=${libOrt.toFixed(2)} lib_us=${libUs.toFixed(2)} lib_load_ms=${libLoad.toFixed(3)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
