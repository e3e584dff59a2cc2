// Activation functions and their exact derivatives, the reference versions.
//
// native/kernels/activations.h implements the same formulas with the same case
// splits, with its own vectorised exp/expm1/log1p/erfc in place of Math.* and
// this file's erfc; the two backends agree to a few ulp.
//
// Codes are indices into ACTIVATIONS (types.ts); `param` is the leaky_relu
// slope or the elu alpha.

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;

// W. J. Cody, "Rational Chebyshev approximations for the error function",
// Math. Comp. 23 (1969) 631-638, coefficients as in his CALERF (SPECFUN).
export const A = [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1];
export const B = [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03];
export const C = [
  5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
  8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
  2.15311535474403846e-8,
];
export const D = [
  1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
  3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03,
];
export const P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2];
export const Q = [2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];
export const SQRPI = 5.6418958354775628695e-1; // 1/sqrt(pi)
export const THRESH = 0.46875;

/** erf(x) on |x| <= THRESH. */
function erfSmall(x: number): number {
  const ysq = x * x;
  let xnum = A[4] * ysq;
  let xden = ysq;
  for (let i = 0; i < 3; i++) {
    xnum = (xnum + A[i]) * ysq;
    xden = (xden + B[i]) * ysq;
  }
  return (x * (xnum + A[3])) / (xden + B[3]);
}

/** erfc(y) for y > THRESH (or NaN). */
function erfcLarge(y: number): number {
  // erfc underflows to 0 long before 30; the clamp matches the C version,
  // which needs it for an integer conversion.
  const yc = y > 30 ? 30 : y;
  let r: number;
  if (yc <= 4) {
    let xnum = C[8] * yc;
    let xden = yc;
    for (let i = 0; i < 7; i++) {
      xnum = (xnum + C[i]) * yc;
      xden = (xden + D[i]) * yc;
    }
    r = (xnum + C[7]) / (xden + D[7]);
  } else {
    const ysq = 1 / (yc * yc);
    let xnum = P[5] * ysq;
    let xden = ysq;
    for (let i = 0; i < 4; i++) {
      xnum = (xnum + P[i]) * ysq;
      xden = (xden + Q[i]) * ysq;
    }
    r = (ysq * (xnum + P[4])) / (xden + Q[4]);
    r = (SQRPI - r) / yc;
  }
  // exp(-y^2) as exp(-t^2)*exp(-(y-t)(y+t)) with t = y truncated to 1/16, so
  // that t^2 is exact and the rounding of y^2 is not amplified by the exp.
  const t = Math.trunc(yc * 16) / 16;
  const del = (yc - t) * (yc + t);
  return Math.exp(-t * t) * Math.exp(-del) * r;
}

/** Complementary error function, relative error ~1e-15 (Cody). */
export function erfc(x: number): number {
  const y = Math.abs(x);
  if (y <= THRESH) return 1 - erfSmall(x);
  const r = erfcLarge(y);
  return x < 0 ? 2 - r : r;
}

/** Error function, relative error ~1e-15 (Cody). */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= THRESH) return erfSmall(x);
  const r = 0.5 - erfcLarge(y) + 0.5;
  return x < 0 ? -r : r;
}

/** act(z) for activation `code` with parameter `param`. */
export function activate(code: number, param: number, z: number): number {
  switch (code) {
    case 0: // linear
      return z;
    case 1: // relu; NaN passes through
      return z < 0 ? 0 : z;
    case 2: // leaky_relu
      return z > 0 ? z : param * z;
    case 3: // elu
      return z > 0 ? z : param * Math.expm1(z);
    case 4: // softplus, log(1 + e^z) without overflow or cancellation
      return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    case 5: // gelu, exact form z*Phi(z); erfc keeps Phi accurate for z << 0
      return 0.5 * z * erfc(-z * SQRT1_2);
    case 6: { // silu
      const e = Math.exp(-Math.abs(z));
      const s = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      return z * s;
    }
    case 7:
      return Math.tanh(z);
    default:
      throw new RangeError(`ampfit kernels: unknown activation code ${code}`);
  }
}

/**
 * act'(z). Every derivative is computed from z (not from y = act(z)) so that it
 * keeps full relative accuracy where it is tiny, e.g. tanh' and elu' for z << 0.
 * At kinks (z = 0) relu' = 0 and leaky_relu' = elu' = param, as in PyTorch.
 */
export function derivative(code: number, param: number, z: number): number {
  switch (code) {
    case 0:
      return 1;
    case 1:
      return z > 0 ? 1 : 0;
    case 2:
      return z > 0 ? 1 : param;
    case 3:
      return z > 0 ? 1 : param * Math.exp(z);
    case 4: { // sigmoid(z)
      const e = Math.exp(-Math.abs(z));
      return z >= 0 ? 1 / (1 + e) : e / (1 + e);
    }
    case 5: // Phi(z) + z*phi(z)
      return 0.5 * erfc(-z * SQRT1_2) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    case 6: { // s*(1 + z*(1 - s)), with 1 - s = sigmoid(-z) computed directly
      const e = Math.exp(-Math.abs(z));
      const s = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      const sm = z >= 0 ? e / (1 + e) : 1 / (1 + e);
      return s * (1 + z * sm);
    }
    case 7: { // sech^2(z) = 4e/(1+e)^2 with e = exp(-2|z|)
      const e = Math.exp(-2 * Math.abs(z));
      return (4 * e) / ((1 + e) * (1 + e));
    }
    default:
      throw new RangeError(`ampfit kernels: unknown activation code ${code}`);
  }
}

/** y[i] = act(z[i]) for i < length. y may be z. */
export function activateArray(code: number, param: number, z: Float64Array, y: Float64Array): void {
  if (code === 0) {
    if (y !== z) y.set(z);
    return;
  }
  for (let i = 0; i < z.length; i++) y[i] = activate(code, param, z[i]);
}

/** dz[i] = dy[i] * act'(z[i]). dz may be dy. */
export function backpropArray(code: number, param: number, z: Float64Array, dy: Float64Array, dz: Float64Array): void {
  if (code === 0) {
    if (dz !== dy) dz.set(dy);
    return;
  }
  for (let i = 0; i < z.length; i++) dz[i] = dy[i] * derivative(code, param, z[i]);
}
