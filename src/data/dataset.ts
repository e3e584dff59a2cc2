import { readDataBlocks, countRows, newReadReport, type ColumnRange, type ColumnRequest, type FormatOptions, type ReadReport } from './readers/index.js';
import { GrowableF64 } from './growable.js';
import { AmpfitError } from '../util/errors.js';

/** Which columns of the chunk files make up a regression problem. */
export interface DataSpec {
  readonly files: readonly string[];
  /** Input column names; null picks every column named x<number>, in header order. */
  readonly inputs: readonly string[] | null;
  /** The target column — with `born`, the higher-order column to divide by it. */
  readonly target: string;
  /**
   * Paper 1's physics-informed normalisation: regress target/born, where born is
   * the cheap exact tree-level term. Relative errors of the ratio equal those of
   * the target itself, since born is exact.
   */
  readonly born: string | null;
  /** A column of positive sample weights for losses and metrics (XGBoost's and Keras' sample_weight); null: every row counts once. */
  readonly weight?: string | null;
  /**
   * Relative errors need a target that is not zero; a log transform and paper 1's
   * δ need it positive. False allows negative targets (zz8d's f01 changes sign).
   */
  readonly requirePositiveTarget: boolean;
  readonly skipBadRows: boolean;
  readonly maxRows?: number;
  /** The interval each input must lie in (training: the unit cube; eval: the model's domain); null or absent: any finite value. */
  readonly inputRange?: (input: string, index: number) => ColumnRange | null;
  /** A value outside inputRange: a bad row (default) or kept and counted in report.outside. */
  readonly outsideRange?: 'error' | 'count';
  /** Where a file's columns are when its format does not name them (HDF5 dataset, array column names, LHE particles). */
  readonly format?: FormatOptions;
  /** Keep the target column as read (Dataset.target) besides y = target/born (ampfit split writes it back). */
  readonly keepTarget?: boolean;
}

export interface Dataset {
  readonly inputNames: string[];
  /** Input dimension. */
  readonly d: number;
  /** Number of rows. */
  readonly n: number;
  /** n × d, row-major. */
  readonly x: Float64Array;
  /** The regression target in physical units: the target column, or target/born. */
  readonly y: Float64Array;
  /** The born column when the spec has one (needed to turn ratios back into the target). */
  readonly born: Float64Array | null;
  /** The weight column when the spec has one. */
  readonly weight?: Float64Array | null;
  /** The target column as read, with spec.keepTarget and a born column (else null: y is the target). */
  readonly target?: Float64Array | null;
  readonly report: ReadReport;
}

const DEFAULT_INPUT = /^x\d+$/;

export function defaultInputs(header: readonly string[]): string[] {
  return header.filter((h) => DEFAULT_INPUT.test(h));
}

/** The column requests that a data spec makes of a file with this header. */
export function columnRequests(spec: Pick<DataSpec, 'inputs' | 'target' | 'born' | 'weight' | 'requirePositiveTarget' | 'inputRange'>, header: readonly string[]): ColumnRequest[] {
  const inputs = spec.inputs ?? defaultInputs(header);
  if (inputs.length === 0) {
    throw new AmpfitError(`no input columns: the header (${header.join(', ')}) has no x1..xD columns; name them with "inputs"`);
  }
  const weight = spec.weight ?? null;
  for (const name of [spec.target, spec.born, weight]) {
    if (name !== null && inputs.includes(name)) throw new AmpfitError(`column '${name}' cannot be both an input and the target/born/weight`);
  }
  if (weight !== null && (weight === spec.target || weight === spec.born)) throw new AmpfitError(`column '${weight}' cannot be both the weight and the target/born`);
  const targetCheck = spec.requirePositiveTarget ? 'positive' : 'nonzero';
  const requests: ColumnRequest[] = inputs.map((name, i) => {
    const range = spec.inputRange?.(name, i) ?? null;
    return range === null ? { name, check: 'finite' as const } : { name, check: 'finite' as const, range };
  });
  requests.push({ name: spec.target, check: targetCheck });
  // The Born term is a squared amplitude: zero or negative means broken input.
  if (spec.born !== null) requests.push({ name: spec.born, check: 'positive' });
  // A zero or negative weight has no meaning in a squared-error loss (it would reward errors).
  if (weight !== null) requests.push({ name: weight, check: 'positive' });
  return requests;
}

