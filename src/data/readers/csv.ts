// Streaming reader for the numeric CSV(.gz) chunks physicists produce.
//
// Written by hand rather than with csv-parse/papaparse: those build an array of
// strings per row and handle quoting we do not need, and measured here they are
// several times slower than this loop (bench/load.ts runs both). The
// format is narrow — a header line, then rows of numbers separated by commas —
// and every cell must be validated with its file, line and column anyway.
// Every cell goes through the one strict number syntax of src/data/number.ts
// (Number() rounds correctly, but its syntax is far too lenient for data).
// Files are UTF-8 (a byte sequence that is not is an error), so text columns
// that predict copies through come out as they went in.

import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { DataError, AmpfitError } from '../../util/errors.js';
import { describeBadNumber, parseCellNumber, parseStrictNumber } from '../number.js';
import { clipText } from '../../util/text.js';
import { checkProblem, outsideProblem, recordBadRow } from './rows.js';
import type { CellCheck, ColumnRange, ColumnRequest, FileContext, FileResult, ReadOptions, ReadReport, RowBlock } from './types.js';

const READ_CHUNK = 1 << 20;
/** A header longer than this is not a header (a binary file, or a file without newlines). */
const MAX_HEADER_BYTES = 1 << 20;
/** How much of a header an error message lists. */
const HEADER_SHOWN = 200;

/**
 * Reads one CSV(.gz) file and yields blocks of validated rows. A bad row
 * throws a DataError naming file, line and column — or, with skipBadRows, is
 * skipped and counted in the report.
 */
export async function* readCsvFile(file: string, ctx: FileContext): AsyncGenerator<RowBlock, FileResult> {
  const { options, report } = ctx;
  const parser = new FileParser(file, options, report, ctx.rowsAllowed);
  const hash = createHash('sha256');
  let bytes = 0;
  const raw = createReadStream(file, { highWaterMark: READ_CHUNK });
  raw.on('data', (chunk) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  let source: Readable = raw;
  if (isGzip(file)) {
    const gunzip = createGunzip({ chunkSize: READ_CHUNK });
    raw.on('error', (e) => gunzip.destroy(e));
    source = raw.pipe(gunzip);
  }
  const onHeader = (header: readonly string[]): void => parser.select(ctx.requestsFor(header));
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (parser.header === null) {
        parser.feedHeader(chunk);
        if (parser.header !== null) {
          onHeader(parser.header);
          parser.feedRest();
        }
      } else {
        parser.feed(chunk);
      }
      yield* parser.takeBlocks(false);
      if (parser.done) break;
    }
  } catch (e) {
    raw.destroy();
    if (e instanceof DataError || e instanceof AmpfitError) throw e;
    throw new AmpfitError(`${file}: cannot read: ${(e as Error).message}`);
  }
  if (parser.done) {
    raw.destroy();
  } else {
    // A header line without a final newline is still a header.
    if (parser.header === null && parser.hasPendingHeader()) {
      parser.feedHeader(Buffer.from('\n'));
      // (TypeScript keeps the narrowing to null across the call above.)
      const header = parser.header as readonly string[] | null;
      if (header !== null) onHeader(header);
    }
    parser.finish();
  }
  yield* parser.takeBlocks(true);
  if (parser.header === null) throw new DataError(file, 1, null, 'file is empty: a header line is required');
  const result = { rows: parser.goodRows, skipped: parser.skippedRows, done: parser.done };
  return parser.done ? result : { ...result, bytes, sha256: hash.digest('hex') };
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    const n = readSync(fd, magic, 0, 2, 0);
    return n === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Parses one file's text incrementally; holds the partial last line between chunks. */
class FileParser {
  header: string[] | null = null;
  goodRows = 0;
  skippedRows = 0;
  done = false;

  private pending = '';
  private headerBytes: Buffer[] = [];
  private headerLength = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private lineNo = 1; // header is line 1
  private nCols = 0;
  /** For each file column, its slot in the output row, or -1 if not requested. */
  private slotOf: Int32Array = new Int32Array(0);
  private checks: CellCheck[] = [];
  private ranges: (ColumnRange | null)[] = [];
  private readonly countOutside: boolean;
  private names: string[] = [];
  private nOut = 0;
  private readonly blockRows: number;
  private block: Float64Array = new Float64Array(0);
  private blockLines: string[] | null = null;
  private blockFill = 0;
  private readonly ready: RowBlock[] = [];

