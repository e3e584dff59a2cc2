// ExportModel → one dependency-free C99 source, its header, and a Fortran
// module binding both functions (ISO_C_BINDING).
//
// The generated code follows the C ABI habits in ../shared/STYLE.md item 4
// where they apply: caller-owned buffers, no global mutable state (weights are
// static const, work buffers live on the stack), nothing allocated, nothing
// printed, no exit(). The functions cannot fail, so they return values rather
// than status codes. dtype: float64 only (item 7).
//
// Numerics mirror ampfit's: each dense layer sums x·W in input order, then
// adds the bias and the residual (native/kernels/gemm.c's epilogue order);
// activations and the output map use the formulas of
// src/kernels/activations.ts with C99 libm (exp, expm1, log1p, tanh, sinh)
// and the same Cody erfc; weights are exact hex-float literals. The result
// agrees with Surrogate.predict to rounding (tests check 1e-12 relative).
//
// Speed: the weight matrices keep ampfit's nIn×nOut row-major layout, so the
// inner loop runs over contiguous outputs (an axpy the compiler vectorises),
// and every layer shape gets its own function with constant bounds. The batch
// function evaluates point after point through the same path as the
// single-point one: processing blocks of points layer by layer (to reuse
// weights) measured slower with gcc 12 on Zen 4.

import type { Activation, ActivationName } from '../kernels/types.js';
import { AmpfitError } from '../util/errors.js';
import { assignSlots, type DenseLayer, type ExportModel, type LegendreBody, type NetworkBody, type OutputMap } from './describe.js';

export interface CExport {
  /** The sanitised name: functions are <name>_eval, <name>_eval_batch, <name>_info. */
  readonly name: string;
  readonly source: string;
  readonly header: string;
  readonly fortran: string;
}

/** Longest name that leaves room for "_eval_batch" within Fortran's 63 characters. */
const MAX_NAME = 40;

/**
 * A valid C and Fortran identifier from any text: letters, digits and '_',
 * starting with a letter (Fortran insists; C reserves leading underscores).
 */
export function sanitizeName(raw: string): string {
  let s = raw.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = 'model';
  if (!/^[A-Za-z]/.test(s)) s = `m_${s}`;
  return s.slice(0, MAX_NAME).replace(/_+$/, '');
}

/** The exact C99 hexadecimal literal of a finite double (what printf's %a prints). */
export function hexFloat(v: number): string {
  if (!Number.isFinite(v)) throw new AmpfitError(`export --format c: non-finite value ${v} in the model`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 === 1 ? '-' : '';
  const exp = (hi >>> 20) & 0x7ff;
  const mant = ((hi & 0xfffff).toString(16).padStart(5, '0') + lo.toString(16).padStart(8, '0')).replace(/0+$/, '');
  if (exp === 0 && mant === '') return `${sign}0x0p+0`;
  if (exp === 0) return `${sign}0x0.${mant}p-1022`;
  const e = exp - 1023;
  return `${sign}0x1${mant === '' ? '' : '.' + mant}p${e >= 0 ? '+' : ''}${e}`;
}

/** Text safe inside a C block comment. */
function commentSafe(s: string): string {
  return s.replace(/\*\//g, '* /');
}

/** A C string literal holding s (ASCII only; no trigraphs). */
function cString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\' || ch === '?') out += '\\' + ch;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += '\\' + byte.toString(8).padStart(3, '0');
  }
  return out + '"';
}

function cArray(name: string, values: Float64Array): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += 4) {
    lines.push('  ' + Array.from(values.subarray(i, i + 4), hexFloat).join(', ') + ',');
  }
  return `static const double ${name}[${values.length}] = {\n${lines.join('\n')}\n};`;
}

function identifier(layerName: string): string {
  return layerName.replace(/[^A-Za-z0-9]+/g, '_');
}