/** Reads every row of the spec's files into memory (streaming, one pass). */
export async function loadDataset(spec: DataSpec): Promise<Dataset> {
  const report = newReadReport();
  let inputNames: string[] = [];
  const hasWeight = (spec.weight ?? null) !== null;
  // Columns after the inputs: target, born, weight.
  const extra = 1 + (spec.born === null ? 0 : 1) + (hasWeight ? 1 : 0);
  const blocks = readDataBlocks(
    spec.files,
    {
      columns: (header) => {
        const requests = columnRequests(spec, header);
        inputNames = requests.slice(0, requests.length - extra).map((r) => r.name);
        return requests;
      },
      skipBadRows: spec.skipBadRows,
      maxRows: spec.maxRows,
      outsideRange: spec.outsideRange,
      format: spec.format,
      reuseBlocks: true,
    },
    report,
  );
  const x = new GrowableF64('inputs');
  const y = new GrowableF64('target');
  const born = spec.born === null ? null : new GrowableF64('born');
  const weight = hasWeight ? new GrowableF64('weight') : null;
  // The binary formats tell their row counts: the arrays are then allocated once, at their final size.
  const planned = await countRows(spec.files, spec.format);
  const expected = planned === null ? null : Math.min(planned, spec.maxRows ?? Infinity);
  let inputCols: number[] = [];
  for await (const block of blocks) {
    const d = inputNames.length;
    if (expected !== null && x.length === 0) {
      x.expect(expected * d);
      y.expect(expected);
      born?.expect(expected);
      weight?.expect(expected);
    }
    const cols = block.columns;
    if (cols !== null) {
      x.appendColumnsAsRows(cols.slice(0, d), block.rows);
      y.appendColumn(cols[d], block.rows);
      if (born !== null) born.appendColumn(cols[d + 1], block.rows);
      if (weight !== null) weight.appendColumn(cols[d + extra - 1], block.rows);
      continue;
    }
    const stride = d + extra;
    if (inputCols.length !== d) inputCols = Array.from({ length: d }, (_, i) => i);
    x.appendRows(block.values, block.rows, stride, inputCols);
    y.appendStrided(block.values, d, stride, block.rows);
    if (born !== null) born.appendStrided(block.values, d + 1, stride, block.rows);
    if (weight !== null) weight.appendStrided(block.values, d + extra - 1, stride, block.rows);
  }
  const yArr = y.finish();
  const bornArr = born === null ? null : born.finish();
  const target = bornArr !== null && spec.keepTarget === true ? yArr.slice() : null;
  if (bornArr !== null) for (let i = 0; i < yArr.length; i++) yArr[i] /= bornArr[i];
  const n = yArr.length;
  if (n === 0) throw new AmpfitError(`no data rows in ${spec.files.join(', ')}`);
  return { inputNames, d: inputNames.length, n, x: x.finish(), y: yArr, born: bornArr, weight: weight?.finish() ?? null, target, report };
}

/** m rows spread evenly through (x, y) (all of them when m ≥ n): a random sample when the rows are already shuffled. */
export function evenlySpacedRows(x: Float64Array, y: Float64Array, d: number, m: number): { x: Float64Array; y: Float64Array } {
  const n = y.length;
  if (m >= n) return { x, y };
  const xs = new Float64Array(m * d);
  const ys = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const r = Math.floor((i * n) / m);
    xs.set(x.subarray(r * d, (r + 1) * d), i * d);
    ys[i] = y[r];
  }
  return { x: xs, y: ys };
}

/** Rows `idx` of an n×d row-major matrix, as a new matrix. */
export function takeRows(x: Float64Array, d: number, idx: Uint32Array): Float64Array {
  const out = new Float64Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) {
    const src = idx[i] * d;
    for (let j = 0; j < d; j++) out[i * d + j] = x[src + j];
  }
  return out;
}

export function take(v: Float64Array, idx: Uint32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = v[idx[i]];
  return out;
}

/**
 * Where row `row` (0-based, over all files) of a dataset came from, as
 * "file:line". Skipped rows make the line unknowable from counts alone, so
 * then the row is named by its place among the file's accepted rows.
 */
export function rowOrigin(report: ReadReport, row: number): string {
  let first = 0;
  for (const f of report.files) {
    if (row < first + f.rows) {
      const k = row - first;
      if (f.skipped > 0) return `${f.path}, accepted data ${f.unit === 'event' ? 'event' : 'row'} ${k + 1} (the file had ${f.skipped} skipped ${f.unit === 'event' ? 'events' : 'rows'})`;
      return f.unit === 'line' ? `${f.path}:${k + 2}` : `${f.path}, ${f.unit} ${k + 1}`;
    }
    first += f.rows;
  }
  return `data row ${row + 1}`;
}
