// The row checks every reader applies, in one place: the cell checks of a
// request (finite, positive, nonzero, inside a range), how a bad row is
// reported or skipped and counted, and — for the binary formats, whose values
// arrive as arrays rather than text — the building of validated RowBlocks.

import { DataError } from '../../util/errors.js';
import { clipText } from '../../util/text.js';
import type { CellCheck, ColumnRange, ColumnRequest, DataFormat, ReadOptions, ReadReport, RowBlock, RowUnit } from './types.js';

const MAX_SKIP_EXAMPLES = 10;

/** The problem with a value that fails its request's check, or null; `shown` is the value as the user wrote it. */
export function checkProblem(v: number, check: CellCheck, shown: string): string | null {
  if ((check === 'positive' && !(v > 0)) || (check === 'nonzero' && v === 0)) {
    return `value ${clipText(shown, 40)} is ${check === 'positive' ? 'not positive' : 'zero'}, but relative errors need a ${check} target`;
  }
  return null;
}

export function outsideProblem(shown: string, range: ColumnRange): string {
  return `value ${clipText(shown.trim(), 40)} lies outside ${range.what}`;
}

/**
 * A bad row: thrown as `err`, or with skipBadRows counted in the report by
 * problem kind (numbers and quoted text folded, so one kind is one count).
 */
export function recordBadRow(report: ReadReport, options: Pick<ReadOptions, 'skipBadRows'>, err: DataError): void {
  if (!options.skipBadRows) throw err;
  report.skipped++;
  const kind = err.problem.replace(/[-+]?[\d.eE+-]*\d/g, '#').replace(/'.*?'/g, "'…'");
  report.skippedByProblem[kind] = (report.skippedByProblem[kind] ?? 0) + 1;
  if (report.skippedExamples.length < MAX_SKIP_EXAMPLES) report.skippedExamples.push({ file: err.file, line: err.line, column: err.column, problem: err.problem });
}

/** Values of one requested column for a run of rows: data[offset + r·stride] is row r. */
export interface ColumnView {
  /** Always float64: the readers convert narrower types in one typed-array copy, so the loops below see one array type and stay monomorphic. */
  readonly data: Float64Array;
  readonly offset: number;
  readonly stride: number;
  /** Rows whose cell was missing (a Parquet null, stored as NaN): refused as such, not as NaN. */
  readonly missing?: Uint8Array | null;
}

/**
 * The first row in [from, to) whose value fails the cell check or lies
 * outside [lo, hi] (±Infinity when no range applies), or `to`. One tight loop
 * per check kind over a Float64Array: this runs once per value of every file,
 * so it must not call functions or look at anything but the value. v − v is 0
 * exactly for finite v (NaN and ±inf give NaN).
 */
function firstBad(data: Float64Array, offset: number, stride: number, from: number, to: number, check: CellCheck, lo: number, hi: number): number {
  let j = offset + from * stride;
  if (check === 'positive') {
    for (let r = from; r < to; r++, j += stride) {
      const v = data[j];
      if (!(v > 0 && v - v === 0 && v >= lo && v <= hi)) return r;
    }
  } else if (check === 'nonzero') {
    for (let r = from; r < to; r++, j += stride) {
      const v = data[j];
      if (!(v !== 0 && v - v === 0 && v >= lo && v <= hi)) return r;
    }
  } else {
    for (let r = from; r < to; r++, j += stride) {
      const v = data[j];
      if (!(v - v === 0 && v >= lo && v <= hi)) return r;
    }
  }
  return to;
}

/** Rows [from, from + n) of a view into dst[at..]: one memcpy for a contiguous column, else one strided loop. */
function copyColumn(view: ColumnView, from: number, n: number, dst: Float64Array, at: number): void {
  const { data, stride } = view;
  const start = view.offset + from * stride;
  if (stride === 1) {
    dst.set(data.subarray(start, start + n), at);
    return;
  }
  for (let r = 0, j = start; r < n; r++, j += stride) dst[at + r] = data[j];
}

/** Columns → one row-major array (for consumers of RowBlock.values). */
function interleave(columns: readonly Float64Array[], rows: number): Float64Array {
  const k = columns.length;
  const out = new Float64Array(rows * k);
  for (let s = 0; s < k; s++) {
    const col = columns[s];
    for (let r = 0, j = s; r < rows; r++, j += k) out[j] = col[r];
  }
  return out;
}

/**
 * Validates rows handed over as arrays and packs the good ones into RowBlocks
 * of columns (the CSV reader does the same cell by cell on text). Rows are
 * numbered from `first` in the file's unit; `where` names the file (and
 * dataset) in errors.
 *
 * The common case — a run of rows with nothing wrong — costs one check loop
 * and one copy per column. Only a row that fails goes through the row-by-row
 * code that names the problem, in the same order the CSV reader checks
 * (columns in request order; for each: finite, the check, the range).
 */