// Activations: the formulas of src/kernels/activations.ts, applied in place.
const ACTIVATION_C: Record<Exclude<ActivationName, 'linear'>, { expr: string; needsParam: boolean; pre?: string }> = {
  relu: { expr: 'v < 0 ? 0.0 : v', needsParam: false },
  leaky_relu: { expr: 'v > 0 ? v : p * v', needsParam: true },
  elu: { expr: 'v > 0 ? v : p * expm1(v)', needsParam: true },
  softplus: { expr: '(v > 0 ? v : 0.0) + log1p(exp(-fabs(v)))', needsParam: false },
  gelu: { expr: '0.5 * v * amp_erfc(-v * 0.70710678118654752440)', needsParam: false },
  silu: { pre: 'const double e = exp(-fabs(v));', expr: 'v * (v >= 0 ? 1 / (1 + e) : e / (1 + e))', needsParam: false },
  tanh: { expr: 'tanh(v)', needsParam: false },
};

const ERFC_C = `/* erfc by W. J. Cody's rational approximations (CALERF), as erfc() in
 * ampfit's src/kernels/activations.ts. */
static double amp_erfc(double x) {
  static const double a[5] = {3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
                              3.20937758913846947e03, 1.85777706184603153e-1};
  static const double b[4] = {2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
                              2.84423683343917062e03};
  static const double c[9] = {5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
                              2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
                              2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8};
  static const double d[8] = {1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
                              1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
                              3.43936767414372164e03, 1.23033935480374942e03};
  static const double p[6] = {3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
                              1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2};
  static const double q[5] = {2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
                              6.05183413124413191e-2, 2.33520497626869185e-3};
  const double y = fabs(x);
  double xnum, xden, r, yc, t, del;
  int i;
  if (y <= 0.46875) {
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
    r = (5.6418958354775628695e-1 - r) / yc;
  }
  t = trunc(yc * 16) / 16;
  del = (yc - t) * (yc + t);
  r = exp(-t * t) * exp(-del) * r;
  return x < 0 ? 2 - r : r;
}`;

function outputC(m: OutputMap): string {
  const a = `t * ${hexFloat(m.scale)} + ${hexFloat(m.shift)}`;
  switch (m.g) {
    case 'affine':
      return a;
    case 'exp':
      return `exp(${a})`;
    case 'sinh':
      return `${hexFloat(m.unit)} * sinh(${a})`;
  }
}

interface Body {
  /** Declarations: weight tables and helper functions. */
  readonly decls: string[];
  /** Statements of `static double amp_regress(const double *restrict x)`: the regressor's raw output for one point. */
  readonly regress: string[];
}

function denseKey(l: DenseLayer): string {
  return `${l.nIn}x${l.nOut}${l.b === null ? '' : '_b'}${l.residual >= 0 ? '_r' : ''}`;
}

/** z = x·W + b (+ res) for one point, with constant sizes so the compiler unrolls and vectorises the loop over outputs. */
function denseFunction(l: DenseLayer): string {
  const bias = l.b !== null;
  const res = l.residual >= 0;
  const args = ['const double *restrict x', 'const double *restrict w'];
  if (bias) args.push('const double *restrict b');
  if (res) args.push('const double *restrict res');
  args.push('double *restrict z');
  return `static void amp_dense_${denseKey(l)}(${args.join(', ')}) {
  double acc[${l.nOut}];
  int i, j;
  for (j = 0; j < ${l.nOut}; j++) acc[j] = 0.0;
  for (i = 0; i < ${l.nIn}; i++) {
    const double xi = x[i];
    const double *wi = w + i * ${l.nOut};
    for (j = 0; j < ${l.nOut}; j++) acc[j] += xi * wi[j];
  }
  for (j = 0; j < ${l.nOut}; j++) z[j] = acc[j]${bias ? ' + b[j]' : ''}${res ? ' + res[j]' : ''};
}`;
}

function activationFunction(name: Exclude<ActivationName, 'linear'>): string {
  const a = ACTIVATION_C[name];
  return `static void amp_${name}(int n, double *z${a.needsParam ? ', double p' : ''}) {
  int i;
  for (i = 0; i < n; i++) {
    const double v = z[i];${a.pre === undefined ? '' : `\n    ${a.pre}`}
    z[i] = ${a.expr};
  }
}`;
}

