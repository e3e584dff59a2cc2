// ExportModel → one dependency-free C99 source, its header, and a Fortran
// module binding its functions (ISO_C_BINDING), by walking the model graph:
// one `switch` over the op kinds, each op a few statements over stack
// buffers, the helpers it needs declared once.
//
// The generated code follows the C ABI habits in ../shared/STYLE.md item 4
// where they apply: caller-owned buffers, no global mutable state (weights
// are static const, work buffers live on the stack), nothing allocated,
// nothing printed, no exit(). dtype: float64 only (item 7). Weights are exact
// hex-float literals and every op evaluates in the order src/graph/ops.ts
// states, so results agree with `ampfit predict` to rounding (tests: 1e-12).
//
// Speed: dense weights keep ampfit's nIn×nOut row-major layout (the inner
// loop is an axpy over contiguous outputs that the compiler vectorises) and
// every shape gets its own function with constant bounds. The batch function
// evaluates point after point: processing blocks of points layer by layer
// measured slower with gcc 12 on Zen 4. A model that is one forest is the
// exception: its batch walks blocks of points through each tree (forest.ts).

import type { ActivationName } from '../../kernels/types.js';
import { opInputs, opOutputs, type Buf, type GraphOp, type ModelGraph } from '../../graph/ops.js';
import { AmpfitError } from '../../util/errors.js';
import type { ExportModel } from '../describe.js';
import {
  activationFunction, activationNeedsParam, denseFunction, denseKey, ERFC_C, inverseSlopeC, inverseTransformC, kanCall, kanFunction, kanKey,
  legendreFunction, rationalFunction, rationalKey,
} from './functions.js';
import { FOREST_BATCH_STACK, FOREST_NODE_TYPE, FOREST_NOTES, forestC } from './forest.js';
import { cArray, commentSafe, cString, hexFloat, sanitizeName } from './literals.js';
import { MOMENTUM_STATUS, momentaFunction, PAIR_C } from './momenta.js';
import { foldC, groupC, orbitC } from './symmetry.js';
import { angularHeadFunctions, logEdgesC, periodicC } from './angular.js';
import {
  mvAttentionFunction, mvBilinearFunction, mvEmbedFunction, mvGateFunction, mvLinearFunction, mvNormFunction, mvReadoutC, type CFunction,
} from './multivector.js';

export { hexFloat, hexFloat32, sanitizeName } from './literals.js';

export interface CExport {
  /** The sanitised name: functions are <name>_eval, <name>_eval_batch, <name>_info. */
  readonly name: string;
  readonly source: string;
  readonly header: string;
  readonly fortran: string;
}

/** Identity of a typed array's storage: views of the same parameters (shared weights) get one table. */
class TableNames {
  private readonly buffers = new WeakMap<ArrayBufferLike, number>();
  private storages = 0;
  private readonly names = new Map<string, string>();
  private count = 0;

  constructor(private readonly decls: Declarations) {}

  name(a: Float64Array, label: string): string {
    let id = this.buffers.get(a.buffer);
    if (id === undefined) {
      id = this.storages++;
      this.buffers.set(a.buffer, id);
    }
    const key = `${id}:${a.byteOffset}:${a.length}`;
    let name = this.names.get(key);
    if (name === undefined) {
      name = `amp_t${this.count++}_${label.replace(/[^A-Za-z0-9]+/g, '_')}`.slice(0, 60);
      this.names.set(key, name);
      this.decls.add(`table ${name}`, `/* ${commentSafe(label)} */\n${cArray(name, a)}`);
    }
    return name;
  }
}

/** Declarations in first-use order, each once. */
class Declarations {
  private readonly map = new Map<string, string>();

