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
  readonly data: ArrayLike<number>;
  readonly offset: number;
  readonly stride: number;
  /** Rows whose cell was missing (a Parquet null): refused as such, not as NaN. */
  readonly missing?: Uint8Array | null;
}

/**
 * Validates rows handed over as arrays and packs the good ones into RowBlocks
 * (the CSV reader does the same cell by cell on text). Rows are numbered from
 * `first` in the file's unit; `where` names the file (and dataset) in errors.
 */
export class RowSink {
  goodRows = 0;
  skippedRows = 0;
  done = false;

  private readonly nOut: number;
  private readonly blockRows: number;
  private readonly countOutside: boolean;
  private block: Float64Array;
  private blockLines: string[] | null;
  private fill = 0;
  private readonly ready: RowBlock[] = [];
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
    this.block = new Float64Array(this.blockRows * this.nOut);
    this.blockLines = options.keepLines ? [] : null;
  }

  /** Checks rows [0, n) of the views (one per request, in request order); row r is number first + r. */
  add(first: number, n: number, cols: readonly ColumnView[]): void {
    const nOut = this.nOut;
    const reqs = this.requests;
    for (let r = 0; r < n && !this.done; r++) {
      const base = this.fill * nOut;
      const out = this.block;
      let problem: string | null = null;
      let problemSlot = -1;
      let outsideSlot = -1;
      for (let s = 0; s < nOut; s++) {
        const c = cols[s];
        const v = c.data[c.offset + r * c.stride];
        if (v - v !== 0) {
          problem = c.missing?.[r] === 1 ? 'missing (null) value' : v !== v ? 'NaN value' : `infinite value '${v}'`;
          problemSlot = s;
          break;
        }
        const req = reqs[s];
        if (req.check !== 'finite') {
          problem = checkProblem(v, req.check, String(v));
          if (problem !== null) {
            problemSlot = s;
            break;
          }
        }
        const range = req.range;
        if (range !== undefined && !(v >= range.lo && v <= range.hi)) {
          if (!this.countOutside) {
            problem = outsideProblem(String(v), range);
            problemSlot = s;
            break;
          }
          if (outsideSlot < 0) outsideSlot = s;
        }
        out[base + s] = v;
      }
      if (problem !== null) {
        this.bad(first + r, this.names[problemSlot], problem);
        continue;
      }
      if (outsideSlot >= 0) {
        const o = this.report.outside;
        o.rows++;
        o.first ??= { file: this.file, line: first + r, column: this.names[outsideSlot], problem: `outside ${(reqs[outsideSlot].range as ColumnRange).what}` };
      }
      if (this.blockLines !== null) {
        let line = String(out[base]);
        for (let s = 1; s < nOut; s++) line += ',' + String(out[base + s]);
        this.blockLines.push(line);
      }
      this.accept();
    }
  }

  /** A row the format itself refuses (an LHE event with other particles); skipped or thrown like any bad row. */
  bad(row: number, column: string | null, problem: string): void {
    recordBadRow(this.report, this.options, new DataError(this.where, row, column, problem, this.unit));
    this.skippedRows++;
  }

  /** The blocks filled so far; `final` also hands out a partly filled one. */
  *take(final: boolean): Generator<RowBlock> {
    if (final && this.fill > 0) this.flush();
    while (this.ready.length > 0) yield this.ready.shift() as RowBlock;
  }

  private accept(): void {
    this.goodRows++;
    this.report.rows++;
    this.fill++;
    if (this.fill === this.blockRows) this.flush();
    if (this.goodRows >= this.rowsAllowed) this.done = true;
  }

  private flush(): void {
    this.ready.push({
      file: this.file,
      format: this.format,
      unit: this.unit,
      header: this.names,
      rows: this.fill,
      values: this.fill === this.blockRows ? this.block : this.block.slice(0, this.fill * this.nOut),
      lines: this.blockLines,
    });
    this.block = new Float64Array(this.blockRows * this.nOut);
    this.blockLines = this.options.keepLines ? [] : null;
    this.fill = 0;
  }
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
