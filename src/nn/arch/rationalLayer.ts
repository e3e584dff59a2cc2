// GroupKAN's learnable activation as a layer: P/Q per channel group, through
// the rational kernels (src/kernels/rational.ts). Parameters: the groups'
// coefficient blocks, initialised to a least-squares fit of a fixed activation.

import type { GraphBuilder } from '../../graph/builder.js';
import type { Buf } from '../../graph/ops.js';
import { rationalCoefCount } from '../../kernels/rational.js';
import type { Kernels } from '../../kernels/types.js';
import type { Layer } from './layer.js';

export class RationalLayer implements Layer {
  readonly nOut: number;
  readonly paramCount: number;

  constructor(
    private readonly kernels: Kernels, readonly name: string, readonly nIn: number, private readonly groups: number,
    private readonly degP: number, private readonly degQ: number,
    /** One group's initial coefficients (a_0..a_degP, b_1..b_degQ), copied into every group. */
    private readonly initCoef: Float64Array,
  ) {
    this.nOut = nIn;
    this.paramCount = groups * rationalCoefCount(degP, degQ);
    if (initCoef.length !== rationalCoefCount(degP, degQ)) throw new RangeError(`${name}: initial coefficients have the wrong length`);
  }

  init(p: Float64Array): void {
    for (let g = 0; g < this.groups; g++) p.set(this.initCoef, g * this.initCoef.length);
  }

  forward(p: Float64Array, x: Float64Array, n: number, y: Float64Array): void {
    this.kernels.rationalForward(x, n, this.nIn, this.groups, this.degP, this.degQ, p, y);
  }

  emit(g: GraphBuilder, p: Float64Array, x: Buf): Buf {
    return g.rational(this.name, x, this.groups, this.degP, this.degQ, p);
  }

  backward(p: Float64Array, x: Float64Array, n: number, _y: Float64Array, dy: Float64Array, g: Float64Array, dx: Float64Array | null): void {
    this.kernels.rationalBackward(x, n, this.nIn, this.groups, this.degP, this.degQ, p, dy, dx, g);
  }
}
