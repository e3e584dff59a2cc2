// A network behind an input stage (src/features/angular.ts) and, with decay
// angles declared, in front of a harmonic head — seen from outside as one
// TrainableNetwork of the raw rows with one output in the transformed target
// space, so the Trainer, MSE, checkpoints, symmetries and the pipeline use it
// unchanged.
//
// The head (angular models). At production point p the target is a ratio
// of two functions of the decay directions that the physics fixes exactly:
// numerator and Born are combinations of the product harmonics B_k (l ≤ 2 in
// each decay, harmonics.ts), and the Born is moreover a positive
// semidefinite form zᵀM z in z = ⊗_k (1, n_k) (DecayTensor). The
// Breit–Wigner and flux scales that make the coefficients span decades are
// common to both and cancel in the ratio, so the network emits scale-free
// numbers: with outputs o = (t0, L (Z×Z), e_1…e_{K−1}),
//   y0 = T⁻¹(t0)                        the ratio of the angular means
//                                       (the angle-averaged target, e.g. zz4d's y),
//   Q  = ‖(I + α·L)ᵀ z‖² / its mean     the Born's angular shape over its mean,
//                                       positive for every direction — no poles,
//   ŷ  = y0 + T⁻¹′(t0) · β Σ e_k B_k / Q (the numerator is y0·Q + T⁻¹′·βE·B;
//                                       B_k, k ≥ 1, have mean zero),
// and the output is T(ŷ). T⁻¹′ = dy/dt at t0 is the target's local scale
// (√(u² + y0²)·σ for asinh), so e_k is of order one whatever the size of y0;
// α = 1/Z and β = 1/√(K−1) keep one Adam step from moving Q or the
// numerator by more than O(lr). I + 0 gives Q ≡ 1 (‖z‖² = 2^decays), so the
// zero initialisation of L and e starts from the angle-averaged model with
// every gradient alive. A linear denominator 1 + Σ d_k B_k, tried first,
// crosses zero during training and its poles stalled it (R² < 0 on five
// fixed production points).
//
// The head's O(K + Z²) per-row contractions are a kernel (src/kernels/
// angularHead.ts, native/kernels/angular_head.c, split over the batch on the
// kernel threads); the per-row scalars that need the target transform stay
// here, O(1) per row.

import {
  EDGE_FLOOR, parseInputStageSpec, rowAngles, stageInputs, stageToJSON, stageWidth, type InputStageSpec, type StoredStageSpec,
} from '../features/angular.js';
import { DecayTensor, ProductHarmonics } from '../features/harmonics.js';
import type { GraphBuilder } from '../graph/builder.js';
import type { Buf } from '../graph/ops.js';
import type { AngularHeadBuffers, AngularHeadCoefficients, AngularHeadShape } from '../kernels/angularHead.js';
import type { Kernels } from '../kernels/types.js';
import type { Rng } from '../util/rng.js';
import { TargetTransform, type TargetTransformJSON } from '../transforms/target.js';
import { ModelFileError } from '../util/errors.js';
import type { NetworkFactory, TrainableNetwork } from './trainable.js';

const PREDICT_ROWS = 2048;
export const STRUCTURED_KIND = 'structured-inputs';

/**
 * Training only, with a Born-normalised target: the row's last column holds
 * z = (ln born − shift)/scale, and one more output s(p) predicts it as
 * s + ln Q / scale — the Born's angular shape is Q, supervised directly
 * (bornShapeObjective.ts), while s absorbs the Born's scale and is never used
 * for predictions.
 */
export interface BornShapeSpec {
  readonly column: number;
  readonly shift: number;
  readonly scale: number;
}

export interface StructuredNetworkConfig {
  readonly kind: typeof STRUCTURED_KIND;
  readonly stage: StoredStageSpec;
  /** The target transform the head's output is in (angular models only). */
  readonly transform: TargetTransformJSON | null;
  readonly born?: BornShapeSpec | null;
  /** The inner network has the Born-scale output s (trained with the Born-shape term; unused by predictions). */
  readonly scale_output?: boolean;
  readonly inner: unknown;
}

/** Outputs the inner network needs for a stage: 1 + Z² + (K − 1) (+1 for the Born's scale) with an angular head, else 1. */
export function innerOutputs(stage: InputStageSpec, born: boolean): number {
  const a = stage.angular;
  if (a === null) return 1;
  const z = new DecayTensor(a.decays.length).size;
  return 1 + z * z + new ProductHarmonics(a.decays.length, a.lMax).size - 1 + (born ? 1 : 0);
}