function networkBody(body: NetworkBody): Body {
  const { slotOf, slots, maxWidth } = assignSlots(body);
  const decls: string[] = [];
  const shapes = new Map<string, DenseLayer>();
  const acts = new Set<Exclude<ActivationName, 'linear'>>();
  const regress: string[] = [];
  for (let s = 0; s < slots; s++) regress.push(`double s${s}[${maxWidth}];`);
  const buffer = (b: number): string => (b === 0 ? 'x' : `s${slotOf[b]}`);
  for (const l of body.layers) {
    const id = identifier(l.name);
    decls.push(`/* ${commentSafe(l.name)}: W is ${l.nIn}x${l.nOut}, row-major (z = x.W + b) */\n${cArray(`W_${id}`, l.w)}`);
    if (l.b !== null) decls.push(cArray(`B_${id}`, l.b));
    shapes.set(denseKey(l), l);
    const args = [buffer(l.input), `W_${id}`];
    if (l.b !== null) args.push(`B_${id}`);
    if (l.residual >= 0) args.push(buffer(l.residual));
    args.push(buffer(l.output));
    regress.push(`amp_dense_${denseKey(l)}(${args.join(', ')});`);
    const act: Activation = l.activation;
    if (act.name !== 'linear') {
      acts.add(act.name);
      const p = ACTIVATION_C[act.name].needsParam ? `, ${hexFloat(act.param)}` : '';
      regress.push(`amp_${act.name}(${l.nOut}, ${buffer(l.output)}${p});`);
    }
  }
  const last = body.layers[body.layers.length - 1];
  if (last.nOut !== 1) throw new AmpfitError(`export --format c: the network ends in ${last.nOut} outputs, expected 1`);
  regress.push(`return ${buffer(last.output)}[0];`);
  const helpers: string[] = [];
  if (acts.has('gelu')) helpers.push(ERFC_C);
  for (const a of acts) helpers.push(activationFunction(a));
  for (const l of shapes.values()) helpers.push(denseFunction(l));
  return { decls: [...decls, ...helpers], regress };
}

function legendreBody(body: LegendreBody): Body {
  const d = body.inputDim;
  const deg = body.degree;
  const m = body.terms.length;
  const terms = body.terms.map((e) => `  {${Array.from(e).join(', ')}}`).join(',\n');
  const decls = [
    `/* Legendre basis: term t is prod_j P_{terms[t][j]}(2 x_j - 1) */\nstatic const unsigned char amp_terms[${m}][${d}] = {\n${terms}\n};`,
    cArray('amp_coef', body.coef),
  ];
  const regress = `double p[${d}][${deg + 1}];
double s = 0;
int j, k, t;
for (j = 0; j < ${d}; j++) {
  const double u = 2 * x[j] - 1;
  p[j][0] = 1;${deg >= 1 ? '\n  p[j][1] = u;' : ''}
  for (k = 2; k <= ${deg}; k++) p[j][k] = ((2 * k - 1) * u * p[j][k - 1] - (k - 1) * p[j][k - 2]) / k;
}
for (t = 0; t < ${m}; t++) {
  double v = 1;
  for (j = 0; j < ${d}; j++) {
    if (amp_terms[t][j] != 0) v *= p[j][amp_terms[t][j]];
  }
  s += v * amp_coef[t];
}
return s;`.split('\n');
  return { decls, regress };
}

function describeLines(model: ExportModel): string[] {
  const i = model.info;
  const r = i.testR === null ? 'none' : Object.entries(i.testR).map(([tau, v]) => `R_${tau} = ${v}%`).join(', ');
  return [
    `model:      ${i.model}, ${i.parameterCount} parameters`,
    `inputs:     x[0..${model.inputDim - 1}] = ${i.inputs.join(', ')} (unit hypercube)`,
    `returns:    ${i.returns}`,
    `transform:  ${JSON.stringify(i.transform)} (applied inside)`,
    `trained:    ${i.created}, seed ${i.seed}; test split ${r}`,
  ].map(commentSafe);
}