  constructor(
    private readonly file: string,
    private readonly options: ReadOptions,
    private readonly report: ReadReport,
    private readonly rowsAllowed: number,
  ) {
    this.blockRows = options.blockRows ?? 65536;
    this.countOutside = options.outsideRange === 'count';
  }

  feedHeader(chunk: Buffer): void {
    const nl = chunk.indexOf(10);
    if (nl < 0) {
      this.headerBytes.push(chunk);
      this.headerLength += chunk.length;
      if (this.headerLength > MAX_HEADER_BYTES) this.refuseHeader(`no line end in the first ${MAX_HEADER_BYTES.toLocaleString('en-US')} bytes: not a CSV file with a header line`);
      return;
    }
    this.headerBytes.push(chunk.subarray(0, nl));
    this.headerLength += nl;
    if (this.headerLength > MAX_HEADER_BYTES) this.refuseHeader(`header line is ${this.headerLength.toLocaleString('en-US')} bytes long: not a CSV file with a header line`);
    const bytes = Buffer.concat(this.headerBytes);
    if (bytes.includes(0)) this.refuseHeader('the header line holds NUL bytes: a binary file, not CSV text');
    const text = this.decode(bytes, true).replace(/\r$/, '').replace(/^\uFEFF/, '');
    this.header = text.split(',').map((s) => unquoteName(s.trim()));
    this.headerBytes = [];
    this.pending = this.decode(chunk.subarray(nl + 1), false);
  }

  private refuseHeader(problem: string): never {
    throw new DataError(this.file, 1, null, problem);
  }

  /** UTF-8 → text, across chunk boundaries; bytes that are not UTF-8 are an error (they would be garbled in predict's output). */
  private decode(bytes: Buffer, flush: boolean): string {
    try {
      return this.decoder.decode(bytes, { stream: !flush });
    } catch {
      throw new DataError(this.file, this.lineNo + 1, null, `bytes that are not UTF-8 text at or after this line (ampfit reads CSV files as UTF-8)`);
    }
  }

  select(requests: readonly ColumnRequest[]): void {
    const header = this.header as string[];
    const seen = new Map<string, number>();
    header.forEach((name, i) => {
      if (name === '') throw new DataError(this.file, 1, null, `header column ${i + 1} has an empty name`);
      // A number where a name belongs: the file has no header line (or lost the header's line end).
      if (!Number.isNaN(parseStrictNumber(name))) {
        throw new DataError(this.file, 1, null, `header column ${i + 1} is the number '${clipText(name, 40)}', not a name: the first line must be a header naming the columns`);
      }
      if (seen.has(name)) {
        throw new DataError(this.file, 1, clipText(name, HEADER_SHOWN), `header names column '${clipText(name, HEADER_SHOWN)}' twice (columns ${seen.get(name)! + 1} and ${i + 1})`);
      }
      seen.set(name, i);
    });
    this.nCols = header.length;
    this.slotOf = new Int32Array(this.nCols).fill(-1);
    this.nOut = requests.length;
    this.checks = new Array<CellCheck>(this.nCols).fill('finite');
    this.ranges = new Array<ColumnRange | null>(this.nCols).fill(null);
    this.names = header.slice();
    requests.forEach((r, slot) => {
      const i = seen.get(r.name);
      if (i === undefined) {
        throw new DataError(this.file, 1, r.name, `required column '${r.name}' is missing (header has: ${clipText(header.join(', '), HEADER_SHOWN)})`);
      }
      if (this.slotOf[i] >= 0) throw new AmpfitError(`column '${r.name}' is requested twice`);
      this.slotOf[i] = slot;
      this.checks[i] = r.check;
      this.ranges[i] = r.range ?? null;
    });
    this.newBlock();
  }

  feedRest(): void {
    this.parse(false);
  }

  feed(chunk: Buffer): void {
    this.pending += this.decode(chunk, false);
    this.parse(false);
  }

  hasPendingHeader(): boolean {
    return this.headerBytes.some((b) => b.length > 0);
  }

  finish(): void {
    if (this.header === null) return;
    this.pending += this.decode(Buffer.alloc(0), true);
    this.parse(true);
  }

  *takeBlocks(final: boolean): Generator<RowBlock> {
    if (final && this.blockFill > 0) this.flushBlock();
    while (this.ready.length > 0) yield this.ready.shift() as RowBlock;
  }

