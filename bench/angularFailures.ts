// Where a zz8d surrogate fails: fresh points from the exact amplitude
// (bench/zzOracle.ts; not in ../shared/data, so also a held-out check),
// each with its Born's angular shape Q = f00 / ⟨f00⟩ over the decay angles
// (the data card's exact 144-point rule at the same production point). The
// ratio y = f01/f00 is hardest where the Born is small for its decay
// configuration (small Q) and where f01 crosses zero; this prints R_1, R_0.1
// and the median |δ| in bins of Q, |y|, the Z peaks and cos θ*; and which of
// the head's parts (structuredNetwork.ts: ŷ = y0 + dev/Q) carries the error,
// by putting the exact y0 or the exact Q in place of the model's.
//
//   npm run bench:angular-failures -- --model runs/zz8d [--points 2000] [--seed 7]

import { parseArgs } from 'node:util';
import { NeuralRegressor } from '../src/models/neural.js';
import type { Regressor } from '../src/models/regressor.js';
import { loadModel } from '../src/models/surrogate.js';
import { SymmetricRegressor } from '../src/models/symmetric.js';
import { StructuredNetwork } from '../src/nn/structuredNetwork.js';
import { Rng } from '../src/util/rng.js';
import { angularRule, zzEvaluate } from './zzOracle.js';

const M_Z = 91.1876;
const GAMMA_Z = 2.4952;

interface Row {
  readonly delta: number;
  readonly q: number;
  readonly y: number;
  /** The exact ratio of the angular means at the row's production point. */
  readonly y0: number;
  readonly x: readonly number[];
}

function summary(name: string, rows: readonly { readonly delta: number }[]): string {
  if (rows.length === 0) return `| ${name} | 0 | | | |`;
  const d = rows.map((r) => Math.abs(r.delta)).sort((a, b) => a - b);
  const frac = (t: number): string => ((100 * d.filter((v) => v < t).length) / d.length).toFixed(2);
  return `| ${name} | ${rows.length} | ${frac(0.01)} | ${frac(0.001)} | ${(100 * d[d.length >> 1]).toFixed(3)} |`;
}

/**
 * The inner network's head at the points as they are (a symmetric model's
 * prediction also averages the images): its own error, the error of each
 * part, and the error left when the exact y0 or the exact Q replaces the
 * model's — a part whose replacement leaves the error where it was is not
 * what limits the model.
 */
function headParts(regressor: Regressor, x: Float64Array, rows: readonly Row[]): string[] {
  const inner = regressor instanceof SymmetricRegressor ? regressor.inner : regressor;
  if (!(inner instanceof NeuralRegressor && inner.network instanceof StructuredNetwork)) return [];
  const { y0, q, dev } = inner.network.headTerms(x, rows.length);
  const rel = (f: (r: Row, i: number) => number): { delta: number }[] => rows.map((r, i) => ({ delta: f(r, i) }));
  return [
    '',
    '| the head\'s parts (inner network, points as they are) | n | R_1 % | R_0.1 % | median abs δ % |',
    '|---|---|---|---|---|',
    summary('ŷ = y0 + dev/Q', rel((r, i) => (y0[i] + dev[i] / q[i] - r.y) / Math.abs(r.y))),
    summary('y0 against the exact ratio of the angular means', rel((r, i) => (y0[i] - r.y0) / Math.abs(r.y0))),
    summary('Q against the exact f00 / ⟨f00⟩', rel((r, i) => (q[i] - r.q) / r.q)),
    summary('ŷ with the exact y0', rel((r, i) => (r.y0 + dev[i] / q[i] - r.y) / Math.abs(r.y))),
    summary('ŷ with the exact Q', rel((r, i) => (y0[i] + dev[i] / r.q - r.y) / Math.abs(r.y))),
    summary('the exact y0 alone (no angular part)', rel((r) => (r.y0 - r.y) / Math.abs(r.y))),
  ];
}

function main(): void {
  const { values } = parseArgs({ options: { model: { type: 'string' }, points: { type: 'string', default: '2000' }, seed: { type: 'string', default: '7' } } });
  if (values.model === undefined) throw new Error('--model <dir> is required');
  const model = loadModel(values.model);
  const n = Number(values.points);
  const rng = new Rng(Number(values.seed));
  const points = Array.from({ length: n }, () => Array.from({ length: 8 }, () => rng.uniform()));
  const at = zzEvaluate(points);
  const rule = angularRule();
  const grid = points.flatMap((p) => rule.points.map((a) => [...p.slice(0, 4), ...a]));
  const onGrid = zzEvaluate(grid);
  const pred = model.predict(new Float64Array(points.flat()), n);
  const rows: Row[] = points.map((x, i) => {
    let mean = 0;
    let mean01 = 0;
    for (let k = 0; k < rule.weights.length; k++) {
      mean += rule.weights[k] * onGrid.f00[i * rule.weights.length + k];
      mean01 += rule.weights[k] * onGrid.f01[i * rule.weights.length + k];
    }
    const y = at.f01[i] / at.f00[i];
    return { delta: (pred[i] - y) / Math.abs(y), q: at.f00[i] / mean, y, y0: mean01 / mean, x };
  });
  const medianAbsY = rows.map((r) => Math.abs(r.y)).sort((a, b) => a - b)[n >> 1];
  const onPeak = (x: number): boolean => Math.abs(50 + 80 * x - M_Z) < 2 * GAMMA_Z;
  const lines = [
    `${n} fresh points (seed ${values.seed}), model ${values.model}`,
    '',
    '| points | n | R_1 % | R_0.1 % | median abs δ % |',
    '|---|---|---|---|---|',
    summary('all', rows),
    ...[[0, 0.1], [0.1, 0.3], [0.3, 1], [1, 3], [3, Infinity]].map(([lo, hi]) => summary(`Q in [${lo}, ${hi})`, rows.filter((r) => r.q >= lo && r.q < hi))),
    summary('abs y < 0.1 × median (near a zero of f01)', rows.filter((r) => Math.abs(r.y) < 0.1 * medianAbsY)),
    summary('f01 < 0', rows.filter((r) => r.y < 0)),
    summary('both Z on peak (abs(m − m_Z) < 2Γ)', rows.filter((r) => onPeak(r.x[2]) && onPeak(r.x[3]))),
    summary('one Z on peak', rows.filter((r) => onPeak(r.x[2]) !== onPeak(r.x[3]))),
    summary('abs cos θ* > 0.9', rows.filter((r) => Math.abs(2 * r.x[1] - 1) > 0.9)),
    ...headParts(model.regressor, new Float64Array(points.flat()), rows),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main();
