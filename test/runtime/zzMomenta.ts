// Four-momenta of on-shell u ū → Z Z → e⁻e⁺ μ⁻μ⁺ points for the runtime's
// momentum tests (the zz4l-2d map reads them; the oracle is not needed).

import { join } from 'node:path';
import { mapMomenta } from '../../src/data/momentumMap.js';
import { Rng } from '../../src/util/rng.js';
import { writeDoubles } from '../export/fixtures.js';
import { writeText } from '../helpers.js';

export const MZ = 91.1876;

/** u ū → Z(e⁻e⁺) Z(μ⁻μ⁺) with both Z on shell, each decaying isotropically in its rest frame: 24 doubles. */
export function zzMomenta(rts: number, cosTheta: number, rng: Rng): number[] {
  const e = rts / 2;
  const k = Math.sqrt(e * e - MZ * MZ);
  const sin = Math.sqrt(1 - cosTheta * cosTheta);
  const phi = 2 * Math.PI * rng.uniform();
  const z1 = [k * sin * Math.cos(phi), k * sin * Math.sin(phi), k * cosTheta];
  const decay = (v: number[]): number[] => {
    const c = 2 * rng.uniform() - 1;
    const s = Math.sqrt(1 - c * c);
    const a = 2 * Math.PI * rng.uniform();
    const beta = v.map((q) => q / e);
    const b2 = beta.reduce((t, q) => t + q * q, 0);
    const gamma = e / MZ;
    const boost = (l: number[]): number[] => {
      const bp = beta[0] * l[1] + beta[1] * l[2] + beta[2] * l[3];
      const f = ((gamma - 1) * bp) / b2 + gamma * l[0];
      return [gamma * (l[0] + bp), ...beta.map((q, j) => l[j + 1] + f * q)];
    };
    const h = MZ / 2;
    const n = [s * Math.cos(a), s * Math.sin(a), c];
    return [...boost([h, ...n.map((q) => h * q)]), ...boost([h, ...n.map((q) => -h * q)])];
  };
  return [e, 0, 0, e, e, 0, 0, -e, ...decay(z1), ...decay(z1.map((q) => -q))];
}

/** n random points (√ŝ up to 1000 GeV): their momenta in <name>.bin, and a CSV (x1, x2) of the TypeScript zz4l-2d map of them, for predict. */
export function zzPoints(work: string, name: string, n: number, seed: number): { momenta: string; csv: string } {
  const rng = new Rng(seed);
  const p = new Float64Array(Array.from({ length: n }, () => zzMomenta(2 * MZ + 10 + rng.uniform() * 800, 2 * rng.uniform() - 1, rng)).flat());
  const momenta = join(work, `${name}.bin`);
  writeDoubles(momenta, p);
  const x = mapMomenta('zz4l-2d', p, n);
  const csv = writeText(work, `${name}.csv`, ['x1,x2', ...Array.from({ length: n }, (_, i) => `${x[2 * i]},${x[2 * i + 1]}`)].join('\n') + '\n');
  return { momenta, csv };
}