  private newBlock(): void {
    this.block = new Float64Array(this.blockRows * this.nOut);
    this.blockLines = this.options.keepLines ? [] : null;
    this.blockFill = 0;
  }

  private flushBlock(): void {
    this.ready.push({
      file: this.file,
      format: 'csv',
      unit: 'line',
      header: this.header as string[],
      rows: this.blockFill,
      values: this.blockFill === this.blockRows ? this.block : this.block.slice(0, this.blockFill * this.nOut),
      columns: null,
      lines: this.blockLines,
    });
    this.newBlock();
  }

  /** Parses all complete lines in `pending` (and the final unterminated one if last). */
  private parse(last: boolean): void {
    const text = this.pending;
    const len = text.length;
    const nCols = this.nCols;
    const slotOf = this.slotOf;
    const nOut = this.nOut;
    let pos = 0;
    while (pos < len && !this.done) {
      let end = text.indexOf('\n', pos);
      if (end < 0) {
        if (!last) break;
        end = len;
      }
      this.lineNo++;
      let lineEnd = end;
      if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      if (lineEnd === pos) {
        // A blank last line is just the file's final newline; a blank line
        // inside the data is a row with no cells. Whether this one is last is
        // known only once the next chunk arrives.
        if (end >= len - 1 && !last) {
          this.lineNo--;
          break;
        }
        if (end >= len - 1) {
          pos = end + 1;
          continue;
        }
        this.bad(null, 'empty line (expected ' + nCols + ' columns)');
        pos = end + 1;
        continue;
      }
      const base = this.blockFill * nOut;
      const out = this.block;
      let a = pos;
      let col = 0;
      let problem: string | null = null;
      let problemCol = -1;
      let outsideCol = -1;
      for (; col < nCols; col++) {
        let b: number;
        if (col < nCols - 1) {
          b = text.indexOf(',', a);
          if (b < 0 || b > lineEnd) break;
        } else {
          b = lineEnd;
          const extra = text.indexOf(',', a);
          if (extra >= 0 && extra < lineEnd) {
            problem = `wrong column count: more than the header's ${nCols} columns`;
            break;
          }
        }
        const slot = slotOf[col];
        if (slot >= 0) {
          const v = parseCellNumber(text, a, b);
          if (v !== v) {
            problem = describeBadNumber(text.slice(a, b));
            problemCol = col;
            break;
          }
          const check = this.checks[col];
          if (check !== 'finite') {
            problem = checkProblem(v, check, text.slice(a, b));
            if (problem !== null) {
              problemCol = col;
              break;
            }
          }
          const range = this.ranges[col];
          if (range !== null && !(v >= range.lo && v <= range.hi)) {
            if (!this.countOutside) {
              problem = outsideProblem(text.slice(a, b), range);
              problemCol = col;
              break;
            }
            if (outsideCol < 0) outsideCol = col;
          }
          out[base + slot] = v;
        }
        a = b + 1;
      }
      if (problem === null && col < nCols) {
        problem = `wrong column count: found ${col + 1}, header has ${nCols}`;
      }
      if (problem !== null) {
        this.bad(problemCol >= 0 ? this.names[problemCol] : null, problem);
        pos = end + 1;
        continue;
      }
      if (outsideCol >= 0) this.noteOutside(outsideCol);
      if (this.blockLines !== null) this.blockLines.push(text.slice(pos, lineEnd));
      this.goodRows++;
      this.report.rows++;
      this.blockFill++;
      if (this.blockFill === this.blockRows) this.flushBlock();
      if (this.goodRows >= this.rowsAllowed) this.done = true;
      pos = end + 1;
    }
    this.pending = pos >= len ? '' : text.slice(pos);
  }

  private noteOutside(col: number): void {
    const o = this.report.outside;
    o.rows++;
    o.first ??= { file: this.file, line: this.lineNo, column: this.names[col], problem: `outside ${(this.ranges[col] as ColumnRange).what}` };
  }

  private bad(column: string | null, problem: string): void {
    recordBadRow(this.report, this.options, new DataError(this.file, this.lineNo, column, problem));
    this.skippedRows++;
  }
}

/** R's write.csv quotes header names ("x1","x2"): a name in double quotes is the text inside, with "" for one quote. */
function unquoteName(name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) return name.slice(1, -1).replace(/""/g, '"');
  return name;
}
