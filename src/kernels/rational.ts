// Reference rational (Padé) activation with learnable coefficients, forward
// and backward, as plain loops (native/kernels/rational.c mirrors them
// operation for operation). "Safe" form of Molina et al. (Padé activation
// units), as Kolmogorov–Arnold Transformers' GroupKAN uses it:
//
//   F(x) = P(x) / Q(x),  P = a_0 + a_1 x + … + a_m x^m,
//                        Q = 1 + |b_1 x| + |b_2 x²| + … + |b_l x^l| ≥ 1,
//
// so F has no poles. Channels of a width-w layer form `groups` contiguous
// groups of w/groups channels, each with its own coefficients
// coef[g·(m+1+l) ..] = a_0..a_m, b_1..b_l.
//
// Derivatives: dF/dx = (P'Q − PQ')/Q² with Q' = sign(x) Σ k|b_k||x|^(k−1);
// dF/da_j = x^j/Q; dF/db_k = −P/Q² · sign(b_k)|x|^k (undefined at b_k = 0,
// where sign gives 0: a kink, never hit by the initialisation).

/** Coefficients per group: m + 1 numerator and l denominator ones. */
export function rationalCoefCount(degP: number, degQ: number): number {
  return degP + 1 + degQ;
}

export function rationalForward(
  x: Float64Array, n: number, width: number, groups: number, degP: number, degQ: number,
  coef: Float64Array, y: Float64Array,
): void {
  const per = width / groups;
  const nc = degP + 1 + degQ;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < width; c++) {
      const o = Math.floor(c / per) * nc;
      const v = x[i * width + c];
      let p = coef[o + degP];
      for (let j = degP - 1; j >= 0; j--) p = p * v + coef[o + j];
      const av = Math.abs(v);
      let q = 1;
      let pw = av;
      for (let k = 1; k <= degQ; k++) {
        q += Math.abs(coef[o + degP + k]) * pw;
        pw *= av;
      }
      y[i * width + c] = p / q;
    }
  }
}

/**
 * The sum of t[0..m) in a fixed order both backends use: four lanes (lane l
 * takes the elements c ≡ l mod 4, in order), then (l0 + l1) + (l2 + l3). The
 * native kernel's four independent chains make the sum a quarter as long.
 */
export function laneSum(t: Float64Array, m: number): number {
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  let c = 0;
  for (; c + 4 <= m; c += 4) {
    l0 += t[c];
    l1 += t[c + 1];
    l2 += t[c + 2];
    l3 += t[c + 3];
  }
  if (c < m) l0 += t[c];
  if (c + 1 < m) l1 += t[c + 1];
  if (c + 2 < m) l2 += t[c + 2];
  return (l0 + l1) + (l2 + l3);
}

/**
 * Given dL/dy, writes dL/dx into dx (unless null) and overwrites gcoef with
 * dL/dcoef: for each row in order and each group, the group's per-channel
 * terms of each coefficient are added with laneSum.
 */
export function rationalBackward(
  x: Float64Array, n: number, width: number, groups: number, degP: number, degQ: number,
  coef: Float64Array, dy: Float64Array, dx: Float64Array | null, gcoef: Float64Array,
): void {
  const per = width / groups;
  const nc = degP + 1 + degQ;
  gcoef.fill(0);
  const ginv = new Float64Array(per);
  const gr = new Float64Array(per);
  const term = new Float64Array(per);
  const pw = new Float64Array(per);
  for (let i = 0; i < n; i++) {
    for (let g = 0; g < groups; g++) {
      const o = g * nc;
      const off = i * width + g * per;
      for (let c = 0; c < per; c++) {
        const v = x[off + c];
        let p = coef[o + degP];
        let dp = degP * coef[o + degP];
        for (let j = degP - 1; j >= 0; j--) {
          p = p * v + coef[o + j];
          if (j >= 1) dp = dp * v + j * coef[o + j];
        }
        const av = Math.abs(v);
        const sv = v > 0 ? 1 : v < 0 ? -1 : 0;
        let q = 1;
        let dqs = 0;
        let pk = 1; // |x|^(k−1)
        for (let k = 1; k <= degQ; k++) {
          const bk = Math.abs(coef[o + degP + k]);
          dqs += k * bk * pk;
          pk *= av;
          q += bk * pk;
        }
        const inv = 1 / q;
        const r = p * inv * inv;
        const gv = dy[off + c];
        if (dx !== null) dx[off + c] = gv * (dp * inv - r * sv * dqs);
        ginv[c] = gv * inv;
        gr[c] = gv * r;
      }
      // dF/da_j = x^j / Q
      pw.fill(1);
      for (let j = 0; j <= degP; j++) {
        for (let c = 0; c < per; c++) {
          term[c] = ginv[c] * pw[c];
          pw[c] *= x[off + c];
        }
        gcoef[o + j] += laneSum(term, per);
      }
      // dF/db_k = −P/Q² · sign(b_k)|x|^k
      for (let c = 0; c < per; c++) pw[c] = Math.abs(x[off + c]);
      for (let k = 1; k <= degQ; k++) {
        const b = coef[o + degP + k];
        const sb = b > 0 ? 1 : b < 0 ? -1 : 0;
        for (let c = 0; c < per; c++) {
          term[c] = gr[c] * sb * pw[c];
          pw[c] *= Math.abs(x[off + c]);
        }
        gcoef[o + degP + k] -= laneSum(term, per);
      }
    }
  }
}