/**
 * Per-row quantities of the last forward that backward needs, grown to the
 * largest batch seen; views of exactly n rows go to the kernels, which take
 * buffers of their rows' length.
 */
class HeadScratch {
  rows = 0;
  angles = new Float64Array(0);
  basis = new Float64Array(0);
  z = new Float64Array(0);
  v = new Float64Array(0);
  p = new Float64Array(0);
  /** ‖(I + αL)ᵀz‖² and its mean over the directions, Q = qRaw/qMean. */
  qRaw = new Float64Array(0);
  qMean = new Float64Array(0);
  yHat = new Float64Array(0);
  slope0 = new Float64Array(0);
  curv0 = new Float64Array(0);
  ratio = new Float64Array(0);
  bornHat = new Float64Array(0);
  out = new Float64Array(0);
  ce = new Float64Array(0);
  cRaw = new Float64Array(0);
  cMean = new Float64Array(0);
  dInner = new Float64Array(0);
  /** The kernels' views of the current n rows. */
  view: AngularHeadBuffers = { basis: this.basis, z: this.z, v: this.v, p: this.p, qRaw: this.qRaw, qMean: this.qMean };
  coefficients: AngularHeadCoefficients = { ce: this.ce, cRaw: this.cRaw, cMean: this.cMean };
  private viewRows = -1;

  ensure(n: number, k: number, zSize: number, innerOut: number, angles: number): void {
    if (this.rows < n) {
      this.rows = n;
      this.angles = new Float64Array(n * angles);
      this.basis = new Float64Array(n * k);
      this.z = new Float64Array(n * zSize);
      this.v = new Float64Array(n * zSize);
      this.p = new Float64Array(n);
      this.qRaw = new Float64Array(n);
      this.qMean = new Float64Array(n);
      this.yHat = new Float64Array(n);
      this.slope0 = new Float64Array(n);
      this.curv0 = new Float64Array(n);
      this.ratio = new Float64Array(n);
      this.bornHat = new Float64Array(n);
      this.out = new Float64Array(n);
      this.ce = new Float64Array(n);
      this.cRaw = new Float64Array(n);
      this.cMean = new Float64Array(n);
      this.dInner = new Float64Array(n * innerOut);
      this.viewRows = -1;
    }
    if (this.viewRows === n) return;
    // Training repeats one batch size, so these views are made once, not per step.
    this.viewRows = n;
    this.view = {
      basis: this.basis.subarray(0, n * k), z: this.z.subarray(0, n * zSize), v: this.v.subarray(0, n * zSize),
      p: this.p.subarray(0, n), qRaw: this.qRaw.subarray(0, n), qMean: this.qMean.subarray(0, n),
    };
    this.coefficients = { ce: this.ce.subarray(0, n), cRaw: this.cRaw.subarray(0, n), cMean: this.cMean.subarray(0, n) };
  }
}

interface Head {
  readonly harmonics: ProductHarmonics;
  readonly tensor: DecayTensor;
  /** What the angular-head kernels need (src/kernels/angularHead.ts). */
  readonly shape: AngularHeadShape;
  readonly transform: TargetTransform;
  /** Scale of the L outputs (1/Z) and of the e outputs (1/√(K−1)). */
  readonly alpha: number;
  readonly beta: number;
  /** Offsets of L and e in an inner output row. */
  readonly lAt: number;
  readonly eAt: number;
  readonly sAt: number;
}

export class StructuredNetwork implements TrainableNetwork {
  readonly inputDim: number;
  /** 1 behind a head; without one the inner network's own (2 for a (mean, log σ²) head). */
  readonly outputDim: number;
  readonly kernels: Kernels;
  readonly paramCount: number;
  readonly params: Float64Array;
  readonly grads: Float64Array;
  private readonly head: Head | null;
  private readonly width: number;
  /** Inner outputs per row. */
  private readonly innerWidth: number;
  private readonly train = new HeadScratch();
  private readonly inferScratch = new HeadScratch();
  private stagedTrain = new Float64Array(0);
  private stagedInfer = new Float64Array(0);
  private lastN = 0;

