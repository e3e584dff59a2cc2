// The order in which training rows are visited: an endless stream of random
// permutations of 0..n−1, reshuffled whenever one is used up (like Keras
// fitting a shuffled, repeated dataset).
//
// Checkpoints must not carry a permutation of millions of indices, so each
// permutation is drawn from a fresh identity array with this stream's own Rng:
// the Rng state just before the draw plus the position reproduce it exactly.

import { Rng, type RngState } from '../util/rng.js';

export interface BatchStreamState {
  readonly n: number;
  /** State of the stream's Rng before the current permutation was drawn. */
  readonly rngState: RngState;
  /** False until the first permutation is drawn. */
  readonly started: boolean;
  /** Next unused position in the current permutation (n = used up). */
  readonly pos: number;
}

export class BatchStream {
  private readonly perm: Uint32Array;
  private rng: Rng;
  private permRngState: RngState;
  private started = false;
  private pos: number;

  /** The stream owns `rng`: nobody else may draw from it (checkpoints rely on that). */
  constructor(readonly n: number, rng: Rng) {
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`BatchStream: need at least one row, got ${n}`);
    this.perm = new Uint32Array(n);
    this.rng = rng;
    this.permRngState = rng.getState();
    this.pos = n;
  }

  /**
   * Writes the next row indices into out[0..]. With wrap, always fills
   * `size` entries, continuing into a fresh permutation; without, stops at
   * the end of the current one (one-pass epochs: the last batch is short).
   * Returns how many were written.
   */
  next(out: Uint32Array, size: number, wrap: boolean): number {
    let filled = 0;
    while (filled < size) {
      if (this.pos === this.n) {
        if (!wrap && filled > 0) break;
        this.reshuffle();
      }
      const take = Math.min(size - filled, this.n - this.pos);
      const perm = this.perm;
      for (let j = 0; j < take; j++) out[filled + j] = perm[this.pos + j];
      this.pos += take;
      filled += take;
      if (!wrap) break;
    }
    return filled;
  }

  /** True when the current permutation is used up (an epoch boundary in one-pass mode). */
  get exhausted(): boolean {
    return this.pos === this.n;
  }

  getState(): BatchStreamState {
    return { n: this.n, rngState: this.permRngState, started: this.started, pos: this.pos };
  }

  static fromState(state: BatchStreamState): BatchStream {
    const s = new BatchStream(state.n, Rng.fromState(state.rngState));
    if (state.started) {
      s.reshuffle(); // redraws the same permutation and leaves the Rng where it was
      s.pos = state.pos;
    }
    return s;
  }

  private reshuffle(): void {
    this.permRngState = this.rng.getState();
    const p = this.perm;
    for (let i = 0; i < p.length; i++) p[i] = i;
    this.rng.shuffle(p);
    this.started = true;
    this.pos = 0;
  }
}
