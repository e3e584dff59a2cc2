// Parquet files through hyparquet (pure JavaScript, no native build), with
// hyparquet-compressors for the codecs other writers use (zstd, gzip, brotli,
// lz4; snappy through its WebAssembly build). Only the requested columns are
// read, one row group at a time, so memory stays at one row group. Columns
// must be flat numbers: DOUBLE as stored, FLOAT and INT32 exactly, INT64 where
// the value is an exact double (|v| ≤ 2^53); a null cell is a bad row.

import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, type ColumnData, type FileMetaData, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { AmpfitError, DataError } from '../../util/errors.js';
import { RowSink, slotsIn, type ColumnView } from './rows.js';
import type { FileContext, FileResult, RowBlock } from './types.js';

const NUMERIC = new Set(['DOUBLE', 'FLOAT', 'INT32', 'INT64']);
/** Converted types that are plain integers; any other (DECIMAL, DATE, TIMESTAMP, …) is not a number to train on. */
const INTEGER_CONVERSIONS = new Set(['INT_8', 'INT_16', 'INT_32', 'INT_64', 'UINT_8', 'UINT_16', 'UINT_32', 'UINT_64']);
const LIMIT = 2 ** 53;

export async function* readParquetFile(file: string, ctx: FileContext): AsyncGenerator<RowBlock, FileResult> {
  let metadata: FileMetaData;
  let buffer;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw new AmpfitError(`${file}: cannot read as Parquet: ${(e as Error).message}`);
  }
  const leaves = flatColumns(metadata.schema, file);
  const header = leaves.map((l) => l.name);
  const requests = ctx.requestsFor(header);
  const picked = slotsIn(file, header, requests, 'column').map((i) => leaves[i]);
  for (const leaf of picked) {
    const type = leaf.type ?? '?';
    const conv = leaf.converted_type;
    if (!NUMERIC.has(type) || (conv !== undefined && !INTEGER_CONVERSIONS.has(conv)) || (leaf.logical_type !== undefined && leaf.logical_type.type !== 'INTEGER')) {
      const logical = leaf.logical_type?.type ?? conv;
      throw new DataError(file, 0, leaf.name, `Parquet type ${type}${logical === undefined ? '' : ` (${logical})`} is not a number ampfit reads (DOUBLE, FLOAT, INT32, INT64)`, 'file');
    }
  }
  const names = picked.map((l) => l.name);
  const sink = new RowSink(file, file, 'parquet', 'row', requests, ctx.options, ctx.report, ctx.rowsAllowed);
  let start = 0;
  for (const group of metadata.row_groups) {
    if (sink.done) break;
    const end = start + Number(group.num_rows);
    const chunks = new Map<string, ColumnData[]>();
    try {
      await parquetRead({
        file: buffer,
        metadata,
        columns: [...new Set(names)],
        rowStart: start,
        rowEnd: end,
        compressors,
        onChunk: (c) => {
          const list = chunks.get(c.columnName) ?? [];
          list.push(c);
          chunks.set(c.columnName, list);
        },
      });
    } catch (e) {
      throw new AmpfitError(`${file}: cannot read rows ${start + 1}..${end}: ${(e as Error).message}`);
    }
    const views: ColumnView[] = names.map((name) => columnRange(chunks.get(name) ?? [], start, end, file, name));
    sink.add(start + 1, end - start, views);
    yield* sink.take(false);
    start = end;
  }
  yield* sink.take(true);
  return { rows: sink.goodRows, skipped: sink.skippedRows, done: sink.done };
}

/** The leaf columns of a flat schema; nested columns (lists, structs) are not a table of numbers. */
function flatColumns(schema: readonly SchemaElement[], file: string): SchemaElement[] {
  const root = schema[0];
  const leaves = schema.slice(1);
  if (leaves.some((s) => (s.num_children ?? 0) > 0) || leaves.length !== (root.num_children ?? leaves.length)) {
    throw new AmpfitError(`${file}: nested Parquet columns (lists, structs) are not read; write one flat numeric column per variable`);
  }
  return leaves;
}

/** Rows [start, end) of one column from its decoded chunks, as float64 with nulls marked. */
function columnRange(chunks: readonly ColumnData[], start: number, end: number, file: string, name: string): ColumnView {
  if (chunks.length === 1 && chunks[0].rowStart === start && chunks[0].rowEnd === end && chunks[0].columnData instanceof Float64Array) {
    return { data: chunks[0].columnData, offset: 0, stride: 1 };
  }
  const out = new Float64Array(end - start);
  const covered = new Uint8Array(end - start);
  let missing: Uint8Array | null = null;
  for (const c of chunks) {
    const data = c.columnData;
    const a = Math.max(c.rowStart, start);
    const b = Math.min(c.rowEnd, end);
    if (b <= a) continue;
    covered.fill(1, a - start, b - start);
    // Pages of a required column decode to typed arrays: one conversion copy each, exact for float32 and int32.
    if (data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array) {
      out.set(data.subarray(a - c.rowStart, b - c.rowStart), a - start);
      continue;
    }
    const values = data as ArrayLike<unknown>;
    for (let r = a; r < b; r++) {
      const v = values[r - c.rowStart];
      const k = r - start;
      if (typeof v === 'number') out[k] = v;
      else if (typeof v === 'bigint') {
        if (v > BigInt(LIMIT) || v < -BigInt(LIMIT)) throw new DataError(file, r + 1, name, `64-bit integer ${v} is beyond 2^53 and has no exact float64 value`, 'row');
        out[k] = Number(v);
      } else if (v === null || v === undefined) {
        missing ??= new Uint8Array(end - start);
        missing[k] = 1;
        out[k] = NaN;
      } else {
        throw new DataError(file, r + 1, name, `value of type ${typeof v} is not a number`, 'row');
      }
    }
  }
  const gap = covered.indexOf(0);
  if (gap >= 0) throw new AmpfitError(`${file}: column '${name}': hyparquet returned no value for row ${start + gap + 1}`);
  return { data: out, offset: 0, stride: 1, missing };
}

/** The rows of a Parquet file, from its footer. */
export async function parquetRowCount(file: string): Promise<number | null> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
  return Number(metadata.num_rows);
}
