// Reference KAN feature expansion (native/kernels/kan.c mirrors it): each
// input value v becomes G + 4 features — silu(v), then the G + 3 cubic
// B-splines B_k(v) on a uniform grid of G intervals over [lo, hi], extended
// by 3 knots on each side (h = (hi − lo)/G; B_k lives on
// [lo + (k − 3)h, lo + (k + 1)h]). On the interval t = (v − lo)/h ∈ [j, j+1),
// s = t − j, the nonzero ones are B_{j+m}, m = 0..3:
//   (1−s)³/6, (3s³ − 6s² + 4)/6, (−3s³ + 3s² + 3s + 1)/6, s³/6,
// with derivatives (÷h) −(1−s)²/2, 1.5s² − 2s, −1.5s² + s + ½, s²/2.
// Beyond the extended grid only silu remains. A KAN layer is this expansion
// followed by one dense map (src/nn/arch/plan.ts).

/** Features per input: silu + G + 3 splines. */
export function kanFeatures(grid: number): number {
  return grid + 4;
}

function sigmoid(v: number): number {
  const e = Math.exp(-Math.abs(v));
  return v >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** f (n × nIn·(G+4)) from x (n × nIn). */
export function kanExpand(x: Float64Array, n: number, nIn: number, grid: number, lo: number, hi: number, f: Float64Array): void {
  const per = grid + 4;
  const h = (hi - lo) / grid;
  f.fill(0);
  for (let e = 0; e < n * nIn; e++) {
    const v = x[e];
    const o = e * per;
    f[o] = v * sigmoid(v);
    const t = (v - lo) / h;
    const j = Math.floor(t);
    if (!(j >= -3 && j <= grid + 2)) continue; // beyond the extended grid, or NaN
    const s = t - j;
    const s2 = s * s;
    const s3 = s2 * s;
    const u = 1 - s;
    const base = o + 1 + j;
    if (j >= 0) f[base] = (u * u * u) / 6;
    if (j >= -1 && j + 1 <= grid + 2) f[base + 1] = (3 * s3 - 6 * s2 + 4) / 6;
    if (j >= -2 && j + 2 <= grid + 2) f[base + 2] = (-3 * s3 + 3 * s2 + 3 * s + 1) / 6;
    if (j + 3 <= grid + 2) f[base + 3] = s3 / 6;
  }
}

/** dx[e] = Σ_m df[e·(G+4) + m] · dF_m/dv at v = x[e] (the backward of kanExpand). */
export function kanExpandBackward(
  x: Float64Array, n: number, nIn: number, grid: number, lo: number, hi: number, df: Float64Array, dx: Float64Array,
): void {
  const per = grid + 4;
  const h = (hi - lo) / grid;
  for (let e = 0; e < n * nIn; e++) {
    const v = x[e];
    const o = e * per;
    const sig = sigmoid(v);
    let acc = df[o] * (sig * (1 + v * (1 - sig)));
    const t = (v - lo) / h;
    const j = Math.floor(t);
    if (j >= -3 && j <= grid + 2) {
      const s = t - j;
      const s2 = s * s;
      const u = 1 - s;
      const base = o + 1 + j;
      if (j >= 0) acc += df[base] * ((-u * u) / 2 / h);
      if (j >= -1 && j + 1 <= grid + 2) acc += df[base + 1] * ((1.5 * s2 - 2 * s) / h);
      if (j >= -2 && j + 2 <= grid + 2) acc += df[base + 2] * ((-1.5 * s2 + s + 0.5) / h);
      if (j + 3 <= grid + 2) acc += df[base + 3] * (s2 / 2 / h);
    }
    dx[e] = acc;
  }
}