  constructor(
    readonly stage: InputStageSpec, transform: TargetTransformJSON | null, readonly inner: TrainableNetwork, readonly born: BornShapeSpec | null = null,
    readonly scaleOutput = born !== null,
  ) {
    this.inputDim = stage.inputDim;
    this.kernels = inner.kernels;
    this.paramCount = inner.paramCount;
    this.params = inner.params;
    this.grads = inner.grads;
    this.width = stageWidth(stage);
    if (inner.inputDim !== this.width) throw new RangeError(`StructuredNetwork: inner network reads ${inner.inputDim} inputs, the stage gives ${this.width}`);
    const a = stage.angular;
    if (a !== null && transform === null) throw new RangeError('StructuredNetwork: an angular head needs the target transform');
    if (a === null || transform === null) {
      this.head = null;
    } else {
      const harmonics = new ProductHarmonics(a.decays.length, a.lMax);
      const tensor = new DecayTensor(a.decays.length);
      const z = tensor.size;
      const alpha = 1 / z;
      const beta = 1 / Math.sqrt(harmonics.size - 1);
      const eAt = 1 + z * z;
      this.head = {
        harmonics, tensor, transform: TargetTransform.fromJSON(transform), alpha, beta, lAt: 1, eAt, sAt: eAt + harmonics.size - 1,
        shape: { decays: a.decays.length, lMax: a.lMax, m: innerOutputs(stage, scaleOutput), lAt: 1, eAt, alpha, beta },
      };
    }
    if (born !== null && (this.head === null || !scaleOutput || born.column !== stage.inputDim - 1 || !(born.scale > 0))) {
      throw new RangeError('StructuredNetwork: the Born shape needs an angular head, the scale output and the last input column');
    }
    this.innerWidth = this.head === null ? inner.outputDim : innerOutputs(stage, scaleOutput);
    if (inner.outputDim !== this.innerWidth) throw new RangeError(`StructuredNetwork: inner network has ${inner.outputDim} outputs, the head needs ${this.innerWidth}`);
    this.outputDim = this.head === null ? inner.outputDim : 1;
  }

  get config(): StructuredNetworkConfig {
    return {
      kind: STRUCTURED_KIND, stage: stageToJSON(this.stage), transform: this.head?.transform.toJSON() ?? null,
      ...(this.born === null ? {} : { born: this.born }), ...(this.scaleOutput ? { scale_output: true } : {}), inner: this.inner.config,
    };
  }

  forward(x: Float64Array, n: number): Float64Array {
    if (this.stagedTrain.length < n * this.width) this.stagedTrain = new Float64Array(n * this.width);
    const staged = this.stagedTrain.subarray(0, n * this.width);
    stageInputs(this.stage, x, n, staged);
    const o = this.inner.forward(staged, n);
    this.lastN = n;
    return this.head === null ? o : this.evaluateHead(this.head, x, n, o, this.train);
  }

  backward(dOut: Float64Array, dInput: Float64Array | null = null): void {
    if (dInput !== null) throw new RangeError('StructuredNetwork.backward: gradients with respect to the raw inputs are not computed');
    this.backwardWithBorn(dOut, null);
  }

  /** The Born-shape predictions s + ln Q/scale of the last forward (training space of z), one per row. */
  bornPredictions(): Float64Array {
    if (this.born === null) throw new RangeError('bornPredictions: this network has no Born-shape output');
    return this.train.bornHat.subarray(0, this.lastN);
  }

  /** backward() with dL/d(Born-shape prediction) per row added (null: none). */
  backwardWithBorn(dOut: Float64Array, dBorn: Float64Array | null): void {
    const h = this.head;
    if (h === null) {
      this.inner.backward(dOut);
      return;
    }
    const n = this.lastN;
    const s = this.train;
    const m = this.innerWidth;
    const t = h.transform;
    const dInner = s.dInner.subarray(0, n * m);
    const bornScale = this.born?.scale ?? 1;
    for (let r = 0; r < n; r++) {
      const g = dOut[r] / t.inverseSlope(s.yHat[r]);
      const row = r * m;
      const ratio = s.ratio[r];
      const slope = s.slope0[r];
      const q = s.qRaw[r] / s.qMean[r];
      dInner[row] = g * (slope + s.curv0[r] * ratio);
      s.ce[r] = (g * slope * h.beta) / q;
      // dL/dQ from the ratio (ŷ = y0 + slope·P/Q) and from ln Q in the Born-shape term.
      let dq = (-g * slope * ratio) / q;
      if (dBorn !== null) dq += dBorn[r] / (bornScale * q);
      if (this.born !== null) dInner[row + h.sAt] = dBorn === null ? 0 : dBorn[r];
      // Q = qRaw/qMean: the kernel carries dL/dqRaw and dL/dqMean into L.
      s.cRaw[r] = dq / s.qMean[r];
      s.cMean[r] = (-dq * q) / s.qMean[r];
    }
    this.kernels.angularHeadBackward(h.shape, n, this.lastInner.subarray(0, n * m), s.view, s.coefficients, dInner);
    this.inner.backward(dInner);
  }