  add(key: string, text: string | (() => string)): void {
    if (!this.map.has(key)) this.map.set(key, typeof text === 'string' ? text : text());
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  all(): string[] {
    return [...this.map.values()];
  }
}

/** Buffer → stack slot: a slot is reused after its buffer's last reader (the outputs live to the end). */
function assignSlots(graph: ModelGraph): { slotOf: Int32Array; slots: number; maxWidth: number } {
  const n = graph.widths.length;
  const lastUse = new Int32Array(n).fill(-1);
  graph.ops.forEach((op, i) => {
    for (const b of opInputs(op)) lastUse[b] = i;
  });
  lastUse[graph.outputs.value] = graph.ops.length;
  if (graph.outputs.sigma !== null) lastUse[graph.outputs.sigma] = graph.ops.length;
  const slotOf = new Int32Array(n).fill(-1);
  const free: number[] = [];
  let slots = 0;
  let maxWidth = 1;
  graph.ops.forEach((op, i) => {
    for (const b of opOutputs(op)) {
      maxWidth = Math.max(maxWidth, graph.widths[b]);
      slotOf[b] = free.length > 0 ? (free.pop() as number) : slots++;
    }
    // Freed only after this op: it still reads them while writing its outputs.
    for (const b of new Set(opInputs(op))) if (b > 0 && lastUse[b] === i) free.push(slotOf[b]);
  });
  return { slotOf, slots, maxWidth };
}

interface Walked {
  readonly decls: string[];
  readonly body: string[];
  readonly stackBytes: number;
  readonly includes: string[];
  readonly momenta: boolean;
}

/** The graph as the statements of amp_regress (returning 0 or a momentum status code) and the declarations they use. */
function walk(graph: ModelGraph): Walked {
  const decls = new Declarations();
  const tables = new TableNames(decls);
  const { slotOf, slots, maxWidth } = assignSlots(graph);
  const buf = (b: Buf): string => (b === 0 ? 'x' : `s${slotOf[b]}`);
  const body: string[] = [];
  for (let s = 0; s < slots; s++) body.push(`double s${s}[${maxWidth}];`);
  const includes = new Set<string>();
  let momenta = false;
  let ids = 0;
  const groupIds = new Map<object, string>();
  const groupId = (group: object, d: number, op: { group: Parameters<typeof groupC>[0] }): string => {
    let id = groupIds.get(group);
    if (id === undefined) {
      id = `g${groupIds.size}`;
      groupIds.set(group, id);
      const gid = id;
      decls.add(`group ${gid}`, () => groupC(op.group, d, gid));
    }
    return id;
  };
  const forestIds = new Map<object, string>();
  const cNames = new Map<string, string>();
  const use = (f: CFunction): string => {
    let name = cNames.get(f.key);
    if (name === undefined) {
      const taken = new Set(cNames.values());
      name = f.name;
      for (let k = 2; taken.has(name); k++) name = `${f.name}_${k}`;
      cNames.set(f.key, name);
      decls.add(f.key, f.text(name));
    }
    return name;
  };
  for (const op of graph.ops) {
    const out = (b: Buf = (op as { output: Buf }).output): string => buf(b);
    switch (op.kind) {
      case 'dense': {
        decls.add(`dense ${denseKey(op)}`, () => denseFunction(op));
        const args = [buf(op.input), tables.name(op.w, `${op.name}.W ${op.nIn}x${op.nOut}`)];
        if (op.b !== null) args.push(tables.name(op.b, `${op.name}.b`));
        if (op.residual !== null) args.push(buf(op.residual));
        args.push(out());
        body.push(`amp_dense_${denseKey(op)}(${args.join(', ')});`);
        break;
      }
      case 'activation': {
        const a = op.activation;
        if (a.name === 'linear') {
          body.push(`for (i = 0; i < ${op.width}; i++) ${out()}[i] = ${buf(op.input)}[i];`);
          break;
        }
        const name: Exclude<ActivationName, 'linear'> = a.name;
        if (name === 'gelu') decls.add('erfc', ERFC_C);
        decls.add(`activation ${name}`, () => activationFunction(name));
        body.push(`amp_${name}(${op.width}, ${buf(op.input)}, ${out()}${activationNeedsParam(a) ? `, ${hexFloat(a.param)}` : ''});`);
        break;
      }
      case 'rational':
        decls.add(`rational ${rationalKey(op)}`, () => rationalFunction(op));
        body.push(`amp_rational_${rationalKey(op)}(${buf(op.input)}, ${tables.name(op.coef, `${op.name} coefficients`)}, ${out()});`);
        break;
      case 'kanExpand':
        decls.add(`kan ${kanKey(op)}`, () => kanFunction(op));
        body.push(kanCall(op, buf(op.input), out()));
        break;
      case 'gather':
        body.push(op.columns.map((c, j) => `${out()}[${j}] = ${buf(op.input)}[${c}];`).join(' '));
        break;
      case 'concat': {
        let at = 0;
        for (const b of op.inputs) {
          body.push(`for (i = 0; i < ${graph.widths[b]}; i++) ${out()}[${at} + i] = ${buf(b)}[i];`);
          at += graph.widths[b];
        }
        break;
      }
      case 'momentumFeatures': {
        const id = `m${ids++}`;
        momenta = true;
        if (op.spec.features !== 'momenta') decls.add('pair', PAIR_C);
        decls.add(`momenta ${id}`, () => momentaFunction(op.spec, id));
        body.push(`if ((status = amp_momenta_${id}(${buf(op.input)}, ${out()})) != 0) return status;`);
        break;
      }
      case 'legendre': {
        const id = `l${ids++}`;
        decls.add(`legendre ${id}`, () => legendreFunction(op, id));
        body.push(`${out()}[0] = amp_legendre_${id}(${buf(op.input)});`);
        break;
      }
      case 'forest': {
        let id = forestIds.get(op.forest);
        if (id === undefined) {
          id = `f${forestIds.size}`;
          forestIds.set(op.forest, id);
          includes.add('stdint.h');
          decls.add('forest node', FOREST_NODE_TYPE);
          const fc = forestC(op.forest, id);
          fc.decls.forEach((d, k) => decls.add(`forest ${id} ${k}`, d));
        }
        body.push(`${out()}[0] = amp_forest_${id}(${buf(op.input)});`);
        break;
      }
      case 'mean': {
        const k = op.inputs.length;
        const terms = op.inputs.map((b) => (op.order === 'divide-then-sum' ? `${buf(b)}[i] / ${k}.0` : `${buf(b)}[i]`));
        body.push(`for (i = 0; i < ${graph.widths[op.output]}; i++) {`, '  acc = 0.0;', ...terms.map((t) => `  acc += ${t};`), `  ${out()}[i] = ${op.order === 'divide-then-sum' ? 'acc' : `acc / ${k}.0`};`, '}');
        break;
      }
      case 'orbit':
        body.push(...orbitC(op.group, graph.widths[op.input], groupId(op.group, graph.widths[op.input], op), buf(op.input), op.outputs.map((b) => buf(b))));
        break;
      case 'fold':
        body.push(...foldC(op.group, graph.widths[op.input], groupId(op.group, graph.widths[op.input], op), buf(op.input), out()));
        break;
      case 'variance': {
        const lo = hexFloat(op.logVarMin);
        const hi = hexFloat(op.logVarMax);
        body.push(`for (i = 0; i < ${op.width}; i++) ${out()}[i] = exp(${buf(op.input)}[i] < ${lo} ? ${lo} : (${buf(op.input)}[i] > ${hi} ? ${hi} : ${buf(op.input)}[i]));`);
        break;
      }
      case 'inverseTransform':
        body.push(`${out()}[0] = ${inverseTransformC(op.transform, `${buf(op.input)}[0]`)};`);
        break;
      case 'sigma':
        body.push(`${out()}[0] = ${hexFloat(op.scale)} * sqrt(${buf(op.variance)}[0]) * ${inverseSlopeC(op.transform, `${buf(op.value)}[0]`)};`);
        break;
      case 'periodic':
        body.push(...periodicC(op, buf(op.input), out()));
        break;
      case 'logEdges':
        body.push(...logEdgesC(op, graph.widths[op.input], buf(op.input), out()));
        break;
      case 'angularHead': {
        const id = `a${ids++}`;
        const fns = angularHeadFunctions(op, id);
        decls.add(fns.helper.key, fns.helper.text);
        decls.add(`angular ${id}`, fns.head);
        body.push(`${out()}[0] = amp_angular_${id}(${buf(op.row)}, ${buf(op.inner)});`);
        break;
      }
      case 'mvEmbed':
        body.push(`${use(mvEmbedFunction(op))}(${buf(op.input)}, ${out()});`);
        break;
      case 'mvLinear': {
        const args = [buf(op.input), tables.name(op.w, `${op.name} ${op.cin}->${op.cout}`), ...(op.residual === null ? [] : [buf(op.residual)]), out()];
        body.push(`${use(mvLinearFunction(op))}(${args.join(', ')});`);
        break;
      }
      case 'mvNorm':
        body.push(`${use(mvNormFunction(op))}(${buf(op.input)}, ${out()});`);
        break;
      case 'mvGate': {
        const a = op.activation;
        if (a.name === 'linear') {
          body.push(`for (i = 0; i < ${16 * op.tokens * op.channels}; i++) ${out()}[i] = ${buf(op.input)}[i] * ${buf(op.input)}[i % ${op.tokens * op.channels}];`);
          break;
        }
        const act: Exclude<ActivationName, 'linear'> = a.name;
        if (act === 'gelu') decls.add('erfc', ERFC_C);
        decls.add(`activation ${act}`, () => activationFunction(act));
        body.push(`${use(mvGateFunction(op.tokens, op.channels, act, activationNeedsParam(a) ? hexFloat(a.param) : null))}(${buf(op.input)}, ${out()});`);
        break;
      }
      case 'mvBilinear':
        body.push(`${use(mvBilinearFunction(op))}(${buf(op.left)}, ${buf(op.right)}, ${out()});`);
        break;
      case 'mvAttention':
        body.push(`${use(mvAttentionFunction(op))}(${buf(op.q)}, ${buf(op.k)}, ${buf(op.v)}, ${out()});`);
        break;
      case 'mvReadout':
        body.push(...mvReadoutC(op.tokens, op.channels, buf(op.input), out()));
        break;
      default:
        return unreachable(op);
    }
  }
  body.unshift('int i, status = 0;', 'double acc = 0.0;');
  body.push(`*y = ${buf(graph.outputs.value)}[0];`);
  if (graph.outputs.sigma !== null) body.push(`*sigma = ${buf(graph.outputs.sigma)}[0];`);
  else body.push('(void)sigma;');
  body.push('(void)i; (void)acc;', 'return status;');
  return { decls: decls.all(), body, stackBytes: slots * maxWidth * 8, includes: [...includes], momenta };
}

function unreachable(op: never): never {
  throw new AmpfitError(`export --format c: no C form for op '${(op as GraphOp).kind}'`);
}

/** A model that is one forest and its output map: its batch gets the blocked tree walk. */
function soleForest(graph: ModelGraph): { op: Extract<GraphOp, { kind: 'forest' }>; finish: Extract<GraphOp, { kind: 'inverseTransform' }> } | null {
  const [a, b] = graph.ops;
  if (graph.ops.length !== 2 || a.kind !== 'forest' || a.input !== 0 || b.kind !== 'inverseTransform' || b.input !== a.output || graph.outputs.sigma !== null) return null;
  return { op: a, finish: b };
}

function describeLines(model: ExportModel): string[] {
  const i = model.info;
  const r = i.testR === null ? 'none' : Object.entries(i.testR).map(([tau, v]) => `R_${tau} = ${v}%`).join(', ');
  const units = i.inputKind === 'momenta' ? '(E, px, py, pz per particle, GeV)' : '(unit hypercube)';
  return [
    `model:      ${i.model}; ${i.parameterCount} parameters`,
    `inputs:     x[0..${model.inputDim - 1}] = ${i.inputs.join(', ')} ${units}`,
    `returns:    ${i.returns}`,
    `transform:  ${JSON.stringify(i.transform)} (applied inside)`,
    `trained:    ${i.created}, seed ${i.seed}; test split ${r}`,
  ].map(commentSafe);
}

export function exportC(model: ExportModel, rawName: string): CExport {
  const name = sanitizeName(rawName);
  const NAME = name.toUpperCase();
  const d = model.inputDim;
  const graph = model.graph;
  if (graph.widths[0] !== d) throw new AmpfitError(`export --format c: the graph reads ${graph.widths[0]} inputs, the model names ${d}`);
  const w = walk(graph);
  const sigma = graph.outputs.sigma !== null;
  const forest = soleForest(graph);
  const forestBatch = forest === null ? null : forestC(forest.op.forest, 'f0').batch;
  const batch = forestBatch === null || forest === null
    ? ['size_t i;', `for (i = 0; i < n; i++) out[i] = ${name}_eval(x + i * AMP_D);`]
    : forestBatch((acc) => inverseTransformC(forest.finish.transform, acc), d);
  const stack = `${w.stackBytes + 64 * d} bytes of stack for work buffers${forestBatch === null ? '' : ` (the batch: ${FOREST_BATCH_STACK})`}`;
  const notes = graph.ops.some((op) => op.kind === 'forest') ? FOREST_NOTES : [];
  const about = describeLines(model);
  const info = JSON.stringify({ ...model.info, name });
  const statusDoc = w.momenta
    ? `
 * int ${name}_check(const double *x)
 *     0 if x passes the checks ampfit predict makes on momenta, else one of
 *     the ${NAME}_ERR_* codes below; ${name}_eval returns NaN for such an x.
 * const char *${name}_strerror(int code)
 *     What a code means (static storage).`
    : '';
  const statusDecl = w.momenta
    ? `
${MOMENTUM_STATUS.map(([code, key, what]) => `#define ${NAME}_ERR_${key} ${code} /* ${what} */`).join('\n')}

int ${name}_check(const double *x);
const char *${name}_strerror(int code);`
    : '';
  const sigmaDoc = sigma
    ? `
 * double ${name}_eval_sigma(const double *x, double *sigma_syst)
 *     As ${name}_eval, and writes the learned systematic uncertainty of the
 *     result (same units, calibration scale applied) into *sigma_syst.
 * void ${name}_eval_sigma_batch(const double *x, size_t n, double *out, double *sigma_syst)
 *     n points: out[0..n-1] as ${name}_eval_batch, sigma_syst[0..n-1] their σ.`
    : '';
  const sigmaDecl = sigma
    ? `
double ${name}_eval_sigma(const double *x, double *sigma_syst);
void ${name}_eval_sigma_batch(const double *x, size_t n, double *out, double *sigma_syst);`
    : '';
  const header = `/* ${name}.h: generated by ampfit ${model.info.ampfitVersion}. Do not edit.
 *
${about.map((l) => ` * ${l}`).join('\n')}
 *
 * double ${name}_eval(const double *x)
 *     One point: x holds ${NAME}_N_INPUTS doubles. Returns ${commentSafe(model.info.returns)}.
 * void ${name}_eval_batch(const double *x, size_t n, double *out)
 *     n points, row-major (point i at x[i*${NAME}_N_INPUTS]); writes out[0..n-1].
 *     out must not overlap x. Each result equals ${name}_eval's${forestBatch === null ? ' (same code)' : ' bit for bit'}.
 * const char *${name}_info(void)
 *     This description as JSON (static storage).${statusDoc}${sigmaDoc}
 *
 * float64 throughout. Thread-safe and reentrant: no global state, no
 * allocation (${stack}), no I/O. Link with -lm.${notes.map((l) => `\n * ${l}`).join('')}
 *
 * Fortran: ${name}.f90 declares these functions through ISO_C_BINDING:
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
${statusDecl}
double ${name}_eval(const double *x);
void ${name}_eval_batch(const double *x, size_t n, double *out);
const char *${name}_info(void);${sigmaDecl}

#ifdef __cplusplus
}
#endif

#endif
`;
  const statusSource = w.momenta
    ? `
int ${name}_check(const double *x) {
  double y, s;
  return amp_regress(x, &y, &s);
}

const char *${name}_strerror(int code) {
  switch (code) {
    case 0: return "ok";
${MOMENTUM_STATUS.map(([code, , what]) => `    case ${code}: return ${cString(what)};`).join('\n')}
    default: return "unknown status";
  }
}
`
    : '';
  const sigmaSource = sigma
    ? `
double ${name}_eval_sigma(const double *x, double *sigma_syst) {
  double y;
  if (amp_regress(x, &y, sigma_syst) != 0) *sigma_syst = y = NAN;
  return y;
}

void ${name}_eval_sigma_batch(const double *x, size_t n, double *out, double *sigma_syst) {
  size_t i;
  for (i = 0; i < n; i++) out[i] = ${name}_eval_sigma(x + i * AMP_D, sigma_syst + i);
}
`
    : '';
  const source = `/* ${name}.c: generated by ampfit ${model.info.ampfitVersion}. Do not edit.
 *
${about.map((l) => ` * ${l}`).join('\n')}
 *
 * C99, no dependency beyond libm. Weights, thresholds and leaf values are exact hexadecimal literals.
 */
#include "${name}.h"

#include <math.h>
#include <stddef.h>${w.includes.map((h) => `\n#include <${h}>`).join('')}

#define AMP_D ${d}

${w.decls.join('\n\n')}

/* The model graph for one point: 0, or a check's status code. */
static int amp_regress(const double *restrict x, double *restrict y, double *restrict sigma) {
${w.body.map((l) => `  ${l}`).join('\n')}
}

double ${name}_eval(const double *x) {
  double y, s;
  return amp_regress(x, &y, &s) == 0 ? y : NAN;
}

void ${name}_eval_batch(const double *x, size_t n, double *out) {
${batch.map((l) => `  ${l}`).join('\n')}
}
${statusSource}${sigmaSource}
const char *${name}_info(void) {
  return ${cString(info)};
}
`;
  const fortran = fortranModule(name, NAME, d, about, model.info.ampfitVersion, w.momenta, sigma);
  return { name, source, header, fortran };
}

function fortranModule(name: string, NAME: string, d: number, about: string[], version: string, momenta: boolean, sigma: boolean): string {
  const publics = [`${name}_n_inputs`, `${name}_eval`, `${name}_eval_batch`, ...(momenta ? [`${name}_check`] : []), ...(sigma ? [`${name}_eval_sigma`, `${name}_eval_sigma_batch`] : [])];
  const check = momenta
    ? `

    function ${name}_check(x) bind(C, name='${name}_check') result(status)
      import :: c_double, c_int
      real(c_double), intent(in) :: x(*)
      integer(c_int) :: status
    end function ${name}_check`
    : '';
  const sig = sigma
    ? `

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
    end subroutine ${name}_eval_sigma_batch`
    : '';
  return `! ${name}.f90: generated by ampfit ${version}. Do not edit.
! Fortran 2003 interface to ${name}.c (compile that with any C99 compiler, link with -lm).
!
${about.map((l) => `! ${l}`).join('\n')}
!
! x(${NAME}_N_INPUTS) is one point; xs(${NAME}_N_INPUTS, n) holds n points, one per column.
module ${name}_ampfit
  use, intrinsic :: iso_c_binding, only: c_double, c_size_t, c_int
  implicit none
  private
  public :: c_double, c_size_t, c_int
${publics.map((p) => `  public :: ${p}`).join('\n')}

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
    end subroutine ${name}_eval_batch${check}${sig}
  end interface
end module ${name}_ampfit
`;
}
