// C helper functions for the ops of the model graph, each in the evaluation
// order its op documents (src/graph/ops.ts), with C99 libm. Every function
// reads one buffer and writes another (never in place), with constant sizes
// so the compiler unrolls and vectorises the loops.

import { A, B, C, D, P, Q, SQRPI, THRESH } from '../../kernels/activations.js';
import type { Activation, ActivationName } from '../../kernels/types.js';
import type { DenseOp, KanExpandOp, LegendreOp, RationalOp } from '../../graph/ops.js';
import type { TargetTransformJSON } from '../../transforms/target.js';
import { hexFloat } from './literals.js';

/** The formulas of src/kernels/activations.ts on v (p: the activation's parameter). */
const ACTIVATION_C: Record<Exclude<ActivationName, 'linear'>, { expr: string; needsParam: boolean; pre?: string }> = {
  relu: { expr: 'v < 0 ? 0.0 : v', needsParam: false },
  leaky_relu: { expr: 'v > 0 ? v : p * v', needsParam: true },
  elu: { expr: 'v > 0 ? v : p * expm1(v)', needsParam: true },
  softplus: { expr: '(v > 0 ? v : 0.0) + log1p(exp(-fabs(v)))', needsParam: false },
  gelu: { expr: '0.5 * v * amp_erfc(-v * 0.70710678118654752440)', needsParam: false },
  silu: { pre: 'const double e = exp(-fabs(v));', expr: 'v * (v >= 0 ? 1 / (1 + e) : e / (1 + e))', needsParam: false },
  tanh: { expr: 'tanh(v)', needsParam: false },
};

const table = (name: string, values: readonly number[]): string => `static const double ${name}[${values.length}] = {${values.map(hexFloat).join(', ')}};`;

/** W. J. Cody's erfc (CALERF), statement for statement as erfc() in src/kernels/activations.ts, from the same coefficients. */
export const ERFC_C = `/* erfc by W. J. Cody's rational approximations (CALERF), as erfc() in
 * ampfit's src/kernels/activations.ts. */
static double amp_erfc(double x) {
  ${table('a', A)}
  ${table('b', B)}
  ${table('c', C)}
  ${table('d', D)}
  ${table('p', P)}
  ${table('q', Q)}
  const double y = fabs(x);
  double xnum, xden, r, yc, t, del;
  int i;
  if (y <= ${hexFloat(THRESH)}) {
    const double ysq = x * x;
    xnum = a[4] * ysq;
    xden = ysq;
    for (i = 0; i < 3; i++) {
      xnum = (xnum + a[i]) * ysq;
      xden = (xden + b[i]) * ysq;
    }
    return 1 - (x * (xnum + a[3])) / (xden + b[3]);
  }
  yc = y > 30 ? 30 : y;
  if (yc <= 4) {
    xnum = c[8] * yc;
    xden = yc;
    for (i = 0; i < 7; i++) {
      xnum = (xnum + c[i]) * yc;
      xden = (xden + d[i]) * yc;
    }
    r = (xnum + c[7]) / (xden + d[7]);
  } else {
    const double ysq = 1 / (yc * yc);
    xnum = p[5] * ysq;
    xden = ysq;
    for (i = 0; i < 4; i++) {
      xnum = (xnum + p[i]) * ysq;
      xden = (xden + q[i]) * ysq;
    }
    r = (ysq * (xnum + p[4])) / (xden + q[4]);
    r = (${hexFloat(SQRPI)} - r) / yc;
  }
  t = trunc(yc * 16) / 16;
  del = (yc - t) * (yc + t);
  r = exp(-t * t) * exp(-del) * r;
  return x < 0 ? 2 - r : r;
}`;

export function denseKey(op: DenseOp): string {
  return `${op.nIn}x${op.nOut}${op.b === null ? '' : '_b'}${op.residual !== null ? '_r' : ''}`;
}

