// Builds a ModelGraph op by op, checking every width as it goes, so a model
// whose emitted ops do not fit together fails here, at export, with the op
// named — never in generated code.

import { kanFeatures } from '../kernels/kan.js';
import { rationalCoefCount } from '../kernels/rational.js';
import type { Activation } from '../kernels/types.js';
import { featureDim, type MomentumFeatureSpec } from '../features/momentumFeatures.js';
import { AmpfitError } from '../util/errors.js';
import type { TargetTransformJSON } from '../transforms/target.js';
import type {
  AngularHeadOp, Buf, ForestBody, GraphInput, GraphOp, GroupSpec, ModelGraph, MvAttentionOp, MvBilinearOp, MvEmbedOp, MvLinearOp, MvNormOp,
} from './ops.js';

/** Components of a multivector (src/nn/lgatr/algebra.ts MV). */
const MV = 16;

/** Thrown by a model that has no graph form yet: the exporter names it to the user. */
export class NotExportableError extends AmpfitError {
  override readonly name = 'NotExportableError';
}

export class GraphBuilder {
  private readonly widths: number[];
  private readonly ops: GraphOp[] = [];

  constructor(private readonly inputNames: readonly string[]) {
    this.widths = [inputNames.length];
  }

  width(b: Buf): number {
    const w = this.widths[b];
    if (w === undefined) throw new AmpfitError(`model graph: buffer ${b} does not exist`);
    return w;
  }

  private fresh(width: number): Buf {
    if (!(Number.isInteger(width) && width >= 1)) throw new AmpfitError(`model graph: a buffer must be at least 1 wide, got ${width}`);
    this.widths.push(width);
    return this.widths.length - 1;
  }

  private expect(b: Buf, width: number, what: string): void {
    if (this.width(b) !== width) throw new AmpfitError(`model graph: ${what} reads ${width} values but buffer ${b} holds ${this.width(b)}`);
  }

  dense(name: string, input: Buf, w: Float64Array, b: Float64Array | null, nOut: number, residual: Buf | null = null): Buf {
    const nIn = this.width(input);
    if (w.length !== nIn * nOut) throw new AmpfitError(`model graph: ${name} has ${w.length} weights for ${nIn}×${nOut}`);
    if (b !== null && b.length !== nOut) throw new AmpfitError(`model graph: ${name} has ${b.length} biases for ${nOut} outputs`);
    if (residual !== null) this.expect(residual, nOut, `${name}'s residual`);
    const output = this.fresh(nOut);
    this.ops.push({ kind: 'dense', name, input, output, nIn, nOut, w, b, residual });
    return output;
  }

  /** The activation after a dense op; 'linear' emits nothing. */
  activation(input: Buf, activation: Activation): Buf {
    if (activation.name === 'linear') return input;
    const width = this.width(input);
    const output = this.fresh(width);
    this.ops.push({ kind: 'activation', input, output, width, activation });
    return output;
  }

  rational(name: string, input: Buf, groups: number, degP: number, degQ: number, coef: Float64Array): Buf {
    const width = this.width(input);
    if (width % groups !== 0) throw new AmpfitError(`model graph: ${name}: ${groups} groups do not divide width ${width}`);
    if (coef.length !== groups * rationalCoefCount(degP, degQ)) throw new AmpfitError(`model graph: ${name} has ${coef.length} coefficients`);
    const output = this.fresh(width);
    this.ops.push({ kind: 'rational', name, input, output, width, groups, degP, degQ, coef });
    return output;
  }

  kanExpand(input: Buf, grid: number, lo: number, hi: number): Buf {
    const nIn = this.width(input);
    const output = this.fresh(nIn * kanFeatures(grid));
    this.ops.push({ kind: 'kanExpand', input, output, nIn, grid, lo, hi });
    return output;
  }

  gather(input: Buf, columns: readonly number[]): Buf {
    const w = this.width(input);
    for (const c of columns) if (!(Number.isInteger(c) && c >= 0 && c < w)) throw new AmpfitError(`model graph: column ${c} is outside buffer ${input} (${w} wide)`);
    const output = this.fresh(columns.length);
    this.ops.push({ kind: 'gather', input, output, columns: [...columns] });
    return output;
  }

