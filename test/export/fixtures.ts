// Shared fixtures for the export tests: synthetic models covering every
// activation and target transform, test points, and the agreement measure.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../src/data/dataset.js';
import type { CExport } from '../../src/export/c/index.js';
import type { ExportModel } from '../../src/export/describe.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { saveModelDir } from '../../src/io/modelStore.js';
import { getKernels } from '../../src/kernels/index.js';
import type { Activation } from '../../src/kernels/types.js';
import { ForestBuilder, nNodes, nTrees, type Forest } from '../../src/models/gbdt/forest.js';
import { GbdtRegressor } from '../../src/models/gbdt/index.js';
import type { GbdtParams } from '../../src/models/gbdt/params.js';
import { writeSyntheticModel, type SyntheticModel } from '../support/syntheticModel.js';
import type { TargetTransformJSON } from '../../src/transforms/target.js';
import { Rng } from '../../src/util/rng.js';
import { SAMPLE_2D, SAMPLE_4D, tempDir } from '../helpers.js';

/** What "agrees with ampfit" means for every export (relative). */
export const AGREEMENT = 1e-12;

export interface Case {
  readonly label: string;
  readonly model: SyntheticModel;
}

const std = (shift: number, scale: number) => ({ kind: 'standardize' as const, shift, scale });

/** Every activation, both network families, every target transform, and the polynomial. */
export const CASES: readonly Case[] = [
  {
    label: 'sk-DNN 9-36 4D leaky_relu, log-standardize, Born ratio',
    model: { regressor: { type: 'skdnn', network: { inputDim: 4, depth: 9, width: 36 } }, transform: { kind: 'log-standardize', shift: 0.4, scale: 0.9 }, born: 'f00', seed: 1 },
  },
  { label: 'DNN 3-16 2D relu, standardize', model: { regressor: { type: 'dnn', network: { inputDim: 2, depth: 3, width: 16, activation: 'relu' } }, transform: std(1.5, 0.3), born: null, seed: 2 } },
  {
    label: 'DNN 2-10 2D leaky_relu slope 1.5, none',
    model: { regressor: { type: 'dnn', network: { inputDim: 2, depth: 2, width: 10, activation: { name: 'leaky_relu', param: 1.5 } } }, transform: { kind: 'none', shift: 0, scale: 1 }, born: null, seed: 3 },
  },
  {
    label: 'sk-DNN 2-12 4D elu alpha 1.3, log',
    model: { regressor: { type: 'skdnn', network: { inputDim: 4, depth: 2, width: 12, activation: { name: 'elu', param: 1.3 } } }, transform: { kind: 'log', shift: 0, scale: 1 }, born: null, seed: 4 },
  },
  { label: 'DNN 3-12 8D softplus, standardize', model: { regressor: { type: 'dnn', network: { inputDim: 8, depth: 3, width: 12, activation: 'softplus' } }, transform: std(2, 0.5), born: 'f00', seed: 5, spread: 2 } },
  {
    label: 'sk-DNN 2-12 2D gelu, asinh-standardize',
    model: { regressor: { type: 'skdnn', network: { inputDim: 2, depth: 2, width: 12, activation: 'gelu' } }, transform: { kind: 'asinh-standardize', shift: 2.5, scale: 0.7, unit: 0.05 }, born: null, seed: 6, spread: 2 },
  },
  { label: 'DNN 3-12 4D silu, standardize', model: { regressor: { type: 'dnn', network: { inputDim: 4, depth: 3, width: 12, activation: 'silu' } }, transform: std(-3, 0.2), born: null, seed: 7, spread: 3 } },
  {
    label: 'sk-DNN 3-12 2D tanh, log-standardize',
    model: { regressor: { type: 'skdnn', network: { inputDim: 2, depth: 3, width: 12, activation: 'tanh' } }, transform: { kind: 'log-standardize', shift: -1, scale: 0.5 }, born: 'f00', seed: 8 },
  },
  { label: 'poly degree 8 2D, standardize', model: { regressor: { type: 'poly', d: 2, degree: 8 }, transform: std(10, 0.5), born: 'f00', seed: 9 } },
  { label: 'poly degree 4 4D, log', model: { regressor: { type: 'poly', d: 4, degree: 4 }, transform: { kind: 'log', shift: 0, scale: 1 }, born: null, seed: 10, spread: 0.2 } },
];