/** z = x·W + b (+ res) for one point; the loop over outputs is an axpy over W's contiguous rows. */
export function denseFunction(op: DenseOp): string {
  const bias = op.b !== null;
  const res = op.residual !== null;
  const args = ['const double *restrict x', 'const double *restrict w'];
  if (bias) args.push('const double *restrict b');
  if (res) args.push('const double *restrict res');
  args.push('double *restrict z');
  return `static void amp_dense_${denseKey(op)}(${args.join(', ')}) {
  double acc[${op.nOut}];
  int i, j;
  for (j = 0; j < ${op.nOut}; j++) acc[j] = 0.0;
  for (i = 0; i < ${op.nIn}; i++) {
    const double xi = x[i];
    const double *wi = w + i * ${op.nOut};
    for (j = 0; j < ${op.nOut}; j++) acc[j] += xi * wi[j];
  }
  for (j = 0; j < ${op.nOut}; j++) z[j] = acc[j]${bias ? ' + b[j]' : ''}${res ? ' + res[j]' : ''};
}`;
}

export function activationNeedsParam(a: Activation): boolean {
  return a.name !== 'linear' && ACTIVATION_C[a.name].needsParam;
}

export function activationFunction(name: Exclude<ActivationName, 'linear'>): string {
  const a = ACTIVATION_C[name];
  return `static void amp_${name}(int n, const double *restrict in, double *restrict out${a.needsParam ? ', double p' : ''}) {
  int i;
  for (i = 0; i < n; i++) {
    const double v = in[i];${a.pre === undefined ? '' : `\n    ${a.pre}`}
    out[i] = ${a.expr};
  }
}`;
}

export function rationalKey(op: RationalOp): string {
  return `${op.width}_${op.groups}_${op.degP}_${op.degQ}`;
}

/** src/kernels/rational.ts's forward: P by Horner from the top, Q = 1 + Σ|b_k||v|^k. */
export function rationalFunction(op: RationalOp): string {
  const per = op.width / op.groups;
  const nc = op.degP + 1 + op.degQ;
  return `static void amp_rational_${rationalKey(op)}(const double *restrict in, const double *restrict coef, double *restrict out) {
  int c, j, k;
  for (c = 0; c < ${op.width}; c++) {
    const double *a = coef + (c / ${per}) * ${nc};
    const double v = in[c], av = fabs(v);
    double p = a[${op.degP}], q = 1.0, pw = av;
    for (j = ${op.degP - 1}; j >= 0; j--) p = p * v + a[j];
    for (k = 1; k <= ${op.degQ}; k++) {
      q += fabs(a[${op.degP} + k]) * pw;
      pw *= av;
    }
    (void)pw;
    out[c] = p / q;
  }
}`;
}

export function kanKey(op: KanExpandOp): string {
  return `${op.nIn}_${op.grid}`;
}

/** The call of kanFunction's function: lo and the knot spacing h = (hi − lo)/grid as ampfit computes them. */
export function kanCall(op: KanExpandOp, input: string, output: string): string {
  return `amp_kan_${kanKey(op)}(${input}, ${output}, ${hexFloat(op.lo)}, ${hexFloat((op.hi - op.lo) / op.grid)});`;
}

/** src/kernels/kan.ts's kanExpand for one point: silu and the four nonzero B-splines of each input. */
export function kanFunction(op: KanExpandOp): string {
  const per = op.grid + 4;
  return `static void amp_kan_${kanKey(op)}(const double *restrict in, double *restrict out, double lo, double h) {
  int e, m;
  for (e = 0; e < ${op.nIn * per}; e++) out[e] = 0.0;
  for (e = 0; e < ${op.nIn}; e++) {
    const double v = in[e];
    const double ev = exp(-fabs(v));
    double t, s, s2, s3, u, fj;
    int j;
    double *o = out + e * ${per};
    o[0] = v * (v >= 0 ? 1 / (1 + ev) : ev / (1 + ev));
    t = (v - lo) / h;
    fj = floor(t);
    if (!(fj >= -3 && fj <= ${op.grid + 2})) continue; /* beyond the extended grid, or NaN */
    j = (int)fj;
    s = t - fj;
    s2 = s * s;
    s3 = s2 * s;
    u = 1 - s;
    m = 1 + j;
    if (j >= 0) o[m] = (u * u * u) / 6;
    if (j >= -1 && j + 1 <= ${op.grid + 2}) o[m + 1] = (3 * s3 - 6 * s2 + 4) / 6;
    if (j >= -2 && j + 2 <= ${op.grid + 2}) o[m + 2] = (-3 * s3 + 3 * s2 + 3 * s + 1) / 6;
    if (j + 3 <= ${op.grid + 2}) o[m + 3] = s3 / 6;
  }
}`;
}

