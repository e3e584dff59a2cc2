// Errors a user can act on. The CLI prints their message alone (no stack) and
// exits with status 2; anything else is a bug and keeps its stack.

export class AmpfitError extends Error {
  override readonly name: string = 'AmpfitError';
}

/**
 * A bad cell or row of an input file, located by file, 1-based line (CSV;
 * header = line 1), row (arrays: HDF5, Parquet, NumPy) or event (LHE), and
 * column; 'file' for a problem of the file as a whole (a missing dataset).
 */
export class DataError extends AmpfitError {
  override readonly name = 'DataError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: string | null,
    readonly problem: string,
    readonly unit: 'line' | 'row' | 'event' | 'file' = 'line',
  ) {
    super(`${file}${unit === 'line' ? `:${line}` : unit === 'file' ? '' : `, ${unit} ${line}`}${column === null ? '' : `, column '${column}'`}: ${problem}`);
  }
}

/**
 * A row of a batch that a model refuses (a momentum check, a reflected input
 * outside [0, 1]); `row` is its index in the batch. Callers that know where the
 * batch came from turn it into a DataError with file and line.
 */
export class RowError extends AmpfitError {
  override readonly name: string = 'RowError';
  constructor(
    readonly row: number,
    readonly column: string | null,
    readonly problem: string,
    /** The input's index when the refusing code knows no column names. */
    readonly inputIndex: number | null = null,
  ) {
    super(`row ${row + 1}${column === null ? '' : `, column '${column}'`}: ${problem}`);
  }
}

/** A configuration value that cannot be used; `path` is the key, e.g. "data.target". */
export class ConfigError extends AmpfitError {
  override readonly name = 'ConfigError';
}

/** A model file that fails one of its checks; the message says which. */
export class ModelFileError extends AmpfitError {
  override readonly name = 'ModelFileError';
}

/** A run stopped by a signal after saving what it had; the CLI exits 128 + the signal's number. */
export class InterruptedError extends AmpfitError {
  override readonly name = 'InterruptedError';
  constructor(readonly signal: NodeJS.Signals, message: string) {
    super(message);
  }
}
