// What every data reader (CSV, HDF5, Parquet, NumPy, LHE) takes and gives:
// the column requests, the blocks of validated rows, and the read report that
// provenance and error messages are built from. The readers differ only in how
// they find a file's columns; src/data/readers/index.ts picks one per file by
// its first bytes.

/** What a selected column must satisfy; a violation is a bad row. */
export type CellCheck = 'finite' | 'positive' | 'nonzero';

export interface ColumnRequest {
  readonly name: string;
  readonly check: CellCheck;
  /** Values must lie in [lo, hi] (a model's input domain); `what` names the interval in messages. */
  readonly range?: ColumnRange;
}

export interface ColumnRange {
  readonly lo: number;
  readonly hi: number;
  /** e.g. "the unit cube [0, 1]". */
  readonly what: string;
}

/** How rows are counted in messages: CSV lines (header = line 1), array rows from 1, LHE events from 1. */
export type RowUnit = 'line' | 'row' | 'event';

// 'lheh5' is never told by the bytes (they say HDF5): the HDF5 reader recognises its layout.
export const FORMATS = ['csv', 'hdf5', 'parquet', 'npy', 'npz', 'lhe', 'lheh5'] as const;
export type DataFormat = (typeof FORMATS)[number];

/** Where the columns are inside a file whose format does not name them itself. */
export interface FormatOptions {
  /**
   * HDF5: a 2-D dataset (rows × columns) or a group whose 1-D datasets are the
   * columns (default: the root group). NPZ: the member holding a 2-D array.
   */
  readonly dataset?: string | null;
  /** Names of a 2-D array's columns (HDF5 2-D dataset without a names attribute, .npy, a 2-D .npz member). */
  readonly columns?: readonly string[] | null;
  /** LHE and LHEH5: names (and types) of the external particles, incoming first; default p1..pN. */
  readonly particles?: readonly { readonly name: string; readonly type: string }[] | null;
}

export interface ReadOptions {
  /** Columns to extract, or a function choosing them from the first file's header. */
  readonly columns: readonly ColumnRequest[] | ((header: readonly string[]) => readonly ColumnRequest[]);
  /** Skip (and count) bad rows instead of failing on the first one. */
  readonly skipBadRows?: boolean;
  /** Stop after this many good rows in total. */
  readonly maxRows?: number;
  /**
   * Also hand out each row's text (for writers that copy rows through): the
   * raw line for CSV; for the binary formats the requested columns, each
   * written as the shortest decimal that reads back to the same double.
   */
  readonly keepLines?: boolean;
  /** Rows per yielded block (default 65536). */
  readonly blockRows?: number;
  /**
   * The consumer is done with a block (its `columns`) once it asks for the
   * next one, so the readers may refill the same arrays: the block stays in
   * cache and 10^7 rows do not fault in a fresh gigabyte of blocks.
   */
  readonly reuseBlocks?: boolean;
  /** A value outside its column's range: a bad row ('error', the default) or a row kept and counted in the report ('count'). */
  readonly outsideRange?: 'error' | 'count';
  readonly format?: FormatOptions;
}

/** A run of consecutive good rows from one file. */
export interface RowBlock {
  readonly file: string;
  readonly format: DataFormat;
  readonly unit: RowUnit;
  /** The names of the fields in `lines`: the file's header for CSV, the requested columns for the binary formats. */
  readonly header: readonly string[];
  /** Number of rows in the block. */
  readonly rows: number;
  /** rows × (number of requested columns), row-major, in request order (for the binary formats built on first use from `columns`). */
  readonly values: Float64Array;
  /**
   * The same values column by column (columns[s][r], `rows` long), when the
   * reader has them so (the binary formats); null for CSV. A consumer that
   * wants columns reads these and the row-major copy is never made.
   */
  readonly columns: readonly Float64Array[] | null;
  /** The text of each row (without line terminator) when keepLines is set. */
  readonly lines: string[] | null;
}

export interface FileReport {
  readonly path: string;
  readonly format: DataFormat;
  readonly unit: RowUnit;
  /** Size and SHA-256 of the whole file; null when maxRows stopped the read inside it. */
  readonly bytes: number | null;
  readonly sha256: string | null;
  readonly rows: number;
  readonly skipped: number;
}

export interface SkippedRow {
  readonly file: string;
  /** The line, row or event number (see the file's unit). */
  readonly line: number;
  readonly column: string | null;
  readonly problem: string;
}

/** Filled in while reading; complete once the iteration ends. */
export interface ReadReport {
  /** The first file's header. */
  header: string[];
  /** The requested columns. */
  columns: string[];
  files: FileReport[];
  rows: number;
  skipped: number;
  /** Skips counted by problem kind. */
  skippedByProblem: Record<string, number>;
  /** The first few skipped rows, to show the user. */
  skippedExamples: SkippedRow[];
  /** True when maxRows stopped the read before the end of the data. */
  truncated: boolean;
  /** With outsideRange 'count': rows kept although a value lay outside its range, and the first of them. */
  outside: { rows: number; first: SkippedRow | null };
}

export function newReadReport(): ReadReport {
  return { header: [], columns: [], files: [], rows: 0, skipped: 0, skippedByProblem: {}, skippedExamples: [], truncated: false, outside: { rows: 0, first: null } };
}

/** What the file loop hands one format's reader. */
export interface FileContext {
  readonly options: ReadOptions;
  readonly report: ReadReport;
  /** Good rows this file may still give (maxRows less the rows of earlier files). */
  readonly rowsAllowed: number;
  /** The requests for a file with this header (the first file's header fixes them when options.columns is a function). */
  requestsFor(header: readonly string[]): readonly ColumnRequest[];
}

/** What one file gave, once its reader is done. */
export interface FileResult {
  readonly rows: number;
  readonly skipped: number;
  /** maxRows stopped the read inside this file. */
  readonly done: boolean;
  /** Size and hash, when the reader saw every byte anyway (CSV); otherwise the file loop hashes the file. */
  readonly bytes?: number;
  readonly sha256?: string;
  /** The format when the reader found a more specific one than the bytes told (LHEH5 inside HDF5). */
  readonly format?: DataFormat;
}

/** One format: yields the file's blocks and returns its counts. */
export type FileReader = (file: string, ctx: FileContext) => AsyncGenerator<RowBlock, FileResult>;

/** The number of rows (events) a file holds, from its metadata alone; null when only reading it would tell (CSV, LHE). */
export type RowCounter = (file: string, format: FormatOptions | undefined) => Promise<number | null>;
