import { AmpfitError } from '../util/errors.js';

// The row count of a CSV.gz folder is unknown until it has been read, and
// reading twice doubles the load time. A resizable ArrayBuffer grows in place
// (the address range is reserved, pages are committed as they are written),
// so the final array costs its own size and no copy — where a list of blocks
// concatenated at the end would need twice the memory at the peak.
const MAX_BYTES = 2 ** 32 - 8; // V8's limit for one resizable buffer here

export class GrowableF64 {
  private readonly buffer: ArrayBuffer;
  private view: Float64Array;
  length = 0;

  constructor(private readonly what: string) {
    this.buffer = new ArrayBuffer(0, { maxByteLength: MAX_BYTES });
    this.view = new Float64Array(this.buffer);
  }

  /** Appends `count` values read from src starting at `offset` with stride `stride`. */
  appendStrided(src: Float64Array, offset: number, stride: number, count: number): void {
    this.reserve(this.length + count);
    const v = this.view;
    let k = this.length;
    for (let i = 0, j = offset; i < count; i++, j += stride) v[k++] = src[j];
    this.length = k;
  }

  /** Appends `rows` rows of `width` values picked from src rows of `stride` values at `cols`. */
  appendRows(src: Float64Array, rows: number, stride: number, cols: readonly number[]): void {
    const width = cols.length;
    this.reserve(this.length + rows * width);
    const v = this.view;
    let k = this.length;
    for (let r = 0; r < rows; r++) {
      const base = r * stride;
      for (let c = 0; c < width; c++) v[k++] = src[base + cols[c]];
    }
    this.length = k;
  }

  /** The filled part as a fixed-length array sharing this buffer; stop appending after this. */
  finish(): Float64Array {
    this.buffer.resize(this.length * 8);
    return new Float64Array(this.buffer, 0, this.length);
  }

  private reserve(n: number): void {
    if (n <= this.view.length) return;
    if (n * 8 > MAX_BYTES) {
      throw new AmpfitError(
        `${this.what}: more than ${Math.floor(MAX_BYTES / 8)} values do not fit one in-memory array; ` +
          'use max_rows or fewer files',
      );
    }
    const grown = Math.min(Math.max(n, Math.ceil(this.view.length * 1.5), 1 << 16), Math.floor(MAX_BYTES / 8));
    this.buffer.resize(grown * 8);
    this.view = new Float64Array(this.buffer);
  }
}