/** Writes the case's model directory into a fresh temporary directory. */
export function writeCase(c: Case): string {
  const dir = join(tempDir('ampfit-export-'), 'model');
  writeSyntheticModel(dir, c.model);
  return dir;
}

/**
 * Test points for d inputs: rows of the shipped zz2d/zz4d samples (real
 * phase-space points) where they exist, uniform points otherwise, plus the
 * hypercube's corners, where activations and Legendre terms are extreme.
 */
export async function testPoints(d: number, n = 3000): Promise<{ x: Float64Array; n: number }> {
  let body: Float64Array;
  if (d === 2 || d === 4) {
    const data = await loadDataset({
      files: [d === 2 ? SAMPLE_2D : SAMPLE_4D], inputs: null, target: 'f01', born: null,
      requirePositiveTarget: false, skipBadRows: false, maxRows: n,
    });
    body = data.x;
  } else {
    const rng = new Rng(d);
    body = new Float64Array(n * d);
    for (let i = 0; i < body.length; i++) body[i] = rng.uniform();
  }
  const corners = Math.min(1 << d, 256);
  const x = new Float64Array(body.length + corners * d);
  x.set(body);
  for (let c = 0; c < corners; c++) for (let j = 0; j < d; j++) x[body.length + c * d + j] = (c >> j) & 1;
  return { x, n: x.length / d };
}

/** Largest |a − b| / |b| over the arrays, and where. */
export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; at: number } {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const r = a[i] === b[i] ? 0 : Math.abs(a[i] - b[i]) / Math.abs(b[i]);
    if (!(r <= max)) {
      max = r;
      at = i;
    }
  }
  return { max, at };
}

