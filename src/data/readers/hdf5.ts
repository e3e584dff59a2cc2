// HDF5 files through h5wasm (the HDF5 C library compiled to WebAssembly; its
// Node build reads the host file system directly, so nothing is copied into a
// virtual file system first). Two layouts:
//   - a group (default: the root) whose 1-D datasets are the columns, named
//     by the dataset ("data.dataset": "/events" → /events/x1, /events/f01, …);
//   - one 2-D dataset, rows × columns ("data.dataset": "/train"), whose
//     columns are named by "data.columns" or by a string-array attribute
//     "columns" (or "column_names") on the dataset.
// Rows are read in hyperslabs of 65 536, so memory stays constant. float64 is
// read as stored; float32 and integers up to 32 bits convert exactly; int64
// values beyond 2^53 are refused by row.

import { AmpfitError, DataError } from '../../util/errors.js';
import { h5wasm, type H5 } from '../../util/h5wasm.js';
import { exactFromBigInt } from './npy.js';
import { RowSink, slotsIn, type ColumnView } from './rows.js';
import type { FileContext, FileResult, RowBlock } from './types.js';

type H5Dataset = InstanceType<H5['Dataset']>;
type H5Group = InstanceType<H5['Group']>;

const BLOCK = 65536;
const NAME_ATTRIBUTES = ['columns', 'column_names'];

/** A numeric dataset's element type, or the reason it is refused. */
function numericKind(ds: H5Dataset): 'float' | 'int' | 'bigint' | string {
  const m = ds.metadata;
  // h5wasm's type codes are HDF5's H5T_class_t: 0 integer, 1 float.
  if (m.type === 1 && (m.size === 8 || m.size === 4)) return 'float';
  if (m.type === 0 && m.size <= 4) return 'int';
  if (m.type === 0 && m.size === 8) return 'bigint';
  return `type class ${m.type}, ${m.size} bytes (${String(ds.dtype)}): ampfit reads float64, float32 and integers`;
}

interface Hdf5Column {
  readonly name: string;
  readonly dataset: H5Dataset;
  /** 2-D: the column's index; 1-D: -1. */
  readonly col: number;
}

function attributeNames(ds: H5Dataset): string[] | null {
  for (const key of NAME_ATTRIBUTES) {
    const a = ds.attrs[key];
    if (a === undefined) continue;
    const v = a.value;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    if (typeof v === 'string') return [v];
  }
  return null;
}

export async function* readHdf5File(file: string, ctx: FileContext): AsyncGenerator<RowBlock, FileResult> {
  const h5 = await h5wasm();
  let f: InstanceType<H5['File']>;
  try {
    f = new h5.File(file, 'r');
  } catch (e) {
    throw new AmpfitError(`${file}: cannot open as HDF5: ${(e as Error).message}`);
  }
  try {
    const path = ctx.options.format?.dataset ?? '/';
    const entity = path === '/' ? f : f.get(path);
    if (entity === null) throw new DataError(file, 0, null, `no dataset or group '${path}' (the file has: ${f.keys().join(', ')})`, 'file');
    let columns: Hdf5Column[];
    let rows: number;
    let where: string;
    if (entity instanceof h5.Dataset) {
      where = `${file}, dataset ${path}`;
      const shape = entity.shape ?? [];
      if (shape.length !== 2) throw new DataError(where, 0, null, `shape (${shape.join(', ')}): a dataset read as a table must be 2-D (rows × columns); name a group of 1-D column datasets instead`, 'file');
      const names = ctx.options.format?.columns ?? attributeNames(entity);
      if (names === null) throw new DataError(where, 0, null, `its ${shape[1]} columns have no names (no 'columns' attribute); give them with "data.columns"`, 'file');
      if (names.length !== shape[1]) throw new DataError(where, 0, null, `${names.length} column names for ${shape[1]} columns`, 'file');
      rows = shape[0];
      columns = names.map((name, col) => ({ name, dataset: entity, col }));
    } else if (entity instanceof h5.Group) {
      where = file;
      ({ columns, rows } = groupColumns(h5, entity, file, path));
    } else {
      throw new DataError(file, 0, null, `'${path}' is neither a dataset nor a group`, 'file');
    }
    const header = columns.map((c) => c.name);
    const requests = ctx.requestsFor(header);
    const picked = slotsIn(where, header, requests, entity instanceof h5.Dataset ? 'column' : 'column dataset').map((i) => columns[i]);
    for (const c of picked) {
      const kind = numericKind(c.dataset);
      if (kind !== 'float' && kind !== 'int' && kind !== 'bigint') throw new DataError(where, 0, c.name, kind, 'file');
      if (c.col < 0 && (c.dataset.shape ?? [])[0] !== rows) throw new DataError(where, 0, c.name, `${(c.dataset.shape ?? [])[0]} rows, the other columns ${rows}`, 'file');
    }
    const sink = new RowSink(file, where, 'hdf5', 'row', requests, ctx.options, ctx.report, ctx.rowsAllowed);
    for (let a = 0; a < rows && !sink.done; a += BLOCK) {
      const b = Math.min(rows, a + BLOCK, a + Math.max(ctx.rowsAllowed - sink.goodRows, 1));
      const slabs = new Map<H5Dataset, ArrayLike<number>>();
      const views: ColumnView[] = picked.map((c) => {
        let data = slabs.get(c.dataset);
        if (data === undefined) {
          data = slab(c.dataset, a, b, where, c.name);
          slabs.set(c.dataset, data);
        }
        return c.col < 0 ? { data, offset: 0, stride: 1 } : { data, offset: c.col, stride: (c.dataset.shape as number[])[1] };
      });
      sink.add(a + 1, b - a, views);
      yield* sink.take(false);
    }
    yield* sink.take(true);
    return { rows: sink.goodRows, skipped: sink.skippedRows, done: sink.done };
  } finally {
    f.close();
  }
}

/** Rows [a, b) of a 1-D or 2-D numeric dataset, as numbers (int64 checked to be exact doubles). */
function slab(ds: H5Dataset, a: number, b: number, where: string, column: string): ArrayLike<number> {
  const two = (ds.shape ?? []).length === 2;
  const v = ds.slice(two ? [[a, b], []] : [[a, b]]);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const k = two ? (ds.shape as number[])[1] : 1;
    return exactFromBigInt(v, 0, (e) => a + Math.floor(e / k) + 1, where, column);
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as unknown as ArrayLike<number>;
  throw new AmpfitError(`${where}: h5wasm returned no numeric array for column '${column}'`);
}

function groupColumns(h5: H5, group: H5Group, file: string, path: string): { columns: Hdf5Column[]; rows: number } {
  const columns: Hdf5Column[] = [];
  let rows = -1;
  for (const key of group.keys()) {
    const ds = group.get(key);
    if (!(ds instanceof h5.Dataset)) continue;
    const shape = ds.shape ?? [];
    if (shape.length !== 1) continue; // not a column; named in an error only if requested
    if (rows < 0) rows = shape[0];
    columns.push({ name: key, dataset: ds, col: -1 });
  }
  if (columns.length === 0) {
    throw new DataError(file, 0, null, `group '${path}' holds no 1-D datasets to read as columns (it has: ${group.keys().join(', ')}); name a 2-D dataset with "data.dataset"`, 'file');
  }
  return { columns, rows: Math.max(rows, 0) };
}