/** Σ_t coef[t]·Π_j P_{terms[t][j]}(2x_j − 1) as src/models/polynomial.ts; `id` names its tables. */
export function legendreFunction(op: LegendreOp, id: string): string {
  const d = op.inputDim;
  const deg = op.degree;
  const m = op.terms.length;
  const terms = op.terms.map((e) => `  {${Array.from(e).join(', ')}}`).join(',\n');
  const coef: string[] = [];
  for (let i = 0; i < m; i += 4) coef.push('  ' + Array.from(op.coef.subarray(i, i + 4), hexFloat).join(', ') + ',');
  return `/* Legendre basis: term t is prod_j P_{terms[t][j]}(2 x_j - 1) */
static const unsigned char amp_terms_${id}[${m}][${d}] = {
${terms}
};
static const double amp_coef_${id}[${m}] = {
${coef.join('\n')}
};
static double amp_legendre_${id}(const double *restrict x) {
  double p[${d}][${deg + 1}];
  double s = 0;
  int j, k, t;
  for (j = 0; j < ${d}; j++) {
    const double u = 2 * x[j] - 1;
    p[j][0] = 1;${deg >= 1 ? '\n    p[j][1] = u;' : ''}
    for (k = 2; k <= ${deg}; k++) p[j][k] = ((2 * k - 1) * u * p[j][k - 1] - (k - 1) * p[j][k - 2]) / k;
  }
  for (t = 0; t < ${m}; t++) {
    double v = 1;
    for (j = 0; j < ${d}; j++) {
      if (amp_terms_${id}[t][j] != 0) v *= p[j][amp_terms_${id}[t][j]];
    }
    s += v * amp_coef_${id}[t];
  }
  return s;
}`;
}

/** TargetTransform.inverseValue of t as a C expression. */
export function inverseTransformC(t: TargetTransformJSON, v: string): string {
  const a = `${v} * ${hexFloat(t.scale)} + ${hexFloat(t.shift)}`;
  switch (t.kind) {
    case 'none':
    case 'standardize':
      return a;
    case 'log':
    case 'log-standardize':
      return `exp(${a})`;
    case 'asinh-standardize':
      return `${hexFloat(t.unit ?? 1)} * sinh(${a})`;
  }
}

/** dy/dt of the inverse transform at physical value y (TargetTransform.inverseSlope) as a C expression; |dy/dt| unless `signed`. */
export function inverseSlopeC(t: TargetTransformJSON, y: string, signed = false): string {
  const abs = (e: string): string => (signed ? e : `fabs(${e})`);
  switch (t.kind) {
    case 'none':
    case 'standardize':
      return hexFloat(signed ? t.scale : Math.abs(t.scale));
    case 'log':
    case 'log-standardize':
      return abs(`${hexFloat(t.scale)} * ${y}`);
    case 'asinh-standardize':
      return abs(`${hexFloat(t.scale)} * hypot(${hexFloat(t.unit ?? 1)}, ${y})`);
  }
}

/** TargetTransform.value of physical y: the training-space value, as a C expression. */
export function forwardTransformC(t: TargetTransformJSON, y: string): string {
  const shift = hexFloat(t.shift);
  const scale = hexFloat(t.scale);
  switch (t.kind) {
    case 'none':
    case 'standardize':
      return `(${y} - ${shift}) / ${scale}`;
    case 'log':
    case 'log-standardize':
      return `(log(${y}) - ${shift}) / ${scale}`;
    case 'asinh-standardize':
      return `(asinh(${y} / ${hexFloat(t.unit ?? 1)}) - ${shift}) / ${scale}`;
  }
}
