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
//
// Forests (bdt) are tables and one loop instead: see forestBody.

import type { Activation, ActivationName } from '../kernels/types.js';
import { AmpfitError } from '../util/errors.js';
import {
  assignSlots, forestLayout, treeDepths, type DenseLayer, type ExportModel, type ExportSymmetry, type SigmaMap, type ForestBody, type LegendreBody, type NetworkBody, type OutputMap,
} from './describe.js';

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

const HEX_VIEW = new DataView(new ArrayBuffer(8));
const HEX_DIGITS = '0123456789abcdef';

/** The exact C99 hexadecimal literal of a finite double (what printf's %a prints). */
export function hexFloat(v: number): string {
  if (!Number.isFinite(v)) throw new AmpfitError(`export --format c: non-finite value ${v} in the model`);
  // Forests write millions of these: one shared view, no regular expressions.
  HEX_VIEW.setFloat64(0, v);
  const hi = HEX_VIEW.getUint32(0);
  const lo = HEX_VIEW.getUint32(4);
  const sign = hi >>> 31 === 1 ? '-' : '';
  const exp = (hi >>> 20) & 0x7ff;
  // The 13 hexadecimal digits of the fraction, trailing zeros dropped.
  let last = 12;
  const nibble = (i: number): number => (i < 5 ? (hi >>> (16 - 4 * i)) & 15 : (lo >>> (28 - 4 * (i - 5))) & 15);
  while (last >= 0 && nibble(last) === 0) last--;
  let mant = '';
  for (let i = 0; i <= last; i++) mant += HEX_DIGITS[nibble(i)];
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

/**
 * The extra C of a heteroscedastic model: <name>_eval_sigma(x, sigma_syst)
 * returns the value and writes σ_syst = scale · exp(½ clamp(u)) · |dy/dt|
 * (describe.ts SigmaMap, as Surrogate.predictUncertain), and its batch form.
 */
function sigmaC(name: string, NAME: string, s: SigmaMap, m: OutputMap): { headerDoc: string; headerDecl: string; head: string; source: string; fortran: string } {
  const slope = m.g === 'affine' ? hexFloat(Math.abs(m.scale))
    : m.g === 'exp' ? `${hexFloat(Math.abs(m.scale))} * fabs(y)`
      : `${hexFloat(Math.abs(m.scale))} * sqrt(y * y + ${hexFloat(m.unit * m.unit)})`;
  return {
    headerDoc: `
 * double ${name}_eval_sigma(const double *x, double *sigma_syst)
 *     As ${name}_eval, and writes the learned systematic uncertainty of the
 *     result (same units, calibration scale applied) into *sigma_syst.
 * void ${name}_eval_sigma_batch(const double *x, size_t n, double *out, double *sigma_syst)
 *     n points: out[0..n-1] as ${name}_eval_batch, sigma_syst[0..n-1] their σ.`,
    headerDecl: `
double ${name}_eval_sigma(const double *x, double *sigma_syst);
void ${name}_eval_sigma_batch(const double *x, size_t n, double *out, double *sigma_syst);`,
    head: `/* The network's second output u = log sigma^2 (clamped) to sigma_syst in units of y. */
static double amp_sigma(double u, double y) {
  const double uc = u < ${hexFloat(s.logVarMin)} ? ${hexFloat(s.logVarMin)} : (u > ${hexFloat(s.logVarMax)} ? ${hexFloat(s.logVarMax)} : u);${m.g === 'affine' ? '\n  (void)y; /* an affine map has a constant slope */' : ''}
  return ${hexFloat(s.scale)} * exp(0.5 * uc) * ${slope};
}

`,
    source: `
double ${name}_eval_sigma(const double *x, double *sigma_syst) {
  double u;
  const double y = amp_output(amp_regress(x, &u));
  *sigma_syst = amp_sigma(u, y);
  return y;
}

void ${name}_eval_sigma_batch(const double *x, size_t n, double *out, double *sigma_syst) {
  size_t i;
  for (i = 0; i < n; i++) out[i] = ${name}_eval_sigma(x + i * ${NAME}_N_INPUTS, sigma_syst + i);
}
`,
    fortran: `

    function ${name}_eval_sigma(x, sigma_syst) bind(C, name='${name}_eval_sigma') result(y)
      import :: c_double
      real(c_double), intent(in) :: x(*)
      real(c_double), intent(out) :: sigma_syst
      real(c_double) :: y
    end function ${name}_eval_sigma

    subroutine ${name}_eval_sigma_batch(x, n, out, sigma_syst) bind(C, name='${name}_eval_sigma_batch')
      import :: c_double, c_size_t
      real(c_double), intent(in) :: x(*)
      integer(c_size_t), value :: n
      real(c_double), intent(out) :: out(*), sigma_syst(*)
    end subroutine ${name}_eval_sigma_batch`,
  };
}

interface Body {
  /** Declarations: weight tables and helper functions. */
  readonly decls: string[];
  /** Statements of `static double amp_regress(const double *restrict x)`: the regressor's raw output for one point. */
  readonly regress: string[];
  /** Statements of <name>_eval_batch(x, n, out) when it is not the point-by-point loop. */
  readonly batch?: string[];
  /** Extra headers the declarations need. */
  readonly includes?: string[];
  /** What the header says about stack use. */
  readonly stack?: string;
  /** Extra lines for the header's description. */
  readonly notes?: string[];
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

/** twoOutputs: a heteroscedastic head (t, u); amp_regress then also writes u. */
function networkBody(body: NetworkBody, twoOutputs = false): Body {
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
  const outputs = twoOutputs ? 2 : 1;
  if (last.nOut !== outputs) throw new AmpfitError(`export --format c: the network ends in ${last.nOut} outputs, expected ${outputs}`);
  if (twoOutputs) regress.push(`*u = ${buffer(last.output)}[1];`);
  regress.push(`return ${buffer(last.output)}[0];`);
  const helpers: string[] = [];
  if (acts.has('gelu')) helpers.push(ERFC_C);
  for (const a of acts) helpers.push(activationFunction(a));
  for (const l of shapes.values()) helpers.push(denseFunction(l));
  return { decls: [...decls, ...helpers], regress };
}

/**
 * An ensemble's members or a BNN's weight samples (NetworkBody.members): one
 * function per member, and amp_regress averages f and exp(clamp(u)) over them
 * in member order, as src/uncertainty/regressor.ts does, handing on
 * u = log of the mean variance (so amp_sigma gives s·sqrt(mean σ_k²)).
 */
function membersBody(body: NetworkBody, sigma: SigmaMap): Body {
  const members = body.members ?? [];
  const k = members.length;
  const decls: string[] = [];
  const seen = new Set<string>();
  const functions: string[] = [];
  members.forEach((layers, m) => {
    const b = networkBody({ kind: 'network', inputDim: body.inputDim, layers }, true);
    // Weight tables are named per member; the layer and activation helpers are shared.
    for (const d of b.decls) if (!seen.has(d)) {
      seen.add(d);
      decls.push(d);
    }
    functions.push(`static double amp_member${m}(const double *restrict x, double *restrict u) {\n${b.regress.map((l) => `  ${l}`).join('\n')}\n}`);
  });
  const lo = hexFloat(sigma.logVarMin);
  const hi = hexFloat(sigma.logVarMax);
  const regress = ['double f = 0.0, v = 0.0, uk;'];
  for (let m = 0; m < k; m++) {
    regress.push(`f += amp_member${m}(x, &uk) / ${k}.0;`);
    regress.push(`v += exp(uk < ${lo} ? ${lo} : (uk > ${hi} ? ${hi} : uk)) / ${k}.0;`);
  }
  regress.push('*u = log(v);', 'return f;');
  return { decls: [...decls, ...functions], regress };
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

/**
 * The exact C99 literal of a float32 value: hexadecimal with an 'f' suffix,
 * or ±INFINITY (math.h) for an infinite threshold.
 */
export function hexFloat32(v: number): string {
  if (v === Infinity) return 'INFINITY';
  if (v === -Infinity) return '-INFINITY';
  if (Number.isNaN(v) || Math.fround(v) !== v) throw new AmpfitError(`export --format c: threshold ${v} is not a float32 value`);
  return `${hexFloat(v)}f`;
}

/** `static const <type> <name>[n] = {...};`, several values a line (trailing commas are C99). */
function cTable(type: string, name: string, values: ArrayLike<number>, format: (v: number) => string, perLine: number): string {
  const lines: string[] = [];
  const items: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const end = Math.min(values.length, i + perLine);
    items.length = 0;
    for (let j = i; j < end; j++) items.push(format(values[j]));
    lines.push(`  ${items.join(', ')},`);
  }
  return `static const ${type} ${name}[${values.length}] = {\n${lines.join('\n')}\n};`;
}

/**
 * Work sizes of the forest code, measured on a 1M-node forest (500 trees of
 * depth 10, tables far beyond cache) with gcc 12 -O3 on Zen 4: one point
 * descends FOREST_GROUP trees at once, whose loads are independent and
 * overlap (~20 µs a point against ~100 µs tree after tree); a batch walks
 * FOREST_BLOCK points through each tree together, so the tree's nodes are
 * fetched once for many points (~11 µs a point; 64 points: ~20 µs).
 */
const FOREST_GROUP = 64;
const FOREST_BLOCK = 1024;
/** Fewer points than this go one by one (grouped trees), which is faster there. */
const FOREST_MIN_BLOCK = 64;

/**
 * A forest as flat tables and one loop (no code per node, so a forest of a
 * million nodes compiles in seconds): internal nodes and leaves apart
 * (describe.ts forestLayout), a node reference r >= 0 being internal node r
 * and r < 0 leaf -1 - r. An internal node is one 16-byte struct — threshold,
 * feature, both children — so a step down the tree touches one cache line
 * (parallel arrays measured about twice slower per point on a 1M-node
 * forest, whose tables do not fit in cache). Several trees (a point) or
 * points (a batch) descend together, see FOREST_GROUP. The decision is ampfit's,
 * (float)x < threshold with the float32 threshold as an exact literal (NaN
 * goes right); the sum is ampfit's order, base score first, then tree after
 * tree, in double.
 */
function forestBody(body: ForestBody): Body {
  const L = forestLayout(body);
  const nInternal = L.feature.length;
  const nLeaves = L.leaf.length;
  const base = hexFloat(body.baseScore);
  const notes = [
    'The decisions compare (float)x[f] < threshold, as ampfit: C99 requires the',
    'cast to round even where float arithmetic is wider (x87); do not compile',
    'with -ffast-math, which may reorder the sum over trees.',
  ];
  if (L.nTrees === 0) return { decls: [], regress: ['(void)x;', `return ${base};`], notes, stack: 'no work buffers' };
  const depths = treeDepths(body);
  const maxDepth = depths.reduce((a, b) => Math.max(a, b), 0);
  const int = (v: number): string => String(v);
  const decls = [
    `/* The forest: ${L.nTrees} trees, ${nInternal} internal nodes, ${nLeaves} leaves.
 * A node reference r >= 0 is internal node amp_node[r], r < 0 is leaf
 * amp_leaf[-1 - r]; tree t starts at amp_root[t]. Internal node r sends x to
 * child[0] if (float)x[feat] < thr (ampfit's rule, NaN goes right), else to
 * child[1]. amp_depth[t] is the depth of tree t's deepest leaf. */
#define AMP_NTREES ${L.nTrees}
#define AMP_GROUP ${FOREST_GROUP}
#define AMP_BLOCK ${FOREST_BLOCK}
#define AMP_MIN_BLOCK ${FOREST_MIN_BLOCK}`,
    cTable('int32_t', 'amp_root', L.root, int, 16),
  ];
  if (nInternal > 0) {
    const nodes: string[] = [];
    for (let r = 0; r < nInternal; r++) {
      nodes.push(`{${hexFloat32(L.threshold[r])}, ${L.feature[r]}, {${L.child[2 * r]}, ${L.child[2 * r + 1]}}}`);
    }
    const lines: string[] = [];
    for (let i = 0; i < nodes.length; i += 4) lines.push(`  ${nodes.slice(i, i + 4).join(', ')},`);
    decls.push(
      cTable(maxDepth <= 255 ? 'unsigned char' : 'int', 'amp_depth', depths, int, 32),
      `typedef struct {
  float thr;
  unsigned short feat;
  int32_t child[2];
} amp_node_t;`,
      `static const amp_node_t amp_node[${nInternal}] = {\n${lines.join('\n')}\n};`,
    );
  }
  decls.push(cTable('double', 'amp_leaf', L.leaf, hexFloat, 4));
  // The child of internal node k for the point whose feature f is xAt(f).
  const step = (k: string, xAt: (f: string) => string): string =>
    `amp_node[${k}].child[!((float)${xAt(`amp_node[${k}].feat`)} < amp_node[${k}].thr)]`;
  // One point: AMP_GROUP trees descend level by level together, then their
  // leaves are added in tree order — ampfit's sum.
  const regress =
    nInternal === 0
      ? [`double s = ${base};`, 'int t;', '(void)x;', 'for (t = 0; t < AMP_NTREES; t++) s += amp_leaf[-1 - amp_root[t]];', 'return s;']
      : `double s = ${base};
int32_t r[AMP_GROUP];
int t, j, g, level, depth;
for (t = 0; t < AMP_NTREES; t += g) {
  g = AMP_NTREES - t < AMP_GROUP ? AMP_NTREES - t : AMP_GROUP;
  depth = 0;
  for (j = 0; j < g; j++) {
    r[j] = amp_root[t + j];
    if (amp_depth[t + j] > depth) depth = amp_depth[t + j];
  }
  for (level = 0; level < depth; level++) {
    for (j = 0; j < g; j++) {
      const int32_t k = r[j];
      if (k >= 0) r[j] = ${step('k', (f) => `x[${f}]`)};
    }
  }
  for (j = 0; j < g; j++) s += amp_leaf[-1 - r[j]];
}
return s;`.split('\n');
  if (nInternal === 0) return { decls, regress, includes: ['stdint.h'], notes, stack: 'no work buffers' };
  // Batches: a block of points walks each tree level by level together, so the
  // tree is fetched once per block and the points' loads overlap; each point
  // still adds base, then tree 0, 1, ... — the bits of <name>_eval. A short
  // last block goes point by point.
  const batch = `double acc[AMP_BLOCK];
int32_t r[AMP_BLOCK];
size_t b0, i, nb;
int t, level;
for (b0 = 0; b0 < n; b0 += nb) {
  const double *xb = x + b0 * AMP_D;
  nb = n - b0 < AMP_BLOCK ? n - b0 : AMP_BLOCK;
  if (nb < AMP_MIN_BLOCK) {
    for (i = 0; i < nb; i++) out[b0 + i] = amp_output(amp_regress(xb + i * AMP_D));
    continue;
  }
  for (i = 0; i < nb; i++) acc[i] = ${base};
  for (t = 0; t < AMP_NTREES; t++) {
    for (i = 0; i < nb; i++) r[i] = amp_root[t];
    for (level = 0; level < amp_depth[t]; level++) {
      for (i = 0; i < nb; i++) {
        const int32_t k = r[i];
        if (k >= 0) r[i] = ${step('k', (f) => `xb[i * AMP_D + ${f}]`)};
      }
    }
    for (i = 0; i < nb; i++) acc[i] += amp_leaf[-1 - r[i]];
  }
  for (i = 0; i < nb; i++) out[b0 + i] = amp_output(acc[i]);
}`.split('\n');
  return { decls, regress, batch, includes: ['stdint.h'], notes, stack: `${FOREST_BLOCK * 12} bytes of stack for the batch's work buffers` };
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
  const sigma = model.sigma ?? null;
  if (sigma !== null && model.body.kind !== 'network') throw new AmpfitError(`export --format c: a learned σ needs a network body, not '${model.body.kind}'`);
  if (sigma !== null && model.symmetry !== null) throw new AmpfitError('export --format c: a symmetric model with learned σ has no export yet');
  const sig = sigma === null ? null : sigmaC(name, NAME, sigma, model.output);
  let body: Body;
  switch (model.body.kind) {
    case 'network':
      if (model.body.members !== undefined) {
        if (sigma === null) throw new AmpfitError('export --format c: a network with several weight vectors must have learned σ');
        body = membersBody(model.body, sigma);
      } else {
        body = networkBody(model.body, sigma !== null);
      }
      break;
    case 'legendre':
      body = legendreBody(model.body);
      break;
    case 'forest':
      body = forestBody(model.body);
      break;
    default:
      throw new AmpfitError(`export --format c: no C form for a '${(model.body as { kind: string }).kind}' model yet`);
  }
  const about = describeLines(model);
  const info = JSON.stringify({ ...model.info, name });
  // A symmetric model evaluates the body on the folded point or on every image; per point, through the generic batch loop.
  const symmetry = model.symmetry === null ? [] : symmetryC(model.symmetry, d);
  const regress = model.symmetry === null ? 'amp_regress' : 'amp_symmetric';
  const batch = model.symmetry === null ? body.batch : undefined;
  const header = `/* ${name}.h: generated by ampfit ${model.info.ampfitVersion}. Do not edit.
 *
${about.map((l) => ` * ${l}`).join('\n')}
 *
 * double ${name}_eval(const double *x)
 *     One point: x holds ${NAME}_N_INPUTS doubles. Returns ${commentSafe(model.info.returns)}.
 * void ${name}_eval_batch(const double *x, size_t n, double *out)
 *     n points, row-major (point i at x[i*${NAME}_N_INPUTS]); writes out[0..n-1].
 *     out must not overlap x. Each result equals ${name}_eval's${batch === undefined ? ' (same code)' : ' bit for bit'}.
 * const char *${name}_info(void)
 *     This description as JSON (static storage).${sig === null ? '' : sig.headerDoc}
 *
 * float64 throughout. Thread-safe and reentrant: no global state, no
 * allocation (${body.stack ?? stackNote(model)}), no I/O. Link with -lm.${(body.notes ?? []).map((l) => `\n * ${l}`).join('')}
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
const char *${name}_info(void);${sig === null ? '' : sig.headerDecl}

#ifdef __cplusplus
}
#endif

#endif
`;
  const source = `/* ${name}.c: generated by ampfit ${model.info.ampfitVersion}. Do not edit.
 *
${about.map((l) => ` * ${l}`).join('\n')}
 *
 * C99, no dependency beyond libm. ${model.body.kind === 'forest' ? 'Thresholds and leaf values' : 'Weights'} are exact hexadecimal literals.
 */
#include "${name}.h"

#include <math.h>
#include <stddef.h>${(body.includes ?? []).map((h) => `\n#include <${h}>`).join('')}

#define AMP_D ${d}

${[...body.decls, ...symmetry].join('\n\n')}

/* The regressor's output back to physical units. */
static double amp_output(double t) {
  return ${outputC(model.output)};
}

${sig === null ? '' : sig.head}static double amp_regress(const double *restrict x${sig === null ? '' : ', double *restrict u'}) {
${body.regress.map((l) => `  ${l}`).join('\n')}
}
${sig === null ? '' : sig.source}
double ${name}_eval(const double *x) {
  ${sig === null ? `return amp_output(${regress}(x));` : 'double u;\n  return amp_output(amp_regress(x, &u));'}
}

void ${name}_eval_batch(const double *x, size_t n, double *out) {
${(batch ?? (sig === null
    ? ['size_t i;', `for (i = 0; i < n; i++) out[i] = amp_output(${regress}(x + i * AMP_D));`]
    : ['size_t i;', 'double u;', 'for (i = 0; i < n; i++) out[i] = amp_output(amp_regress(x + i * AMP_D, &u));'])).map((l) => `  ${l}`).join('\n')}
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
  public :: ${name}_eval_batch${sig === null ? '' : `\n  public :: ${name}_eval_sigma\n  public :: ${name}_eval_sigma_batch`}

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
    end subroutine ${name}_eval_batch${sig === null ? '' : sig.fortran}
  end interface
end module ${name}_ampfit
`;
  return { name, source, header, fortran };
}

/**
 * The symmetry of src/models/symmetric.ts, statement for statement as
 * src/symmetry/group.ts computes it (the (m, s) form of each point, the
 * lexicographic order of images, the sum over the orbit in that order), so the
 * export is as exactly invariant as ampfit and agrees with it bit for bit
 * around the body.
 */
function symmetryC(s: ExportSymmetry, d: number): string[] {
  const G = s.elements.length;
  const rows = (f: (e: ExportSymmetry['elements'][number]) => ArrayLike<number>): string => s.elements.map((e) => `  {${Array.from(f(e)).join(', ')}}`).join(',\n');
  const tables = `static double amp_regress(const double *restrict x);

/* The symmetry group: image k of x has x[amp_src[k][j]] at position j, reflected (1 - x) where amp_refl[k][j]. */
#define AMP_G ${G}
static const int amp_src[AMP_G][AMP_D] = {
${rows((e) => e.src)}
};
static const signed char amp_refl[AMP_G][AMP_D] = {
${rows((e) => e.reflect)}
};
static const signed char amp_reflectable[AMP_D] = {${Array.from(s.reflectable).join(', ')}};`;
  const form = `/* Each reflectable coordinate as (m, s): m = max(v, 1 - v), s its side; the group acts on these exactly. */
static void amp_load(const double *restrict x, double *restrict m, int *restrict s) {
  int j;
  for (j = 0; j < AMP_D; j++) {
    const double v = x[j];
    if (amp_reflectable[j]) {
      const double r = 1.0 - v;
      m[j] = v > r ? v : r;
      s[j] = m[j] == 0.5 ? 0 : (v > 0.5 ? 1 : -1);
    } else {
      m[j] = v;
      s[j] = 0;
    }
  }
}

/* Sign of image a - image b in lexicographic (m, s) order. */
static int amp_compare(int a, int b, const double *m, const int *s) {
  int j;
  for (j = 0; j < AMP_D; j++) {
    const double ma = m[amp_src[a][j]], mb = m[amp_src[b][j]];
    int sa, sb;
    if (ma != mb) return ma > mb ? 1 : -1;
    sa = amp_refl[a][j] ? -s[amp_src[a][j]] : s[amp_src[a][j]];
    sb = amp_refl[b][j] ? -s[amp_src[b][j]] : s[amp_src[b][j]];
    if (sa != sb) return sa > sb ? 1 : -1;
  }
  return 0;
}

static void amp_image(int k, const double *m, const int *s, double *out) {
  int j;
  for (j = 0; j < AMP_D; j++) {
    const int sk = amp_refl[k][j] ? -s[amp_src[k][j]] : s[amp_src[k][j]];
    out[j] = sk >= 0 ? m[amp_src[k][j]] : 1.0 - m[amp_src[k][j]];
  }
}`;
  const evaluate =
    s.mode === 'fold'
      ? `/* The body on the point folded into the fundamental domain (the largest image). */
static double amp_symmetric(const double *restrict x) {
  double m[AMP_D], xf[AMP_D];
  int sd[AMP_D], k, best = 0;
  amp_load(x, m, sd);
  for (k = 1; k < AMP_G; k++) if (amp_compare(k, best, m, sd) > 0) best = k;
  amp_image(best, m, sd, xf);
  return amp_regress(xf);
}`
      : `/* The body averaged over the orbit, summed from the largest image down. */
static double amp_symmetric(const double *restrict x) {
  double m[AMP_D], xi[AMP_D], sum = 0.0;
  int sd[AMP_D], order[AMP_G], k, r;
  amp_load(x, m, sd);
  for (k = 0; k < AMP_G; k++) {
    /* insertion sort, largest first */
    for (r = k; r > 0 && amp_compare(k, order[r - 1], m, sd) > 0; r--) order[r] = order[r - 1];
    order[r] = k;
  }
  for (r = 0; r < AMP_G; r++) {
    amp_image(order[r], m, sd, xi);
    sum += amp_regress(xi);
  }
  return sum / AMP_G;
}`;
  return [tables, form, evaluate];
}

/** Work buffers live on the stack: say how much, for callers on small thread stacks. */
function stackNote(model: ExportModel): string {
  if (model.body.kind !== 'network') return 'a few hundred bytes of stack';
  const { slots, maxWidth } = assignSlots(model.body);
  return `${slots * maxWidth * 8 + maxWidth * 8} bytes of stack for work buffers`;
}