export function exportC(model: ExportModel, rawName: string): CExport {
  const name = sanitizeName(rawName);
  const NAME = name.toUpperCase();
  const d = model.inputDim;
  let body: Body;
  switch (model.body.kind) {
    case 'network':
      body = networkBody(model.body);
      break;
    case 'legendre':
      body = legendreBody(model.body);
      break;
    default:
      throw new AmpfitError(`export --format c: no C form for a '${(model.body as { kind: string }).kind}' model yet`);
  }
  const about = describeLines(model);
  const info = JSON.stringify({ ...model.info, name });
  const header = `/* ${name}.h: generated by ampfit ${model.info.ampfitVersion}. Do not edit.
 *
${about.map((l) => ` * ${l}`).join('\n')}
 *
 * double ${name}_eval(const double *x)
 *     One point: x holds ${NAME}_N_INPUTS doubles. Returns ${commentSafe(model.info.returns)}.
 * void ${name}_eval_batch(const double *x, size_t n, double *out)
 *     n points, row-major (point i at x[i*${NAME}_N_INPUTS]); writes out[0..n-1].
 *     out must not overlap x. Each result equals ${name}_eval's (same code).
 * const char *${name}_info(void)
 *     This description as JSON (static storage).
 *
 * float64 throughout. Thread-safe and reentrant: no global state, no
 * allocation (${stackNote(model)}), no I/O. Link with -lm.
 *
 * Fortran: ${name}.f90 declares both functions through ISO_C_BINDING:
 *     use ${name}_ampfit
 *     real(c_double) :: x(${NAME}_N_INPUTS), xs(${NAME}_N_INPUTS, n), y, ys(n)
 *     y = ${name}_eval(x)
 *     call ${name}_eval_batch(xs, int(n, c_size_t), ys)
 * (a Fortran array xs(D, n) is exactly the row-major n x D block C expects).
 */
#ifndef AMPFIT_${NAME}_H
#define AMPFIT_${NAME}_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ${NAME}_N_INPUTS ${d}

double ${name}_eval(const double *x);
void ${name}_eval_batch(const double *x, size_t n, double *out);
const char *${name}_info(void);

#ifdef __cplusplus
}
#endif

#endif
`;
  const source = `/* ${name}.c: generated by ampfit ${model.info.ampfitVersion}. Do not edit.
 *
${about.map((l) => ` * ${l}`).join('\n')}
 *
 * C99, no dependency beyond libm. Weights are exact hexadecimal literals.
 */
#include "${name}.h"

#include <math.h>
#include <stddef.h>

#define AMP_D ${d}

${body.decls.join('\n\n')}

/* The regressor's output back to physical units. */
static double amp_output(double t) {
  return ${outputC(model.output)};
}

static double amp_regress(const double *restrict x) {
${body.regress.map((l) => `  ${l}`).join('\n')}
}

double ${name}_eval(const double *x) {
  return amp_output(amp_regress(x));
}

void ${name}_eval_batch(const double *x, size_t n, double *out) {
  size_t i;
  for (i = 0; i < n; i++) out[i] = amp_output(amp_regress(x + i * AMP_D));
}

const char *${name}_info(void) {
  return ${cString(info)};
}
`;
  const fortran = `! ${name}.f90: generated by ampfit ${model.info.ampfitVersion}. Do not edit.
! Fortran 2003 interface to ${name}.c (compile that with any C99 compiler, link with -lm).
!
${about.map((l) => `! ${l}`).join('\n')}
!
! x(${NAME}_N_INPUTS) is one point; xs(${NAME}_N_INPUTS, n) holds n points, one per column.
module ${name}_ampfit
  use, intrinsic :: iso_c_binding, only: c_double, c_size_t
  implicit none
  private
  public :: c_double, c_size_t
  public :: ${name}_n_inputs
  public :: ${name}_eval
  public :: ${name}_eval_batch

  integer, parameter :: ${name}_n_inputs = ${d}

  interface
    function ${name}_eval(x) bind(C, name='${name}_eval') result(y)
      import :: c_double
      real(c_double), intent(in) :: x(*)
      real(c_double) :: y
    end function ${name}_eval

    subroutine ${name}_eval_batch(x, n, out) bind(C, name='${name}_eval_batch')
      import :: c_double, c_size_t
      real(c_double), intent(in) :: x(*)
      integer(c_size_t), value :: n
      real(c_double), intent(out) :: out(*)
    end subroutine ${name}_eval_batch
  end interface
end module ${name}_ampfit
`;
  return { name, source, header, fortran };
}

/** Work buffers live on the stack: say how much, for callers on small thread stacks. */
function stackNote(model: ExportModel): string {
  if (model.body.kind !== 'network') return 'a few hundred bytes of stack';
  const { slots, maxWidth } = assignSlots(model.body);
  return `${slots * maxWidth * 8 + maxWidth * 8} bytes of stack for work buffers`;
}
