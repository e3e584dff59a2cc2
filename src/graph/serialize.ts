// The model graph as stored data: a JSON description of the ops and typed
// arrays beside it, so that readers other than this package — libampfit
// (native/runtime/) above all — evaluate a model file without knowing any
// model type. A model file keeps it under header key `graph`
// (src/io/modelStore.ts), its arrays in the file's blob.
//
// JSON: { version, input: { kind, names }, widths, outputs: { value, sigma },
// ops: [...] }, each op its GraphOp fields (src/graph/ops.ts) with every
// typed array replaced by the name of a stored array, `graph/<i>/<field>`
// where <i> is the op's index. An array that several ops share (Deep Sets
// embeddings, orbit images: the same storage) is stored once, under the
// first op's name, and later ops name that one. Ragged fields are flattened:
// a Legendre op's terms into one uint8 array (term-major, inputDim per
// term), a group's elements into `src` (int32) and `reflect` (uint8), each
// elements × width, element-major. Numbers in the JSON are what JSON.stringify
// writes, which round-trips float64 exactly. A forest's statistics (cover,
// gain: not used to predict) are not stored.

import { z } from 'zod';
import { AmpfitError } from '../util/errors.js';
import { ACTIVATIONS } from '../kernels/types.js';
import { FEATURE_KINDS } from '../features/momentumFeatures.js';
import { TARGET_TRANSFORMS } from '../transforms/target.js';
import type { ForestBody, GraphOp, GroupSpec, ModelGraph } from './ops.js';

/** Bumped when a reader of the old layout would compute something else. */
export const GRAPH_FORMAT_VERSION = 1;

/** The typed arrays a graph stores (a subset of what a model file holds). */
export type GraphArray = Float64Array | Float32Array | Int32Array | Uint16Array | Uint8Array;

export interface SerializedGraph {
  readonly json: GraphJSON;
  readonly arrays: Record<string, GraphArray>;
}

/** Prefix of every stored array's name, so graph arrays never collide with a regressor's. */
export const GRAPH_ARRAY_PREFIX = 'graph/';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const int = z.number().int().nonnegative();
const name = z.string().startsWith(GRAPH_ARRAY_PREFIX);
const transform = z.strictObject({ kind: z.enum(TARGET_TRANSFORMS), shift: finite, scale: finite, unit: finite.optional() });
const group = z.strictObject({ src: name, reflect: name, reflectable: name, elements: int });
const angle = z.strictObject({ index: int, offset: finite, scale: finite });
const activation = z.strictObject({ name: z.enum(ACTIVATIONS), param: finite });
const sign = z.union([z.literal(1), z.literal(-1)]);
/** One value per multivector component. */
const blades = <T extends z.ZodTypeAny>(t: T) => z.array(t).length(16);

const OpSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('dense'), name: z.string(), input: int, output: int, nIn: int, nOut: int, w: name, b: name.nullable(), residual: int.nullable() }),
  z.strictObject({ kind: z.literal('activation'), input: int, output: int, width: int, activation }),
  z.strictObject({ kind: z.literal('rational'), name: z.string(), input: int, output: int, width: int, groups: int, degP: int, degQ: int, coef: name }),
  z.strictObject({ kind: z.literal('kanExpand'), input: int, output: int, nIn: int, grid: int, lo: finite, hi: finite }),
  z.strictObject({ kind: z.literal('gather'), input: int, output: int, columns: z.array(int) }),
  z.strictObject({ kind: z.literal('concat'), inputs: z.array(int), output: int }),
  z.strictObject({
    kind: z.literal('momentumFeatures'), input: int, output: int,
    spec: z.strictObject({
      layout: z.strictObject({ particles: z.array(z.strictObject({ name: z.string(), type: z.string() })), incoming: int, tolerance: finite }),
      features: z.enum(FEATURE_KINDS), momentum_scale: finite, invariant_shift: z.array(finite), invariant_scale: z.array(finite),
    }),
  }),
  z.strictObject({ kind: z.literal('legendre'), input: int, output: int, inputDim: int, degree: int, terms: name, nTerms: int, coef: name }),
  z.strictObject({
    kind: z.literal('forest'), input: int, output: int,
    forest: z.strictObject({ inputDim: int, baseScore: finite, treeOffset: name, feature: name, threshold: name, left: name, value: name }),
  }),
  z.strictObject({ kind: z.literal('mean'), inputs: z.array(int), output: int, order: z.enum(['sum-then-divide', 'divide-then-sum']) }),
  z.strictObject({ kind: z.literal('orbit'), input: int, outputs: z.array(int), group }),
  z.strictObject({ kind: z.literal('fold'), input: int, output: int, group }),
  z.strictObject({ kind: z.literal('variance'), input: int, output: int, width: int, logVarMin: finite, logVarMax: finite }),
  z.strictObject({ kind: z.literal('inverseTransform'), input: int, output: int, transform }),
  z.strictObject({ kind: z.literal('sigma'), variance: int, value: int, output: int, scale: finite, transform }),
  z.strictObject({ kind: z.literal('periodic'), input: int, output: int, periods: z.array(finite) }),
  z.strictObject({ kind: z.literal('logEdges'), input: int, output: int, floor: finite.refine((v) => v > 0 && v < 0.5, 'floor must lie in (0, 0.5)') }),
  z.strictObject({
    kind: z.literal('angularHead'), row: int, inner: int, output: int, lMax: int,
    decays: z.array(z.strictObject({ cos: angle, phi: angle })), transform, alpha: finite, beta: finite, lAt: int, eAt: int,
  }),
  z.strictObject({ kind: z.literal('mvEmbed'), input: int, output: int, tokens: int, channels: int, blades: z.array(int).length(4), classOf: z.array(int) }),
  z.strictObject({
    kind: z.literal('mvLinear'), name: z.string(), input: int, output: int, tokens: int, cin: int, cout: int, w: name, residual: int.nullable(),
    grade: blades(int), dualSign: blades(sign),
  }),
  z.strictObject({ kind: z.literal('mvNorm'), input: int, output: int, tokens: int, channels: int, metric: blades(sign), eps: finite }),
  z.strictObject({ kind: z.literal('mvGate'), input: int, output: int, tokens: int, channels: int, activation }),
  z.strictObject({
    kind: z.literal('mvBilinear'), product: z.enum(['geometric', 'join']), left: int, right: int, output: int, tokens: int, channels: int,
    table: z.strictObject({ left: z.array(int), right: z.array(int), out: z.array(int), sign: z.array(sign) }),
  }),
  z.strictObject({
    kind: z.literal('mvAttention'), q: int, k: int, v: int, output: int, tokens: int, channels: int, heads: int, headChannels: int, scale: finite,
    metric: blades(sign),
  }),
  z.strictObject({ kind: z.literal('mvReadout'), input: int, output: int, tokens: int, channels: int }),
]);

export const GraphSchema = z.strictObject({
  version: z.literal(GRAPH_FORMAT_VERSION),
  input: z.strictObject({ kind: z.enum(['coordinates', 'momenta']), names: z.array(z.string()) }),
  widths: z.array(int.min(1)).min(1),
  outputs: z.strictObject({ value: int, sigma: int.nullable() }),
  ops: z.array(OpSchema),
});

export type GraphJSON = z.infer<typeof GraphSchema>;
type OpJSON = GraphJSON['ops'][number];