export function haveGcc(): boolean {
  return spawnSync('gcc', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** Float64 values as the raw bytes the C test drivers read. */
export function writeDoubles(path: string, values: Float64Array): void {
  writeFileSync(path, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
}

/**
 * A graph that computes output(act(z)) for a scalar z (a 1×1 dense op with
 * weight 1 and bias 0, the activation, then the inverse target transform):
 * it exposes an activation and an output map to any double, for oracle tests.
 */
export function probeModel(act: Activation, transform: TargetTransformJSON = { kind: 'none', shift: 0, scale: 1 }): ExportModel {
  const g = new GraphBuilder(['z']);
  const z = g.activation(g.dense('probe', 0, new Float64Array([1]), new Float64Array([0]), 1), act);
  return {
    inputDim: 1,
    graph: g.finish(g.inverseTransform(g.dense('output', z, new Float64Array([1]), new Float64Array([0]), 1), transform), null),
    info: {
      ampfitVersion: 'test', model: `probe ${act.name}`, inputs: ['z'], inputKind: 'coordinates', target: 'y', born: null, returns: 'y',
      transform, parameterCount: 4, created: 'now', seed: 0, testR: null,
    },
  };
}

/** z values covering every case split of the activations and of Cody's erfc, tiny and huge ones included. */
export function probeGrid(): Float64Array {
  const v: number[] = [0, -0, 1e-300, -1e-300, 1e-20, -1e-20, 1e-8, -1e-8, 1e-3, -1e-3];
  for (const b of [0.46875, 4, 30]) for (const s of [1, -1]) for (const e of [0, 1e-12, -1e-12]) v.push(s * (b + e) * Math.SQRT2);
  for (let i = 0; i <= 4000; i++) v.push(-60 + (120 * i) / 4000);
  return Float64Array.from(v);
}

// ---------------------------------------------------------------------------
// Forests: synthetic ones with chosen thresholds, points on and around every
// threshold, and a C driver shared by the forest tests.

/** Float32 neighbours of a float32 value (±Infinity stay put). */
export function nextFloat32(v: number, dir: 1 | -1): number {
  if (!Number.isFinite(v)) return v;
  if (v === 0) return dir * 2 ** -149;
  const bits = new Uint32Array(new Float32Array([v]).buffer);
  bits[0] += (v > 0) === (dir > 0) ? 1 : -1;
  return new Float32Array(bits.buffer)[0];
}

/** Float64 neighbours of a double. */
export function nextFloat64(v: number, dir: 1 | -1): number {
  if (!Number.isFinite(v)) return v;
  if (v === 0) return dir * Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  view.setBigUint64(0, view.getBigUint64(0) + ((v > 0) === (dir > 0) ? 1n : -1n));
  return view.getFloat64(0);
}

/**
 * Values of x around a float32 threshold t where float32(x) < t may flip:
 * t itself, its float32 neighbours, the doubles just beside t, the midpoints
 * to the float32 neighbours (where float32 rounding ties) and the doubles
 * just beside those midpoints.
 */
export function aroundThreshold(t: number): number[] {
  if (!Number.isFinite(t)) return [t];
  const out = [t, nextFloat64(t, -1), nextFloat64(t, 1)];
  for (const dir of [-1, 1] as const) {
    const n = nextFloat32(t, dir);
    if (!Number.isFinite(n)) continue;
    const mid = (t + n) / 2;
    out.push(n, mid, nextFloat64(mid, -1), nextFloat64(mid, 1));
  }
  return out;
}

/**
 * Points probing every split of a forest: for each (feature, threshold) of
 * an internal node, `base` rows (cycled) with that feature set to each
 * value of aroundThreshold. Appended to `base` itself.
 */
export function thresholdPoints(f: { feature: Uint16Array; threshold: Float32Array; left: Int32Array }, d: number, base: Float64Array): { x: Float64Array; n: number } {
  const seen = new Set<string>();
  const rows: number[] = Array.from(base);
  const nBase = base.length / d;
  let r = 0;
  for (let k = 0; k < f.left.length; k++) {
    if (f.left[k] < 0) continue;
    const key = `${f.feature[k]}:${f.threshold[k]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const v of aroundThreshold(f.threshold[k])) {
      const row = Array.from(base.subarray((r % nBase) * d, (r % nBase) * d + d));
      r++;
      row[f.feature[k]] = v;
      rows.push(...row);
    }
  }
  return { x: Float64Array.from(rows), n: rows.length / d };
}

export interface SyntheticForestSpec {
  readonly d: number;
  readonly trees: number;
  readonly maxDepth: number;
  readonly seed: number;
  readonly baseScore: number;
  /** Probability that a node above maxDepth splits. */
  readonly splitProbability: number;
  /** Thresholds drawn from this list when given (else inside the node's box, as a trained tree's). */
  readonly thresholds?: readonly number[];
  /** Leaf values are ±scale·10^(±spread·u): mixed signs and magnitudes. */
  readonly valueScale: number;
  readonly valueSpread: number;
  /** Every k-th tree is a single leaf. */
  readonly singleLeafEvery?: number;
}

/** A forest in ampfit's layout, numbered as the booster numbers its trees (level order, right = left + 1). */
export function syntheticForest(s: SyntheticForestSpec): Forest {
  const rng = new Rng(s.seed);
  const b = new ForestBuilder(s.d, s.baseScore);
  for (let t = 0; t < s.trees; t++) {
    const tree = { feature: [] as number[], threshold: [] as number[], left: [] as number[], value: [] as number[], cover: [] as number[], gain: [] as number[] };
    const box: { depth: number; lo: number[]; hi: number[] }[] = [{ depth: 0, lo: new Array(s.d).fill(0), hi: new Array(s.d).fill(1) }];
    const single = s.singleLeafEvery !== undefined && t % s.singleLeafEvery === 0;
    for (let i = 0; i < box.length; i++) {
      const node = box[i];
      const value = s.valueScale * (rng.uniform() < 0.5 ? -1 : 1) * 10 ** (s.valueSpread * (2 * rng.uniform() - 1));
      tree.value.push(value);
      tree.cover.push(1);
      if (single || node.depth >= s.maxDepth || (i > 0 && rng.uniform() >= s.splitProbability)) {
        tree.feature.push(0);
        tree.threshold.push(0);
        tree.left.push(-1);
        tree.gain.push(0);
        continue;
      }
      const f = Math.floor(rng.uniform() * s.d);
      const thr = s.thresholds !== undefined
        ? s.thresholds[Math.floor(rng.uniform() * s.thresholds.length)]
        : Math.fround(node.lo[f] + (node.hi[f] - node.lo[f]) * (0.05 + 0.9 * rng.uniform()));
      tree.feature.push(f);
      tree.threshold.push(thr);
      tree.left.push(box.length);
      tree.gain.push(1);
      const lo = { depth: node.depth + 1, lo: [...node.lo], hi: [...node.hi] };
      const hi = { depth: node.depth + 1, lo: [...node.lo], hi: [...node.hi] };
      lo.hi[f] = thr;
      hi.lo[f] = thr;
      box.push(lo, hi);
    }
    b.append(tree);
  }
  return b.build();
}

/**
 * A model directory holding `forest` as a bdt model (the real file format),
 * with the given target transform: loadModel(dir).predict is ampfit's answer.
 */
export function writeForestModel(forest: Forest, transform: TargetTransformJSON, born: string | null): string {
  const dir = join(tempDir('ampfit-forest-'), 'model');
  const header = writeSyntheticModel(dir, { regressor: { type: 'poly', d: forest.nFeatures, degree: 1 }, transform, born, seed: 1 });
  const params: GbdtParams = {
    maxBin: 256, maxDepth: 10, learningRate: 0.1, minChildWeight: 1, lambda: 1, gamma: 0,
    subsample: 1, colsampleBytree: 1, nEstimators: nTrees(forest), earlyStoppingRounds: 25,
  };
  const serialized = new GbdtRegressor(forest, params, getKernels('auto')).serialize();
  saveModelDir(dir, { ...header, regressor: serialized.spec, parameter_count: nNodes(forest) }, serialized, []);
  return dir;
}

/** Exported C models compiled with one driver (gcc -O2 -std=c99, warnings as errors); run(k, x) gives model k's eval_batch and eval results. */
export function compileC(exports: readonly CExport[], dir: string, extraFlags: readonly string[] = []): { run: (k: number, x: Float64Array) => { batch: Float64Array; single: Float64Array } } {
  for (const c of exports) {
    writeFileSync(join(dir, `${c.name}.c`), c.source);
    writeFileSync(join(dir, `${c.name}.h`), c.header);
  }
  const names = exports.map((c) => c.name);
  const driver = `#include <stdio.h>
#include <stdlib.h>
${names.map((n) => `#include "${n}.h"`).join('\n')}
typedef struct { size_t d; double (*one)(const double *); void (*batch)(const double *, size_t, double *); } entry;
static const entry models[] = {
${names.map((n) => `  {${n.toUpperCase()}_N_INPUTS, ${n}_eval, ${n}_eval_batch},`).join('\n')}
};
int main(int argc, char **argv) {
  const entry *m;
  FILE *f;
  long bytes;
  size_t n, i;
  double *x, *out;
  if (argc != 4) return 2;
  m = &models[atoi(argv[1])];
  f = fopen(argv[2], "rb");
  if (!f || fseek(f, 0, SEEK_END) != 0) return 3;
  bytes = ftell(f);
  rewind(f);
  n = (size_t)bytes / sizeof(double) / m->d;
  x = malloc((size_t)bytes + 1);
  out = malloc(2 * n * sizeof(double) + 1);
  if (!x || !out || fread(x, 1, (size_t)bytes, f) != (size_t)bytes) return 4;
  fclose(f);
  m->batch(x, n, out);
  for (i = 0; i < n; i++) out[n + i] = m->one(x + i * m->d);
  f = fopen(argv[3], "wb");
  if (!f || fwrite(out, sizeof(double), 2 * n, f) != 2 * n) return 5;
  fclose(f);
  return 0;
}
`;
  writeFileSync(join(dir, 'driver.c'), driver);
  const exe = join(dir, 'driver');
  const r = spawnSync('gcc', ['-O2', '-std=c99', '-Wall', '-Wextra', '-pedantic', '-Werror', ...extraFlags, '-o', exe, join(dir, 'driver.c'), ...names.map((n) => join(dir, `${n}.c`)), '-lm'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed:\n${r.stderr}`);
  let calls = 0;
  return {
    run(k: number, x: Float64Array) {
      const input = join(dir, `x${calls}.bin`);
      const output = join(dir, `y${calls++}.bin`);
      writeDoubles(input, x);
      const p = spawnSync(exe, [String(k), input, output], { encoding: 'utf8' });
      if (p.status !== 0) throw new Error(`driver exited with ${p.status}: ${p.stderr}`);
      const bytes = readFileSync(output);
      const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      const n = all.length / 2;
      return { batch: all.subarray(0, n), single: all.subarray(n) };
    },
  };
}

/** Positions where a and b differ in any bit (NaN equals NaN; 0 and −0 count as equal). */
export function bitDifferences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) n++;
  return n;
}

/** Compiles a model's export with a driver (warnings as errors) and runs eval_sigma_batch, eval_sigma and eval on n points of d inputs; checks the Fortran module compiles. */
export function runSigmaC(c: CExport, x: Float64Array, n: number, d: number): { y: Float64Array; sigma: Float64Array; yOne: Float64Array; sigmaOne: Float64Array; yPlain: Float64Array } {
  const dir = tempDir();
  writeFileSync(join(dir, `${c.name}.c`), c.source);
  writeFileSync(join(dir, `${c.name}.h`), c.header);
  writeFileSync(join(dir, 'x.bin'), x);
  writeFileSync(join(dir, 'driver.c'), `#include <stdio.h>
#include "${c.name}.h"
static double x[${x.length}], out[5 * ${n}];
int main(void) {
  size_t i;
  FILE *f = fopen("${join(dir, 'x.bin')}", "rb");
  if (!f || fread(x, sizeof(double), ${x.length}, f) != ${x.length}) return 3;
  fclose(f);
  ${c.name}_eval_sigma_batch(x, ${n}, out, out + ${n});
  for (i = 0; i < ${n}; i++) {
    out[2 * ${n} + i] = ${c.name}_eval_sigma(x + ${d} * i, out + 3 * ${n} + i);
    out[4 * ${n} + i] = ${c.name}_eval(x + ${d} * i);
  }
  f = fopen("${join(dir, 'out.bin')}", "wb");
  if (!f || fwrite(out, sizeof(double), 5 * ${n}, f) != 5 * ${n}) return 5;
  fclose(f);
  return 0;
}
`);
  const exe = join(dir, 'driver');
  const cc = spawnSync('gcc', ['-O2', '-std=c99', '-Wall', '-Wextra', '-pedantic', '-Werror', '-o', exe, join(dir, 'driver.c'), join(dir, `${c.name}.c`), '-lm'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`gcc failed:\n${cc.stderr}`);
  const run = spawnSync(exe, [], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`driver exited with ${run.status}`);
  const all = new Float64Array(new Uint8Array(readFileSync(join(dir, 'out.bin'))).buffer);
  const part = (k: number): Float64Array => all.slice(k * n, (k + 1) * n);
  if (spawnSync('gfortran', ['--version']).status === 0) {
    writeFileSync(join(dir, `${c.name}.f90`), c.fortran);
    const fc = spawnSync('gfortran', ['-c', '-Wall', '-Werror', '-o', join(dir, 'f.o'), join(dir, `${c.name}.f90`)], { encoding: 'utf8', cwd: dir });
    if (fc.status !== 0) throw new Error(`gfortran failed:\n${fc.stderr}`);
  }
  return { y: part(0), sigma: part(1), yOne: part(2), sigmaOne: part(3), yPlain: part(4) };
}
