import { AmpfitError } from '../util/errors.js';
import type { GraphBuilder } from '../graph/builder.js';
import type { Buf } from '../graph/ops.js';
import { float64Array, type EmittedOutput, type FitContext, type FitResult, type Regressor, type RegressorType, type SerializedRegressor, type TrainData } from './regressor.js';
import { rSquared } from '../metrics/precision.js';

// A least-squares polynomial: the simplest regressor that is still a real
// baseline for smooth amplitudes in low dimension. Basis: products of Legendre
// polynomials in u = 2x − 1 with total degree ≤ `degree` — nearly orthogonal on
// the uniformly filled unit hypercube, so the normal equations stay well
// conditioned in float64 up to high degree. Solved by Cholesky with a tiny ridge.

/** Exponent tuples of all monomials of total degree ≤ degree in d variables, graded order. */
export function multiIndices(d: number, degree: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const cur = new Uint8Array(d);
  const rec = (i: number, left: number): void => {
    if (i === d) {
      out.push(cur.slice());
      return;
    }
    for (let k = 0; k <= left; k++) {
      cur[i] = k;
      rec(i + 1, left - k);
    }
    cur[i] = 0;
  };
  rec(0, degree);
  return out.sort((a, b) => a.reduce((s, v) => s + v, 0) - b.reduce((s, v) => s + v, 0));
}

/** P_0..P_degree at u, into out[0..degree]. */
function legendre(u: number, degree: number, out: Float64Array, base: number): void {
  out[base] = 1;
  if (degree >= 1) out[base + 1] = u;
  for (let k = 2; k <= degree; k++) out[base + k] = ((2 * k - 1) * u * out[base + k - 1] - (k - 1) * out[base + k - 2]) / k;
}

class Polynomial implements Regressor {
  readonly type = 'poly';
  private readonly terms: Uint8Array[];

  constructor(readonly d: number, readonly degree: number, readonly coef: Float64Array) {
    this.terms = multiIndices(d, degree);
    if (coef.length !== this.terms.length) {
      throw new AmpfitError(`poly: ${coef.length} coefficients for ${this.terms.length} basis terms (d=${d}, degree=${degree})`);
    }
  }

  parameterCount(): number {
    return this.coef.length;
  }

  predict(x: Float64Array, n: number): Float64Array {
    const out = new Float64Array(n);
    const row = new Float64Array(this.terms.length);
    const p = new Float64Array(this.d * (this.degree + 1));
    for (let i = 0; i < n; i++) {
      features(x, i, this.d, this.degree, this.terms, p, row);
      let s = 0;
      for (let j = 0; j < row.length; j++) s += row[j] * this.coef[j];
      out[i] = s;
    }
    return out;
  }

  serialize(): SerializedRegressor {
    return { spec: { type: 'poly', d: this.d, degree: this.degree }, arrays: { coef: this.coef } };
  }

  emit(g: GraphBuilder, x: Buf): EmittedOutput {
    return { value: g.legendre(x, this.degree, this.terms, this.coef), sigma: null };
  }
}

function features(
  x: Float64Array, i: number, d: number, degree: number, terms: Uint8Array[], p: Float64Array, row: Float64Array,
): void {
  for (let j = 0; j < d; j++) legendre(2 * x[i * d + j] - 1, degree, p, j * (degree + 1));
  for (let t = 0; t < terms.length; t++) {
    const e = terms[t];
    let v = 1;
    for (let j = 0; j < d; j++) if (e[j] !== 0) v *= p[j * (degree + 1) + e[j]];
    row[t] = v;
  }
}

/** Solves A c = b for symmetric positive definite A (row-major m×m), in place. */
export function choleskySolve(a: Float64Array, b: Float64Array, m: number): Float64Array {
  for (let j = 0; j < m; j++) {
    let s = a[j * m + j];
    for (let k = 0; k < j; k++) s -= a[j * m + k] * a[j * m + k];
    if (!(s > 0)) throw new AmpfitError(`poly: normal equations are not positive definite at term ${j}; raise "ridge" or lower "degree"`);
    const l = Math.sqrt(s);
    a[j * m + j] = l;
    for (let i = j + 1; i < m; i++) {
      let t = a[i * m + j];
      for (let k = 0; k < j; k++) t -= a[i * m + k] * a[j * m + k];
      a[i * m + j] = t / l;
    }
  }
  const c = b.slice();
  for (let i = 0; i < m; i++) {
    let s = c[i];
    for (let k = 0; k < i; k++) s -= a[i * m + k] * c[k];
    c[i] = s / a[i * m + i];
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = c[i];
    for (let k = i + 1; k < m; k++) s -= a[k * m + i] * c[k];
    c[i] = s / a[i * m + i];
  }
  return c;
}

export const polynomialType: RegressorType = {
  type: 'poly',
  async fit(data: TrainData, ctx: FitContext): Promise<FitResult> {
    const { d } = data;
    const degree = ctx.config.degree;
    const terms = multiIndices(d, degree);
    const m = terms.length;
    const n = data.yTrain.length;
    if (m > n) throw new AmpfitError(`poly: ${m} basis terms but only ${n} training rows; lower "degree"`);
    ctx.log.info(`poly: degree ${degree}, ${m} terms, ${n} training rows`);
    const t0 = performance.now();
    const ata = new Float64Array(m * m);
    const aty = new Float64Array(m);
    const row = new Float64Array(m);
    const p = new Float64Array(d * (degree + 1));
    // Sample weights make it weighted least squares: AᵀWA c = AᵀWy.
    const w = data.wTrain ?? null;
    for (let i = 0; i < n; i++) {
      features(data.xTrain, i, d, degree, terms, p, row);
      const y = data.yTrain[i];
      for (let r = 0; r < m; r++) {
        const v = w === null ? row[r] : w[i] * row[r];
        if (v === 0) continue;
        aty[r] += v * y;
        const base = r * m;
        for (let c = 0; c <= r; c++) ata[base + c] += v * row[c];
      }
    }
    // Ridge scaled by the diagonal, so it means the same at any n.
    for (let r = 0; r < m; r++) ata[r * m + r] *= 1 + ctx.config.ridge;
    const model = new Polynomial(d, degree, choleskySolve(ata, aty, m));
    const mse = (x: Float64Array, y: Float64Array, w: Float64Array | null): number => {
      const pred = model.predict(x, y.length);
      let s = 0;
      let total = 0;
      for (let i = 0; i < y.length; i++) {
        s += (w === null ? 1 : w[i]) * (pred[i] - y[i]) ** 2;
        total += w === null ? 1 : w[i];
      }
      return s / total;
    };
    const valPred = model.predict(data.xVal, data.yVal.length);
    const wVal = data.wVal ?? null;
    const record = {
      epoch: 1,
      trainLoss: mse(data.xTrain, data.yTrain, w),
      valLoss: mse(data.xVal, data.yVal, wVal),
      valR2: rSquared(valPred, data.yVal, wVal),
      lr: 0,
      elapsedS: (performance.now() - t0) / 1000,
    };
    return { model, history: [record], stoppedBecause: 'closed-form least-squares solution' };
  },
  load(s: SerializedRegressor): Regressor {
    const { d, degree } = s.spec as { d: number; degree: number };
    if (!Number.isInteger(d) || !Number.isInteger(degree)) throw new AmpfitError('poly: model spec lacks d or degree');
    const coef = float64Array(s, 'coef', 'poly');
    return new Polynomial(d, degree, coef);
  },
};
