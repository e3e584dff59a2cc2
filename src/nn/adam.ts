// Adam over the flat parameter vector: the whole update is one kernel call.
// Defaults are Keras' (paper 1 trained with Keras): beta1 0.9, beta2 0.999,
// epsilon 1e-7 (PyTorch uses 1e-8). Where epsilon enters the update (and so
// the exact Keras-vs-PyTorch flavour) is the kernel's documented business.

import type { Kernels } from '../kernels/types.js';
import { ConfigError } from '../util/errors.js';

export interface AdamConfig {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

export const ADAM_DEFAULTS: AdamConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-7 };

export interface AdamState {
  readonly m: Float64Array;
  readonly v: Float64Array;
  /** Number of updates done so far (the next update uses step + 1). */
  readonly step: number;
}

export class Adam {
  readonly m: Float64Array;
  readonly v: Float64Array;
  private steps = 0;

  constructor(readonly size: number, readonly config: AdamConfig = ADAM_DEFAULTS) {
    checkAdamConfig(config);
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  get step(): number {
    return this.steps;
  }

  /** params ← params − Adam(grads) at learning rate lr. */
  update(kernels: Kernels, params: Float64Array, grads: Float64Array, lr: number): void {
    this.steps++;
    const c = this.config;
    kernels.adamStep(params, grads, this.m, this.v, lr, c.beta1, c.beta2, c.eps, this.steps);
  }

  /** Copies of the moments, for checkpoints. */
  getState(): AdamState {
    return { m: this.m.slice(), v: this.v.slice(), step: this.steps };
  }

  static fromState(state: AdamState, config: AdamConfig = ADAM_DEFAULTS): Adam {
    if (state.m.length !== state.v.length) throw new RangeError('Adam.fromState: m and v differ in length');
    const a = new Adam(state.m.length, config);
    a.m.set(state.m);
    a.v.set(state.v);
    a.steps = state.step;
    return a;
  }
}

export function checkAdamConfig(c: AdamConfig, where = 'adam'): void {
  const inUnit = (v: number): boolean => Number.isFinite(v) && v >= 0 && v < 1;
  if (!inUnit(c.beta1)) throw new ConfigError(`${where}.beta1: expected a number in [0, 1), got ${c.beta1}`);
  if (!inUnit(c.beta2)) throw new ConfigError(`${where}.beta2: expected a number in [0, 1), got ${c.beta2}`);
  if (!(Number.isFinite(c.eps) && c.eps > 0)) throw new ConfigError(`${where}.eps: expected a positive number, got ${c.eps}`);
}
