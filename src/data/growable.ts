import { AmpfitError } from '../util/errors.js';

// The row count of a CSV.gz folder is unknown until it has been read, and
// reading twice doubles the load time. A resizable ArrayBuffer grows in place
// (the address range is reserved, pages are committed as they are written),
// so the final array costs its own size and no copy — where a list of blocks
// concatenated at the end would need twice the memory at the peak.
//
// When the count is known up front (the binary formats' metadata), `expect`
// allocates a plain array of that size instead: no growth at all, and the
// dataset's arrays are ordinary ones (V8 compiles element access on arrays
// over resizable buffers to slower code).
const MAX_BYTES = 2 ** 32 - 8; // V8's limit for one resizable buffer here

export class GrowableF64 {
  /** Null while the array is a plain one (from `expect`, or nothing yet). */
  private buffer: ArrayBuffer | null = null;
  private view = new Float64Array(0);
  length = 0;

  constructor(private readonly what: string) {}

  /**
   * At most n values will be appended: allocates exactly that, once, before
   * the first append. (More still works, by switching to growth with one copy.)
   */
  expect(n: number): void {
    if (this.length > 0 || this.view.length > 0 || n <= 0) return;
    this.checkSize(n);
    this.view = new Float64Array(n);
  }

  /** Appends `count` values read from src starting at `offset` with stride `stride`. */
  appendStrided(src: Float64Array, offset: number, stride: number, count: number): void {
    this.reserve(this.length + count);
    const v = this.view;
    let k = this.length;
    for (let i = 0, j = offset; i < count; i++, j += stride) v[k++] = src[j];
    this.length = k;
  }

  /** Appends the first `count` values of src (one memcpy). */
  appendColumn(src: Float64Array, count: number): void {
    this.reserve(this.length + count);
    this.view.set(count === src.length ? src : src.subarray(0, count), this.length);
    this.length += count;
  }

  /** Appends `rows` rows whose values are cols[c][r]: one strided loop per column. */
  appendColumnsAsRows(cols: readonly Float64Array[], rows: number): void {
    const width = cols.length;
    this.reserve(this.length + rows * width);
    const v = this.view;
    for (let c = 0; c < width; c++) {
      const col = cols[c];
      for (let r = 0, k = this.length + c; r < rows; r++, k += width) v[k] = col[r];
    }
    this.length += rows * width;
  }

  /** Appends `rows` rows of `width` values picked from src rows of `stride` values at `cols`. */
  appendRows(src: Float64Array, rows: number, stride: number, cols: readonly number[]): void {
    const width = cols.length;
    this.reserve(this.length + rows * width);
    const v = this.view;
    for (let c = 0; c < width; c++) {
      const from = cols[c];
      for (let r = 0, j = from, k = this.length + c; r < rows; r++, j += stride, k += width) v[k] = src[j];
    }
    this.length += rows * width;
  }

  /** The filled part as a fixed-length array sharing this buffer; stop appending after this. */
  finish(): Float64Array {
    if (this.buffer === null) return this.length === this.view.length ? this.view : this.view.subarray(0, this.length);
    this.buffer.resize(this.length * 8);
    return new Float64Array(this.buffer, 0, this.length);
  }

  private checkSize(n: number): void {
    if (n * 8 > MAX_BYTES) {
      throw new AmpfitError(
        `${this.what}: more than ${Math.floor(MAX_BYTES / 8)} values do not fit one in-memory array; ` +
          'use max_rows or fewer files',
      );
    }
  }

  private reserve(n: number): void {
    if (n <= this.view.length) return;
    this.checkSize(n);
    const grown = Math.min(Math.max(n, Math.ceil(this.view.length * 1.5), 1 << 16), Math.floor(MAX_BYTES / 8));
    if (this.buffer === null) {
      const old = this.view.subarray(0, this.length);
      this.buffer = new ArrayBuffer(grown * 8, { maxByteLength: MAX_BYTES });
      this.view = new Float64Array(this.buffer, 0, grown);
      this.view.set(old);
      return;
    }
    this.buffer.resize(grown * 8);
    this.view = new Float64Array(this.buffer, 0, grown);
  }
}