  infer(x: Float64Array, n: number): Float64Array {
    if (this.stagedInfer.length < n * this.width) this.stagedInfer = new Float64Array(n * this.width);
    const staged = this.stagedInfer.subarray(0, n * this.width);
    stageInputs(this.stage, x, n, staged);
    const o = this.inner.infer(staged, n);
    return this.head === null ? o : this.evaluateHead(this.head, x, n, o, this.inferScratch);
  }

  predict(x: Float64Array, n: number, out?: Float64Array): Float64Array {
    const k = this.outputDim;
    const result = out ?? new Float64Array(n * k);
    const d = this.inputDim;
    for (let r = 0; r < n; r += PREDICT_ROWS) {
      const m = Math.min(PREDICT_ROWS, n - r);
      result.set(this.infer(x.subarray(r * d, (r + m) * d), m), r * k);
    }
    return result;
  }

  get outputLayerStart(): number {
    return this.inner.outputLayerStart;
  }

  spawn(rng: Rng): StructuredNetwork {
    return new StructuredNetwork(this.stage, this.head?.transform.toJSON() ?? null, this.inner.spawn(rng), this.born, this.scaleOutput);
  }

  /** The input stage, the inner network and the harmonic head, as infer computes them. */
  emit(g: GraphBuilder, x: Buf, params?: Float64Array): Buf {
    const s = this.stage;
    const parts: Buf[] = [];
    if (s.plain.length > 0) parts.push(g.gather(x, s.plain));
    if (s.periodic.length > 0) parts.push(g.periodic(g.gather(x, s.periodic.map((p) => p.index)), s.periodic.map((p) => p.period)));
    if (s.logEdges.length > 0) parts.push(g.logEdges(g.gather(x, s.logEdges), EDGE_FLOOR));
    const o = this.inner.emit(g, g.concat(parts), params);
    const h = this.head;
    if (h === null) return o;
    return g.angularHead(x, o, {
      lMax: h.harmonics.lMax, decays: s.angular?.decays ?? [], transform: h.transform.toJSON(), alpha: h.alpha, beta: h.beta, lAt: h.lAt, eAt: h.eAt,
    });
  }

  /** y0 of every row: the network's ratio of the angular means at the row's production point (physical units). */
  angularMean(x: Float64Array, n: number): Float64Array {
    const h = this.head;
    if (h === null) throw new RangeError('angularMean: this network has no angular head');
    const result = new Float64Array(n);
    const d = this.inputDim;
    for (let r = 0; r < n; r += PREDICT_ROWS) {
      const c = Math.min(PREDICT_ROWS, n - r);
      if (this.stagedInfer.length < c * this.width) this.stagedInfer = new Float64Array(c * this.width);
      const staged = this.stagedInfer.subarray(0, c * this.width);
      stageInputs(this.stage, x.subarray(r * d, (r + c) * d), c, staged);
      const o = this.inner.infer(staged, c);
      for (let i = 0; i < c; i++) result[r + i] = h.transform.inverseValue(o[i * this.innerWidth]);
    }
    return result;
  }

  /**
   * The head's parts at n rows, for diagnostics (bench/angularFailures.ts):
   * ŷ = y0 + dev/Q with y0 the ratio of the angular means, Q the Born's
   * angular shape over its mean and dev the numerator's angular part, all in
   * physical units.
   */
  headTerms(x: Float64Array, n: number): { y0: Float64Array; q: Float64Array; dev: Float64Array } {
    if (this.head === null) throw new RangeError('headTerms: this network has no angular head');
    const y0 = new Float64Array(n);
    const q = new Float64Array(n);
    const dev = new Float64Array(n);
    const d = this.inputDim;
    const s = this.inferScratch;
    for (let r = 0; r < n; r += PREDICT_ROWS) {
      const c = Math.min(PREDICT_ROWS, n - r);
      this.infer(x.subarray(r * d, (r + c) * d), c);
      for (let i = 0; i < c; i++) {
        q[r + i] = s.qRaw[i] / s.qMean[i];
        dev[r + i] = s.slope0[i] * s.p[i];
        y0[r + i] = s.yHat[i] - dev[r + i] / q[r + i];
      }
    }
    return { y0, q, dev };
  }

  /** The inner outputs of the last training forward (backward reads L from them). */
  private lastInner: Float64Array = new Float64Array(0);