/** The graph as JSON and named arrays. */
export function serializeGraph(graph: ModelGraph): SerializedGraph {
  const arrays: Record<string, GraphArray> = {};
  // Storage identity → stored name: shared weights are written once.
  const seen = new WeakMap<ArrayBufferLike, Map<string, string>>();
  const ops = graph.ops.map((op, i): OpJSON => {
    const put = (field: string, a: GraphArray): string => {
      const key = `${a.constructor.name}:${a.byteOffset}:${a.length}`;
      let byView = seen.get(a.buffer);
      if (byView === undefined) seen.set(a.buffer, (byView = new Map()));
      const known = byView.get(key);
      if (known !== undefined) return known;
      const n = `${GRAPH_ARRAY_PREFIX}${i}/${field}`;
      // A copy: the live model's parameters may be views into one large buffer.
      arrays[n] = a.slice();
      byView.set(key, n);
      return n;
    };
    const putGroup = (g: GroupSpec): { src: string; reflect: string; reflectable: string; elements: number } => {
      const d = g.reflectable.length;
      const src = new Int32Array(g.elements.length * d);
      const reflect = new Uint8Array(g.elements.length * d);
      g.elements.forEach((e, k) => {
        src.set(e.src, k * d);
        reflect.set(e.reflect, k * d);
      });
      return { src: put('src', src), reflect: put('reflect', reflect), reflectable: put('reflectable', g.reflectable), elements: g.elements.length };
    };
    switch (op.kind) {
      case 'dense':
        return { ...op, w: put('w', op.w), b: op.b === null ? null : put('b', op.b) };
      case 'rational':
        return { ...op, coef: put('coef', op.coef) };
      case 'legendre': {
        const terms = new Uint8Array(op.terms.length * op.inputDim);
        op.terms.forEach((t, k) => terms.set(t, k * op.inputDim));
        return { ...op, terms: put('terms', terms), nTerms: op.terms.length, coef: put('coef', op.coef) };
      }
      case 'forest': {
        const f = op.forest;
        return {
          ...op,
          forest: {
            inputDim: f.inputDim, baseScore: f.baseScore, treeOffset: put('treeOffset', f.treeOffset), feature: put('feature', f.feature),
            threshold: put('threshold', f.threshold), left: put('left', f.left), value: put('value', f.value),
          },
        };
      }
      case 'orbit':
        return { ...op, outputs: [...op.outputs], group: putGroup(op.group) };
      case 'fold':
        return { ...op, group: putGroup(op.group) };
      case 'gather':
        return { ...op, columns: [...op.columns] };
      case 'concat': case 'mean':
        return { ...op, inputs: [...op.inputs] };
      case 'momentumFeatures':
        return {
          ...op,
          spec: {
            layout: { particles: op.spec.layout.particles.map((p) => ({ name: p.name, type: p.type })), incoming: op.spec.layout.incoming, tolerance: op.spec.layout.tolerance },
            features: op.spec.features, momentum_scale: op.spec.momentum_scale,
            invariant_shift: [...op.spec.invariant_shift], invariant_scale: [...op.spec.invariant_scale],
          },
        };
      case 'periodic':
        return { ...op, periods: [...op.periods] };
      case 'angularHead':
        return { ...op, decays: op.decays.map((d) => ({ cos: { ...d.cos }, phi: { ...d.phi } })) };
      case 'activation':
        return { ...op, activation: { name: op.activation.name, param: op.activation.param } };
      case 'kanExpand': case 'variance': case 'inverseTransform': case 'sigma': case 'logEdges':
        return { ...op };
      case 'mvEmbed':
        return { ...op, blades: [...op.blades], classOf: [...op.classOf] };
      case 'mvLinear':
        return { ...op, w: put('w', op.w), grade: [...op.grade], dualSign: op.dualSign.map(toSign) };
      case 'mvNorm':
        return { ...op, metric: op.metric.map(toSign) };
      case 'mvGate':
        return { ...op, activation: { name: op.activation.name, param: op.activation.param } };
      case 'mvBilinear': {
        const t = op.table;
        return { ...op, table: { left: [...t.left], right: [...t.right], out: [...t.out], sign: t.sign.map(toSign) } };
      }
      case 'mvAttention':
        return { ...op, metric: op.metric.map(toSign) };
      case 'mvReadout':
        return { ...op };
    }
  });
  const json: GraphJSON = {
    version: GRAPH_FORMAT_VERSION,
    input: { kind: graph.input.kind, names: [...graph.input.names] },
    widths: [...graph.widths],
    outputs: { value: graph.outputs.value, sigma: graph.outputs.sigma },
    ops,
  };
  return { json, arrays };
}