export class RowSink {
  goodRows = 0;
  skippedRows = 0;
  done = false;

  private readonly nOut: number;
  private readonly blockRows: number;
  private readonly countOutside: boolean;
  /** Per request: the interval a value must lie in to be a good row (±Infinity when none, or when outside values are only counted). */
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly ranged: number[];
  private cols: Float64Array[];
  private blockLines: string[] | null;
  private fill = 0;
  private readonly ready: RowBlock[] = [];
  private readonly spare: Float64Array[][] = [];
  /** The blocks whose full-length column arrays are this sink's own (not views of a reader's buffers), to refill. */
  private readonly owned = new WeakSet<RowBlock>();
  private readonly names: string[];

  constructor(
    private readonly file: string,
    private readonly where: string,
    private readonly format: DataFormat,
    private readonly unit: RowUnit,
    private readonly requests: readonly ColumnRequest[],
    private readonly options: ReadOptions,
    private readonly report: ReadReport,
    private readonly rowsAllowed: number,
  ) {
    this.nOut = requests.length;
    this.blockRows = options.blockRows ?? 65536;
    this.countOutside = options.outsideRange === 'count';
    this.names = requests.map((r) => r.name);
    this.lo = Float64Array.from(requests, (r) => (r.range === undefined || this.countOutside ? -Infinity : r.range.lo));
    this.hi = Float64Array.from(requests, (r) => (r.range === undefined || this.countOutside ? Infinity : r.range.hi));
    this.ranged = this.countOutside ? requests.flatMap((r, s) => (r.range === undefined ? [] : [s])) : [];
    this.cols = this.newColumns();
    this.blockLines = options.keepLines ? [] : null;
  }

  /** Checks rows [0, n) of the views (one per request, in request order); row r is number first + r. */
  add(first: number, n: number, views: readonly ColumnView[]): void {
    // In windows of at most a block, so that a window of good rows can become a block as it is.
    for (let w = 0; w < n && !this.done; w += this.blockRows) this.addWindow(first + w, Math.min(this.blockRows, n - w), shifted(views, w));
  }

  /**
   * add() and take(false) a block's worth of rows at a time, for readers
   * whose buffers hold many blocks (an HDF5 slab, a Parquet page): each
   * block goes to the consumer, and with reuseBlocks back to the spares,
   * before the next is filled, so the sink's own arrays stay one block's
   * worth however large the reader's buffers are.
   */
  *addAndTake(first: number, n: number, views: readonly ColumnView[]): Generator<RowBlock> {
    for (let w = 0; w < n && !this.done; w += this.blockRows) {
      this.addWindow(first + w, Math.min(this.blockRows, n - w), shifted(views, w));
      yield* this.take(false);
    }
  }

  private addWindow(first: number, n: number, views: readonly ColumnView[]): void {
    const nOut = this.nOut;
    const reqs = this.requests;
    // The next bad row of each column at or after r, found once and kept, so a file with many bad rows is still scanned once per column.
    const nextBad = new Float64Array(nOut).fill(-1);
    let r = 0;
    while (r < n && !this.done) {
      let bad = n;
      for (let s = 0; s < nOut; s++) {
        if (nextBad[s] < r) {
          const v = views[s];
          nextBad[s] = firstBad(v.data, v.offset, v.stride, r, n, reqs[s].check, this.lo[s], this.hi[s]);
        }
        if (nextBad[s] < bad) bad = nextBad[s];
      }
      if (r === 0 && bad === n && this.passThrough(n, views)) return;
      this.acceptRun(first, r, Math.min(bad, r + (this.rowsAllowed - this.goodRows)), views);
      if (this.done || bad === n) break;
      this.refuse(first + bad, bad, views);
      r = bad + 1;
    }
  }

  /**
   * A window of good contiguous columns handed out as a block of views, not
   * copied — when the consumer is done with each block before the next is
   * read (reuseBlocks), which is also when the reader overwrites its buffers.
   */
  private passThrough(n: number, views: readonly ColumnView[]): boolean {
    if (!this.options.reuseBlocks || this.fill > 0 || this.blockLines !== null || this.ranged.length > 0 || this.goodRows + n > this.rowsAllowed) return false;
    if (views.some((v) => v.stride !== 1)) return false;
    const columns = views.map((v) => v.data.subarray(v.offset, v.offset + n));
    this.pushBlock(n, columns, null);
    this.goodRows += n;
    this.report.rows += n;
    if (this.goodRows >= this.rowsAllowed) this.done = true;
    return true;
  }

  /** A row the format itself refuses (an LHE event with other particles); skipped or thrown like any bad row. */
  bad(row: number, column: string | null, problem: string): void {
    recordBadRow(this.report, this.options, new DataError(this.where, row, column, problem, this.unit));
    this.skippedRows++;
  }

