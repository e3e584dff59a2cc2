// Shared fixtures for the export tests: synthetic models covering every
// activation and target transform, test points, and the agreement measure.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../src/data/dataset.js';
import type { ExportModel, OutputMap } from '../../src/export/describe.js';
import type { Activation } from '../../src/kernels/types.js';
import { writeSyntheticModel, type SyntheticModel } from '../../src/models/synthetic.js';
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
 * A network that computes act(x) for a scalar x (one 1×1 layer with weight 1
 * and bias 0, then a linear 1×1 identity), followed by `output`: it exposes
 * an activation and an output map to any double, for oracle tests.
 */
export function probeModel(act: Activation, output: OutputMap = { g: 'affine', scale: 1, shift: 0, unit: 1 }): ExportModel {
  const one = new Float64Array([1]);
  const zero = new Float64Array([0]);
  return {
    inputDim: 1,
    body: {
      kind: 'network',
      inputDim: 1,
      layers: [
        { name: 'probe', nIn: 1, nOut: 1, w: one, b: zero, activation: act, input: 0, residual: -1, output: 1 },
        { name: 'output', nIn: 1, nOut: 1, w: one, b: zero, activation: { name: 'linear', param: 0 }, input: 1, residual: -1, output: 2 },
      ],
    },
    output,
    info: {
      ampfitVersion: 'test', model: `probe ${act.name}`, inputs: ['z'], target: 'y', born: null, returns: 'y',
      transform: { kind: 'none', shift: 0, scale: 1 }, parameterCount: 4, created: 'now', seed: 0, testR: null,
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
