// Which rows a model was trained or validated on, kept with the model so that
// `ampfit eval` can say when its data overlap them (such rows measure how well
// the model fits, not how well it predicts). A Bloom filter over each row's
// exact float64 bits (inputs, then target): no false negatives, a small
// stated false-positive rate, and a fixed size — at most MAX_BITS bits,
// 2 MiB, whatever the dataset. Hand-written because it is 60 lines and the
// filter must hash float64 bit patterns, which the npm Bloom filters (over
// strings) do not.

/** Largest filter: 2^24 bits (2 MiB); 16 bits a row up to a million rows. */
const MAX_BITS = 1 << 24;
const MIN_BITS = 1 << 10;

export interface RowFilterJSON {
  readonly bits: number;
  readonly hashes: number;
  readonly rows: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function fmix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Two independent 32-bit hashes of row i's d inputs and target, from their bits. */
function rowHashes(x: Float64Array, d: number, y: Float64Array, i: number): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let j = 0; j <= d; j++) {
    f64[0] = j < d ? x[i * d + j] : y[i];
    for (let half = 0; half < 2; half++) {
      const w = u32[half];
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h2 = Math.imul(h2 ^ w, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
  }
  return [fmix(h1), fmix(h2) | 1];
}

export class RowFilter {
  private constructor(readonly spec: RowFilterJSON, readonly bits: Uint8Array) {}

  /** A filter holding the rows of (x, y) that `sets` index (the training and the validation rows). */
  static of(x: Float64Array, d: number, y: Float64Array, sets: readonly ArrayLike<number>[]): RowFilter {
    const n = sets.reduce((s, rows) => s + rows.length, 0);
    let m = MIN_BITS;
    while (m < 16 * n && m < MAX_BITS) m *= 2;
    // The number of hashes that minimises false positives for m/n bits a row.
    const k = Math.max(1, Math.min(8, Math.round((m / Math.max(1, n)) * Math.LN2)));
    const f = new RowFilter({ bits: m, hashes: k, rows: n }, new Uint8Array(m / 8));
    for (const rows of sets) for (let r = 0; r < rows.length; r++) f.add(x, d, y, rows[r]);
    return f;
  }

  /** A stored filter, checked against its own description. */
  static fromStored(spec: RowFilterJSON, bits: Uint8Array): RowFilter {
    const { bits: m, hashes: k, rows } = spec;
    if (!(Number.isInteger(m) && m >= MIN_BITS && m <= MAX_BITS && (m & (m - 1)) === 0) || bits.length !== m / 8) throw new RangeError('row filter: its size does not match');
    if (!(Number.isInteger(k) && k >= 1 && k <= 8) || !(Number.isInteger(rows) && rows >= 0)) throw new RangeError('row filter: bad hash or row count');
    return new RowFilter(spec, bits);
  }

  private add(x: Float64Array, d: number, y: Float64Array, i: number): void {
    const [h1, h2] = rowHashes(x, d, y, i);
    const mask = this.spec.bits - 1;
    for (let j = 0; j < this.spec.hashes; j++) {
      const b = (h1 + Math.imul(j, h2)) & mask;
      this.bits[b >>> 3] |= 1 << (b & 7);
    }
  }

  /** Whether row i of (x, y) may be one of the filter's rows (never false for one that is). */
  has(x: Float64Array, d: number, y: Float64Array, i: number): boolean {
    const [h1, h2] = rowHashes(x, d, y, i);
    const mask = this.spec.bits - 1;
    for (let j = 0; j < this.spec.hashes; j++) {
      const b = (h1 + Math.imul(j, h2)) & mask;
      if ((this.bits[b >>> 3] & (1 << (b & 7))) === 0) return false;
    }
    return true;
  }

  /** The chance that a row not in the filter is reported as in it: (1 − e^(−k n/m))^k. */
  get falsePositiveRate(): number {
    const { bits: m, hashes: k, rows: n } = this.spec;
    return (1 - Math.exp((-k * n) / m)) ** k;
  }
}