  concat(inputs: readonly Buf[]): Buf {
    if (inputs.length === 1) return inputs[0];
    const output = this.fresh(inputs.reduce((s, b) => s + this.width(b), 0));
    this.ops.push({ kind: 'concat', inputs: [...inputs], output });
    return output;
  }

  momentumFeatures(input: Buf, spec: MomentumFeatureSpec): Buf {
    this.expect(input, 4 * spec.layout.particles.length, 'momentum features');
    const output = this.fresh(featureDim(spec));
    this.ops.push({ kind: 'momentumFeatures', input, output, spec });
    return output;
  }

  periodic(input: Buf, periods: readonly number[]): Buf {
    this.expect(input, periods.length, 'periodic inputs');
    const output = this.fresh(2 * periods.length);
    this.ops.push({ kind: 'periodic', input, output, periods: [...periods] });
    return output;
  }

  logEdges(input: Buf, floor: number): Buf {
    const output = this.fresh(2 * this.width(input));
    this.ops.push({ kind: 'logEdges', input, output, floor });
    return output;
  }

  angularHead(row: Buf, inner: Buf, head: Omit<AngularHeadOp, 'kind' | 'row' | 'inner' | 'output'>): Buf {
    const d = this.width(row);
    for (const dec of head.decays) {
      if (dec.cos.index >= d || dec.phi.index >= d) throw new AmpfitError('model graph: a decay angle is outside the input row');
    }
    const output = this.fresh(1);
    this.ops.push({ kind: 'angularHead', row, inner, output, ...head });
    return output;
  }

  legendre(input: Buf, degree: number, terms: readonly Uint8Array[], coef: Float64Array): Buf {
    const inputDim = this.width(input);
    if (terms.length !== coef.length || terms.some((t) => t.length !== inputDim)) throw new AmpfitError('model graph: Legendre terms do not fit the coefficients or the input');
    const output = this.fresh(1);
    this.ops.push({ kind: 'legendre', input, output, inputDim, degree, terms, coef });
    return output;
  }

  forest(input: Buf, forest: ForestBody): Buf {
    this.expect(input, forest.inputDim, 'forest');
    const output = this.fresh(1);
    this.ops.push({ kind: 'forest', input, output, forest });
    return output;
  }

  mean(inputs: readonly Buf[], order: 'sum-then-divide' | 'divide-then-sum'): Buf {
    if (inputs.length === 0) throw new AmpfitError('model graph: a mean of nothing');
    const w = this.width(inputs[0]);
    for (const b of inputs) this.expect(b, w, 'mean');
    const output = this.fresh(w);
    this.ops.push({ kind: 'mean', inputs: [...inputs], output, order });
    return output;
  }

  orbit(input: Buf, group: GroupSpec): Buf[] {
    const d = this.width(input);
    const outputs = group.elements.map(() => this.fresh(d));
    this.ops.push({ kind: 'orbit', input, outputs, group });
    return outputs;
  }

  fold(input: Buf, group: GroupSpec): Buf {
    const output = this.fresh(this.width(input));
    this.ops.push({ kind: 'fold', input, output, group });
    return output;
  }

  variance(input: Buf, logVarMin: number, logVarMax: number): Buf {
    const width = this.width(input);
    const output = this.fresh(width);
    this.ops.push({ kind: 'variance', input, output, width, logVarMin, logVarMax });
    return output;
  }

  inverseTransform(input: Buf, transform: TargetTransformJSON): Buf {
    this.expect(input, 1, 'the target transform');
    const output = this.fresh(1);
    this.ops.push({ kind: 'inverseTransform', input, output, transform });
    return output;
  }

  sigma(variance: Buf, value: Buf, scale: number, transform: TargetTransformJSON): Buf {
    this.expect(variance, 1, 'σ');
    this.expect(value, 1, 'σ');
    const output = this.fresh(1);
    this.ops.push({ kind: 'sigma', variance, value, output, scale, transform });
    return output;
  }