  private evaluateHead(h: Head, x: Float64Array, n: number, o: Float64Array, s: HeadScratch): Float64Array {
    const m = this.innerWidth;
    const na = 2 * (this.stage.angular?.decays.length ?? 0);
    const t = h.transform;
    s.ensure(n, h.harmonics.size, h.tensor.size, m, na);
    if (s === this.train) this.lastInner = o;
    const angles = s.angles.subarray(0, n * na);
    for (let r = 0; r < n; r++) rowAngles(this.stage, x, r, angles, r * na);
    this.kernels.angularHeadForward(h.shape, n, angles, o.subarray(0, n * m), s.view);
    for (let r = 0; r < n; r++) {
      const row = r * m;
      const q = s.qRaw[r] / s.qMean[r];
      const y0 = t.inverseValue(o[row]);
      const slope = t.inverseSlope(y0);
      const ratio = s.p[r] / q;
      const yHat = y0 + slope * ratio;
      s.ratio[r] = ratio;
      s.slope0[r] = slope;
      s.curv0[r] = t.inverseCurvature(y0);
      s.yHat[r] = yHat;
      s.out[r] = t.value(yHat);
      if (this.born !== null) s.bornHat[r] = o[row + h.sAt] + Math.log(q) / this.born.scale;
    }
    return s.out.subarray(0, n);
  }
}

/** Sets the head's L and e outputs (and s) to zero (weights and bias of the output layer), so training starts from y0 alone with Q ≡ 1. */
export function zeroHeadOutputs(lastLayer: { w: Float64Array; b: Float64Array | null; nIn: number; nOut: number }): void {
  for (let i = 0; i < lastLayer.nIn; i++) lastLayer.w.fill(0, i * lastLayer.nOut + 1, (i + 1) * lastLayer.nOut);
  lastLayer.b?.fill(0, 1);
}

/** "sk-DNN 4-64 (…) on 4 production inputs; harmonics l ≤ 2 of 2 decays (81 terms)". */
export function describeStructured(v: unknown, describeInner: (inner: unknown) => string): string {
  const c = v as Partial<StructuredNetworkConfig>;
  const stage = parseInputStageSpec(c.stage, 'model.regressor.network.stage');
  const parts = [describeInner(c.inner)];
  if (stage.periodic.length > 0) parts.push(`${stage.periodic.length} periodic input${stage.periodic.length === 1 ? '' : 's'} as cos/sin`);
  if (stage.logEdges.length > 0) parts.push(`${stage.logEdges.length} input${stage.logEdges.length === 1 ? '' : 's'} also as edge logarithms`);
  const a = stage.angular;
  if (a !== null) {
    const k = new ProductHarmonics(a.decays.length, a.lMax).size;
    parts.push(`on ${stage.plain.length + stage.periodic.length} production inputs, harmonics l ≤ ${a.lMax} of ${a.decays.length} decay${a.decays.length === 1 ? '' : 's'} (${k} terms)`);
  }
  return parts.join('; ');
}

export function isStructuredConfig(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === STRUCTURED_KIND;
}

/** The config of the family's own network: the wrapped one's for a structured network (its type names the model type). */
export function familyConfig(v: unknown): unknown {
  return isStructuredConfig(v) ? (v as Partial<StructuredNetworkConfig>).inner : v;
}

/** Rebuilds a structured network from its stored config; `innerFactory` rebuilds the wrapped one. */
export function restoreStructured(v: unknown, kernels: Kernels, innerFactory: NetworkFactory, where: string): StructuredNetwork {
  const c = v as Partial<StructuredNetworkConfig>;
  const stage = parseInputStageSpec(c.stage, `${where}.stage`);
  if (stage.angular !== null && (typeof c.transform !== 'object' || c.transform === null)) throw new ModelFileError(`${where}: an angular head needs its target transform`);
  const transform = stage.angular === null ? null : TargetTransform.fromJSON(c.transform as TargetTransformJSON).toJSON();
  let born: BornShapeSpec | null = null;
  if (c.born !== undefined && c.born !== null) {
    const b = c.born as Partial<BornShapeSpec>;
    if (b.column !== stage.inputDim - 1 || !Number.isFinite(b.shift) || !(typeof b.scale === 'number' && b.scale > 0)) throw new ModelFileError(`${where}.born: bad Born-shape spec`);
    born = { column: b.column, shift: b.shift as number, scale: b.scale };
  }
  if (c.scale_output !== undefined && typeof c.scale_output !== 'boolean') throw new ModelFileError(`${where}.scale_output must be a boolean`);
  return new StructuredNetwork(stage, transform, innerFactory(c.inner, kernels), born, born !== null || c.scale_output === true);
}