/** A sign of the algebra's tables (±1 by construction: algebra.ts derives them from the metric). */
function toSign(v: number): 1 | -1 {
  if (v !== 1 && v !== -1) throw new AmpfitError(`model graph: a multivector sign is ${v}, not ±1`);
  return v;
}

type Ctor<T extends GraphArray> = { new (n: number): T; readonly name: string };

/** A stored graph back as a ModelGraph; every array checked for its dtype and length. */
export function deserializeGraph(value: unknown, arrays: Readonly<Record<string, unknown>>): ModelGraph {
  const r = GraphSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new AmpfitError(`stored model graph${issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`}: ${issue.message}`);
  }
  const g = r.data;
  const get = <T extends GraphArray>(n: string, ctor: Ctor<T>, length: number | null): T => {
    const a = arrays[n];
    if (!(a instanceof (ctor as unknown as new () => T))) throw new AmpfitError(`stored model graph: array '${n}' is missing or not ${ctor.name}`);
    if (length !== null && a.length !== length) throw new AmpfitError(`stored model graph: array '${n}' has ${a.length} values, expected ${length}`);
    return a;
  };
  const width = (b: number): number => {
    const w = g.widths[b];
    if (w === undefined) throw new AmpfitError(`stored model graph: buffer ${b} does not exist`);
    return w;
  };
  const getGroup = (j: { src: string; reflect: string; reflectable: string; elements: number }, d: number): GroupSpec => {
    const src = get(j.src, Int32Array, j.elements * d);
    const reflect = get(j.reflect, Uint8Array, j.elements * d);
    return {
      elements: Array.from({ length: j.elements }, (_, k) => ({ src: src.subarray(k * d, (k + 1) * d), reflect: reflect.subarray(k * d, (k + 1) * d) })),
      reflectable: get(j.reflectable, Uint8Array, d),
    };
  };
  const ops = g.ops.map((op): GraphOp => {
    switch (op.kind) {
      case 'dense':
        return { ...op, w: get(op.w, Float64Array, op.nIn * op.nOut), b: op.b === null ? null : get(op.b, Float64Array, op.nOut) };
      case 'rational':
        return { ...op, coef: get(op.coef, Float64Array, null) };
      case 'legendre': {
        const flat = get(op.terms, Uint8Array, op.nTerms * op.inputDim);
        const { nTerms, ...rest } = op;
        return { ...rest, terms: Array.from({ length: nTerms }, (_, k) => flat.subarray(k * op.inputDim, (k + 1) * op.inputDim)), coef: get(op.coef, Float64Array, nTerms) };
      }
      case 'forest': {
        const f = op.forest;
        const left = get(f.left, Int32Array, null);
        const body: ForestBody = {
          inputDim: f.inputDim, baseScore: f.baseScore, treeOffset: get(f.treeOffset, Int32Array, null), feature: get(f.feature, Uint16Array, left.length),
          threshold: get(f.threshold, Float32Array, left.length), left, value: get(f.value, Float64Array, left.length),
        };
        return { ...op, forest: body };
      }
      case 'orbit':
        return { ...op, group: getGroup(op.group, width(op.input)) };
      case 'fold':
        return { ...op, group: getGroup(op.group, width(op.input)) };
      case 'mvLinear':
        return { ...op, w: get(op.w, Float64Array, 10 * op.cin * op.cout + op.cout) };
      case 'activation': case 'kanExpand': case 'gather': case 'concat': case 'momentumFeatures': case 'mean': case 'variance':
      case 'inverseTransform': case 'sigma': case 'periodic': case 'logEdges': case 'angularHead':
      case 'mvEmbed': case 'mvNorm': case 'mvGate': case 'mvBilinear': case 'mvAttention': case 'mvReadout':
        return op;
    }
  });
  return { input: g.input, widths: g.widths, ops, outputs: g.outputs };
}
