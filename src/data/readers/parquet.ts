// Parquet files through hyparquet (pure JavaScript, no native build), with
// hyparquet-compressors for the codecs other writers use (zstd, gzip, brotli,
// lz4; snappy through its WebAssembly build). Only the requested columns are
// read, one row group at a time, so memory stays at one row group. Columns
// must be flat numbers: DOUBLE as stored, FLOAT and INT32 exactly, INT64 where
// the value is an exact double (|v| ≤ 2^53); a null cell is a bad row.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parquetMetadataAsync, parquetRead, type AsyncBuffer, type ColumnData, type FileMetaData, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { AmpfitError, DataError } from '../../util/errors.js';
import { RowSink, slotsIn, type ColumnView } from './rows.js';
import type { FileContext, FileResult, RowBlock } from './types.js';

const NUMERIC = new Set(['DOUBLE', 'FLOAT', 'INT32', 'INT64']);
/** Converted types that are plain integers; any other (DECIMAL, DATE, TIMESTAMP, …) is not a number to train on. */
const INTEGER_CONVERSIONS = new Set(['INT_8', 'INT_16', 'INT_32', 'INT_64', 'UINT_8', 'UINT_16', 'UINT_32', 'UINT_64']);
const LIMIT = 2 ** 53;

/**
 * The file as hyparquet's AsyncBuffer: each slice (a column chunk, the
 * footer) is one positioned read into a fresh ArrayBuffer. hyparquet's own
 * asyncBufferFromFile streams 64 KB pieces and concatenates them, a second
 * copy of every byte; this one is measured a tenth of the load faster.
 */
function fileBuffer(file: string): { buffer: AsyncBuffer; close(): void } {
  const fd = openSync(file, 'r');
  const byteLength = fstatSync(fd).size;
  const slice = (start: number, end = byteLength): ArrayBuffer => {
    const out = new Uint8Array(Math.max(end - start, 0));
    for (let off = 0; off < out.length; ) {
      const n = readSync(fd, out, off, out.length - off, start + off);
      if (n === 0) throw new AmpfitError(`${file}: the file ends at byte ${start + off}, inside a Parquet column chunk (truncated?)`);
      off += n;
    }
    return out.buffer;
  };
  return { buffer: { byteLength, slice: (start, end) => slice(start, end) }, close: () => closeSync(fd) };
}

export async function* readParquetFile(file: string, ctx: FileContext): AsyncGenerator<RowBlock, FileResult> {
  const { buffer, close } = fileBuffer(file);
  try {
    return yield* readParquet(file, ctx, buffer);
  } finally {
    close();
  }
}

async function* readParquet(file: string, ctx: FileContext, buffer: AsyncBuffer): AsyncGenerator<RowBlock, FileResult> {
  let metadata: FileMetaData;
  try {
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
  const scratch = names.map(() => new Float64Array(0));
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
    for (const seg of segments(names.map((name) => chunks.get(name) ?? []), start, end, file, names, scratch)) {
      yield* sink.addAndTake(seg.first + 1, seg.rows, seg.views);
      if (sink.done) break;
    }
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

/**
 * The rows [start, end) of a row group as runs over which every column is one
 * contiguous array: a DOUBLE page as hyparquet decoded it (no copy; pages of
 * different columns need not end on the same rows, so runs end wherever any
 * column's page does), or the column converted to float64 as a whole (other
 * types, nulls) into its reusable scratch array. Read by the sink before the
 * next row group is decoded.
 */
function* segments(chunks: readonly (readonly ColumnData[])[], start: number, end: number, file: string, names: readonly string[], scratch: Float64Array[]): Generator<{ first: number; rows: number; views: ColumnView[] }> {
  const direct = chunks.map((list) => list.length > 0 && list.every((c) => c.columnData instanceof Float64Array) && covers(list, start, end));
  const whole = chunks.map((list, j) => (direct[j] ? null : columnRange(list, start, end, file, names[j], scratch, j)));
  const sorted = chunks.map((list, j) => (direct[j] ? [...list].sort((p, q) => p.rowStart - q.rowStart) : []));
  const at = chunks.map(() => 0);
  let r = start;
  while (r < end) {
    let next = end;
    const views: ColumnView[] = chunks.map((_, j) => {
      const w = whole[j];
      if (w !== null) return { data: w.data, offset: r - start, stride: 1, missing: w.missing?.subarray(r - start) ?? null };
      const list = sorted[j];
      while (list[at[j]].rowEnd <= r) at[j]++;
      const c = list[at[j]];
      next = Math.min(next, c.rowEnd);
      return { data: c.columnData as Float64Array, offset: r - c.rowStart, stride: 1 };
    });
    yield { first: r, rows: next - r, views };
    r = next;
  }
}

/** The chunks cover [start, end) without gaps or overlaps. */
function covers(list: readonly ColumnData[], start: number, end: number): boolean {
  const sorted = [...list].sort((p, q) => p.rowStart - q.rowStart);
  let r = start;
  for (const c of sorted) {
    if (c.rowStart !== r || c.rowEnd <= c.rowStart || (c.columnData as ArrayLike<unknown>).length < c.rowEnd - c.rowStart) return false;
    r = c.rowEnd;
  }
  return r === end;
}

/** Rows [start, end) of one column from its decoded chunks, as float64 with nulls marked, in the column's scratch array. */
function columnRange(chunks: readonly ColumnData[], start: number, end: number, file: string, name: string, scratch: Float64Array[], j: number): { data: Float64Array; missing: Uint8Array | null } {
  if (scratch[j].length < end - start) scratch[j] = new Float64Array(end - start);
  const out = scratch[j].subarray(0, end - start);
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
  return { data: out, missing };
}

/** The rows of a Parquet file, from its footer. */
export async function parquetRowCount(file: string): Promise<number | null> {
  const { buffer, close } = fileBuffer(file);
  try {
    return Number((await parquetMetadataAsync(buffer)).num_rows);
  } finally {
    close();
  }
}