  mvEmbed(input: Buf, e: Omit<MvEmbedOp, 'kind' | 'input' | 'output'>): Buf {
    this.expect(input, 4 * e.tokens, 'multivector embedding');
    if (e.classOf.length !== e.tokens || e.classOf.some((c) => !(Number.isInteger(c) && c >= 0 && 1 + c < e.channels)) || e.blades.length !== 4) {
      throw new AmpfitError('model graph: multivector embedding: the classes do not fit the channels');
    }
    const output = this.fresh(MV * e.tokens * e.channels);
    this.ops.push({ kind: 'mvEmbed', input, output, ...e, blades: [...e.blades], classOf: [...e.classOf] });
    return output;
  }

  mvLinear(l: Omit<MvLinearOp, 'kind' | 'output'>): Buf {
    this.expect(l.input, MV * l.tokens * l.cin, l.name);
    if (l.w.length !== 10 * l.cin * l.cout + l.cout) throw new AmpfitError(`model graph: ${l.name} has ${l.w.length} parameters for ${l.cin}→${l.cout} channels`);
    if (l.residual !== null) this.expect(l.residual, MV * l.tokens * l.cout, `${l.name}'s residual`);
    const output = this.fresh(MV * l.tokens * l.cout);
    this.ops.push({ kind: 'mvLinear', ...l, output });
    return output;
  }

  mvNorm(input: Buf, n: Omit<MvNormOp, 'kind' | 'input' | 'output'>): Buf {
    this.expect(input, MV * n.tokens * n.channels, 'multivector layer norm');
    const output = this.fresh(MV * n.tokens * n.channels);
    this.ops.push({ kind: 'mvNorm', input, output, ...n });
    return output;
  }

  mvGate(input: Buf, tokens: number, channels: number, activation: Activation): Buf {
    this.expect(input, MV * tokens * channels, 'multivector gate');
    const output = this.fresh(MV * tokens * channels);
    this.ops.push({ kind: 'mvGate', input, output, tokens, channels, activation });
    return output;
  }

  mvBilinear(left: Buf, right: Buf, b: Omit<MvBilinearOp, 'kind' | 'left' | 'right' | 'output'>): Buf {
    const w = MV * b.tokens * b.channels;
    this.expect(left, w, `${b.product} product`);
    this.expect(right, w, `${b.product} product`);
    const t = b.table;
    const n = t.sign.length;
    if (t.left.length !== n || t.right.length !== n || t.out.length !== n || [...t.left, ...t.right, ...t.out].some((a) => !(Number.isInteger(a) && a >= 0 && a < MV))) {
      throw new AmpfitError(`model graph: the ${b.product} product's table is malformed`);
    }
    const output = this.fresh(w);
    this.ops.push({ kind: 'mvBilinear', left, right, output, ...b });
    return output;
  }

  mvAttention(q: Buf, k: Buf, v: Buf, a: Omit<MvAttentionOp, 'kind' | 'q' | 'k' | 'v' | 'output'>): Buf {
    if (a.heads * a.headChannels !== a.channels) throw new AmpfitError('model graph: attention heads do not split the channels');
    const w = MV * a.tokens * a.channels;
    for (const b of [q, k, v]) this.expect(b, w, 'attention');
    const output = this.fresh(w);
    this.ops.push({ kind: 'mvAttention', q, k, v, output, ...a });
    return output;
  }

  mvReadout(input: Buf, tokens: number, channels: number): Buf {
    this.expect(input, MV * tokens * channels, 'multivector readout');
    const output = this.fresh(channels);
    this.ops.push({ kind: 'mvReadout', input, output, tokens, channels });
    return output;
  }

  finish(value: Buf, sigma: Buf | null): ModelGraph {
    this.expect(value, 1, 'the model output');
    if (sigma !== null) this.expect(sigma, 1, 'the σ output');
    const momenta = this.ops.some((op) => op.kind === 'momentumFeatures' && op.input === 0);
    const input: GraphInput = { kind: momenta ? 'momenta' : 'coordinates', names: [...this.inputNames] };
    return { input, widths: [...this.widths], ops: [...this.ops], outputs: { value, sigma } };
  }
}

/** Width of one column of a buffer: `column(g, b, c)` as a gather. */
export function column(g: GraphBuilder, b: Buf, c: number): Buf {
  return g.width(b) === 1 && c === 0 ? b : g.gather(b, [c]);
}