  /** The blocks filled so far; `final` also hands out a partly filled one. */
  *take(final: boolean): Generator<RowBlock> {
    if (final && this.fill > 0) this.flush();
    while (this.ready.length > 0) {
      const block = this.ready.shift() as RowBlock;
      yield block;
      // With reuseBlocks the consumer is done with it once it asks for the next block.
      if (this.options.reuseBlocks && this.owned.has(block)) this.spare.push(block.columns as Float64Array[]);
    }
  }

  /** Rows [from, to) of the views, all good: copied in runs that fill the blocks. */
  private acceptRun(first: number, from: number, to: number, views: readonly ColumnView[]): void {
    let r = from;
    while (r < to) {
      const m = Math.min(to - r, this.blockRows - this.fill);
      for (let s = 0; s < this.nOut; s++) copyColumn(views[s], r, m, this.cols[s], this.fill);
      if (this.ranged.length > 0) this.countOutsideRows(first + r, m);
      if (this.blockLines !== null) this.addLines(m);
      this.fill += m;
      this.goodRows += m;
      this.report.rows += m;
      r += m;
      if (this.fill === this.blockRows) this.flush();
    }
    if (this.goodRows >= this.rowsAllowed) this.done = true;
  }

  /** With outsideRange 'count': the rows just copied that have a value outside its range (kept, counted, the first one named). */
  private countOutsideRows(firstRow: number, m: number): void {
    const o = this.report.outside;
    for (let i = 0; i < m; i++) {
      for (const s of this.ranged) {
        const v = this.cols[s][this.fill + i];
        const range = this.requests[s].range as ColumnRange;
        if (!(v >= range.lo && v <= range.hi)) {
          o.rows++;
          o.first ??= { file: this.file, line: firstRow + i, column: this.names[s], problem: `outside ${range.what}` };
          break;
        }
      }
    }
  }

  private addLines(m: number): void {
    const lines = this.blockLines as string[];
    for (let i = this.fill; i < this.fill + m; i++) {
      let line = String(this.cols[0][i]);
      for (let s = 1; s < this.nOut; s++) line += ',' + String(this.cols[s][i]);
      lines.push(line);
    }
  }

  /** Row r, which failed a check: the problem, named as the CSV reader names it. */
  private refuse(row: number, r: number, views: readonly ColumnView[]): void {
    for (let s = 0; s < this.nOut; s++) {
      const c = views[s];
      const v = c.data[c.offset + r * c.stride];
      let problem: string | null = null;
      if (v - v !== 0) problem = c.missing?.[r] === 1 ? 'missing (null) value' : v !== v ? 'NaN value' : `infinite value '${v}'`;
      const req = this.requests[s];
      if (problem === null && req.check !== 'finite') problem = checkProblem(v, req.check, String(v));
      if (problem === null && req.range !== undefined && !this.countOutside && !(v >= req.range.lo && v <= req.range.hi)) problem = outsideProblem(String(v), req.range);
      if (problem !== null) {
        this.bad(row, this.names[s], problem);
        return;
      }
    }
    throw new Error(`internal: row ${row} of ${this.where} was flagged but passes every check`);
  }

  private newColumns(): Float64Array[] {
    return this.spare.pop() ?? Array.from({ length: this.nOut }, () => new Float64Array(this.blockRows));
  }

  private flush(): void {
    const rows = this.fill;
    const full = rows === this.blockRows;
    this.pushBlock(rows, full ? this.cols : this.cols.map((c) => c.subarray(0, rows)), this.blockLines);
    if (full) this.owned.add(this.ready[this.ready.length - 1]);
    this.cols = this.newColumns();
    this.blockLines = this.options.keepLines ? [] : null;
    this.fill = 0;
  }

  private pushBlock(rows: number, columns: Float64Array[], lines: string[] | null): void {
    let values: Float64Array | null = null;
    this.ready.push({
      file: this.file,
      format: this.format,
      unit: this.unit,
      header: this.names,
      rows,
      columns,
      get values(): Float64Array {
        values ??= interleave(columns, rows);
        return values;
      },
      lines,
    });
  }
}

/** The views from row w on. */
function shifted(views: readonly ColumnView[], w: number): readonly ColumnView[] {
  return w === 0 ? views : views.map((v) => ({ ...v, offset: v.offset + w * v.stride, missing: v.missing?.subarray(w) ?? null }));
}

/** The slot of each request in a file's header; a missing column is an error naming the header. */
export function slotsIn(where: string, header: readonly string[], requests: readonly ColumnRequest[], unitLabel: string): number[] {
  const index = new Map<string, number>();
  header.forEach((h, i) => index.set(h, i));
  return requests.map((r) => {
    const i = index.get(r.name);
    if (i === undefined) {
      throw new DataError(where, 0, r.name, `required ${unitLabel} '${r.name}' is missing (the file has: ${clipText(header.join(', '), 200)})`, 'file');
    }
    return i;
  });
}
