// NumPy .npy and .npz files.
//
// The .npy format is a 10-byte preamble, a Python-dict header (dtype, order,
// shape) and the raw array: small enough that a reader is a page of code, and
// the npm packages for it (npyjs and its forks) read the whole file into
// memory and do not check dtypes or shapes the way training data needs. So
// this one is hand-written: it reads blocks of rows with positioned reads
// straight into typed arrays (constant memory for .npy and for the members of
// an np.savez archive, which are stored uncompressed) and converts every dtype
// it accepts to float64 exactly. .npz archives are zip files; yauzl (a
// well-kept zip reader) lists their members and inflates the members of
// np.savez_compressed, which then sit in memory whole.

import { closeSync, openSync, readSync } from 'node:fs';
import yauzl from 'yauzl';
import { AmpfitError, DataError } from '../../util/errors.js';
import { RowSink, slotsIn, type ColumnView } from './rows.js';
import type { FileContext, FileResult, FormatOptions, RowBlock } from './types.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const BLOCK = 65536;

interface Dtype {
  readonly kind: 'f' | 'i' | 'u';
  readonly size: number;
  readonly little: boolean;
  readonly text: string;
}

interface NpyArray {
  readonly dtype: Dtype;
  readonly fortran: boolean;
  readonly shape: readonly number[];
  /** Where the array data starts in its byte source. */
  readonly dataOffset: number;
  readonly source: ByteSource;
  /** For messages: the file, or "file, member 'x.npy'". */
  readonly where: string;
}

/** Positioned reads from a file, or from a member inflated into memory. */
interface ByteSource {
  readInto(pos: number, dest: Uint8Array): void;
}

function fileSource(fd: number, file: string): ByteSource {
  return {
    readInto(pos, dest) {
      let off = 0;
      while (off < dest.length) {
        const n = readSync(fd, dest, off, dest.length - off, pos + off);
        if (n === 0) throw new AmpfitError(`${file}: the file ends inside the array data (truncated?)`);
        off += n;
      }
    },
  };
}

function bufferSource(buf: Buffer, where: string): ByteSource {
  return {
    readInto(pos, dest) {
      if (pos + dest.length > buf.length) throw new AmpfitError(`${where}: the member ends inside the array data (truncated?)`);
      dest.set(buf.subarray(pos, pos + dest.length));
    },
  };
}

/** Parses the preamble and header dict at `at` in the source. */
function parseNpy(source: ByteSource, at: number, where: string): NpyArray {
  const pre = new Uint8Array(12);
  source.readInto(at, pre.subarray(0, 10));
  if (!MAGIC.every((b, i) => pre[i] === b)) throw new AmpfitError(`${where}: not a .npy array (no \\x93NUMPY magic)`);
  const major = pre[6];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = pre[8] | (pre[9] << 8);
    start = at + 10;
  } else if (major === 2 || major === 3) {
    source.readInto(at + 10, pre.subarray(10, 12));
    headerLen = new DataView(pre.buffer).getUint32(8, true);
    start = at + 12;
  } else {
    throw new AmpfitError(`${where}: .npy format version ${major}.${pre[7]} is not one ampfit reads (1.0, 2.0, 3.0)`);
  }
  const headerBytes = new Uint8Array(headerLen);
  source.readInto(start, headerBytes);
  const header = Buffer.from(headerBytes).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*('([^']*)'|\[)/.exec(header);
  const order = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (descr === null || order === null || shape === null) throw new AmpfitError(`${where}: cannot read the .npy header ${JSON.stringify(header.trim())}`);
  if (descr[2] === undefined) {
    throw new AmpfitError(`${where}: a structured array (record dtype) is not read; save one float64 column per array (np.savez(f, x1=..., f01=...)) or a 2-D float array`);
  }
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  return { dtype: parseDtype(descr[2], where), fortran: order[1] === 'True', shape: dims, dataOffset: start + headerLen, source, where };
}

function parseDtype(text: string, where: string): Dtype {
  const m = /^([<>|=])([fiu])(\d+)$/.exec(text);
  const size = m === null ? 0 : Number(m[3]);
  const kind = m?.[2] as Dtype['kind'] | undefined;
  const ok = kind !== undefined && (kind === 'f' ? size === 4 || size === 8 : [1, 2, 4, 8].includes(size));
  if (m === null || !ok) {
    throw new AmpfitError(
      `${where}: dtype '${text}' is not read: ampfit takes float64, and float32 and integers up to 64 bits (converted to float64 exactly); ` +
        'convert other types (float16, float128, complex, bool, strings) to float64 first',
    );
  }
  return { kind: kind as Dtype['kind'], size, little: m[1] !== '>', text };
}

/**
 * Reusable memory for one column's blocks: the sink copies the values out
 * before the next block is read, so one buffer serves the whole file and a
 * 10^7-row read does not fault in fresh pages for every block.
 */
class Scratch {
  private raw = new ArrayBuffer(0);
  private f64 = new Float64Array(0);

  bytes(n: number): Uint8Array {
    if (this.raw.byteLength < n) this.raw = new ArrayBuffer(n);
    return new Uint8Array(this.raw, 0, n);
  }

  doubles(n: number): Float64Array {
    if (this.f64.length < n) this.f64 = new Float64Array(n);
    return this.f64.subarray(0, n);
  }
}

/**
 * `count` values of the array from element `first`, as float64: float64 as
 * stored (a view of the bytes read, no copy), the narrower types converted by
 * one typed-array copy, int64/uint64 through a check that the value is an
 * exact double (|v| ≤ 2^53), else a DataError naming the row.
 */
function readValues(a: NpyArray, first: number, count: number, rowOf: (element: number) => number, column: string, scratch: Scratch): Float64Array {
  const { dtype } = a;
  const bytes = scratch.bytes(count * dtype.size);
  a.source.readInto(a.dataOffset + first * dtype.size, bytes);
  if (dtype.size > 1 && !dtype.little) return bigEndianValues(bytes, dtype, count, first, rowOf, a.where, column);
  const buf = bytes.buffer;
  if (dtype.kind === 'f' && dtype.size === 8) return new Float64Array(buf, 0, count);
  if (dtype.size === 8) return exactFromBigInt(dtype.kind === 'i' ? new BigInt64Array(buf, 0, count) : new BigUint64Array(buf, 0, count), first, rowOf, a.where, column);
  const out = scratch.doubles(count);
  if (dtype.kind === 'f') out.set(new Float32Array(buf, 0, count));
  else if (dtype.kind === 'i') out.set(dtype.size === 1 ? new Int8Array(buf, 0, count) : dtype.size === 2 ? new Int16Array(buf, 0, count) : new Int32Array(buf, 0, count));
  else out.set(dtype.size === 1 ? bytes : dtype.size === 2 ? new Uint16Array(buf, 0, count) : new Uint32Array(buf, 0, count));
  return out;
}

function bigEndianValues(bytes: Uint8Array, dtype: Dtype, count: number, first: number, rowOf: (e: number) => number, where: string, column: string): Float64Array {
  const view = new DataView(bytes.buffer);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * dtype.size;
    if (dtype.kind === 'f') out[i] = dtype.size === 8 ? view.getFloat64(o) : view.getFloat32(o);
    else if (dtype.size === 8) out[i] = exactInt(dtype.kind === 'i' ? view.getBigInt64(o) : view.getBigUint64(o), rowOf(first + i), where, column);
    else if (dtype.kind === 'i') out[i] = dtype.size === 2 ? view.getInt16(o) : view.getInt32(o);
    else out[i] = dtype.size === 2 ? view.getUint16(o) : view.getUint32(o);
  }
  return out;
}

const LIMIT = 2n ** 53n;

function exactInt(v: bigint, row: number, where: string, column: string): number {
  if (v > LIMIT || v < -LIMIT) throw new DataError(where, row, column, `64-bit integer ${v} is beyond 2^53 and has no exact float64 value`, 'row');
  return Number(v);
}

/** int64 → float64 where exact; `rowOf` maps an element index to its 1-based row for the message. */
export function exactFromBigInt(v: BigInt64Array | BigUint64Array, first: number, rowOf: (element: number) => number, where: string, column: string): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = exactInt(v[i], rowOf(first + i), where, column);
  return out;
}

/** One table column: element index of row r is start + r·step in `array`. */
interface NpyColumn {
  readonly name: string;
  readonly array: NpyArray;
  /** 2-D arrays: the column's index; 1-D: 0. */
  readonly col: number;
}

/** The columns of a set of arrays, checked for shape; all must have `rows` rows. */
function tableOf(arrays: readonly { array: NpyArray; names: readonly string[] | null; member: string | null }[]): { columns: NpyColumn[]; rows: number } {
  const columns: NpyColumn[] = [];
  let rows = -1;
  for (const { array, names, member } of arrays) {
    const s = array.shape;
    if (s.length !== 1 && s.length !== 2) throw new AmpfitError(`${array.where}: shape (${s.join(', ')}): ampfit reads 1-D columns or 2-D arrays (rows × columns)`);
    const k = s.length === 1 ? 1 : s[1];
    let colNames: readonly string[];
    if (s.length === 1 && member !== null) colNames = [member];
    else if (names === null) throw new AmpfitError(`${array.where}: a ${s.length}-D array of ${k} column${k === 1 ? '' : 's'} has no column names; give them with "data.columns"`);
    else if (names.length !== k) throw new AmpfitError(`${array.where}: "data.columns" names ${names.length} columns, the array has ${k}`);
    else colNames = names;
    if (rows >= 0 && s[0] !== rows) throw new AmpfitError(`${array.where}: ${s[0]} rows, but the other arrays have ${rows}: columns must have one length`);
    rows = s[0];
    colNames.forEach((name, col) => columns.push({ name, array, col }));
  }
  return { columns, rows: Math.max(rows, 0) };
}

async function* readTable(file: string, ctx: FileContext, format: 'npy' | 'npz', columns: NpyColumn[], rows: number): AsyncGenerator<RowBlock, FileResult> {
  const header = columns.map((c) => c.name);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new AmpfitError(`${file}: column '${dup}' is named twice`);
  const requests = ctx.requestsFor(header);
  const picked = slotsIn(file, header, requests, 'column').map((i) => columns[i]);
  const sink = new RowSink(file, file, format, 'row', requests, ctx.options, ctx.report, ctx.rowsAllowed);
  // One scratch buffer per column read (a C-order 2-D array: one for all its columns).
  const scratch = new Map<NpyArray | NpyColumn, Scratch>();
  const scratchFor = (key: NpyArray | NpyColumn): Scratch => {
    let s = scratch.get(key);
    if (s === undefined) scratch.set(key, (s = new Scratch()));
    return s;
  };
  const step = ctx.options.blockRows ?? BLOCK;
  for (let a = 0; a < rows && !sink.done; a += step) {
    const n = Math.min(step, rows - a, Math.max(ctx.rowsAllowed - sink.goodRows, 1));
    // A C-order 2-D array is read once per block for all its columns.
    const rowMajor = new Map<NpyArray, Float64Array>();
    const views: ColumnView[] = picked.map((c) => {
      const arr = c.array;
      const k = arr.shape.length === 1 ? 1 : arr.shape[1];
      if (k === 1 || arr.fortran) {
        const start = c.col * arr.shape[0] + a;
        return { data: readValues(arr, start, n, (e) => e - c.col * arr.shape[0] + 1, c.name, scratchFor(c)), offset: 0, stride: 1 };
      }
      let data = rowMajor.get(arr);
      if (data === undefined) {
        // Which column an int64 failure belongs to is only known per element; name the first requested one of the array.
        data = readValues(arr, a * k, n * k, (e) => Math.floor(e / k) + 1, c.name, scratchFor(arr));
        rowMajor.set(arr, data);
      }
      return { data, offset: c.col, stride: k };
    });
    sink.add(a + 1, n, views);
    yield* sink.take(false);
  }
  yield* sink.take(true);
  return { rows: sink.goodRows, skipped: sink.skippedRows, done: sink.done };
}

/** The rows of a .npy array, from its header. */
export function npyRowCount(file: string): Promise<number | null> {
  const fd = openSync(file, 'r');
  try {
    const s = parseNpy(fileSource(fd, file), 0, file).shape;
    return Promise.resolve(s.length === 1 || s.length === 2 ? s[0] : null);
  } finally {
    closeSync(fd);
  }
}

/** The rows of an .npz table from the member headers; null when a member is compressed (only inflating it would tell). */
export async function npzRowCount(file: string, format: FormatOptions | undefined): Promise<number | null> {
  const { zip, members } = await openZip(file);
  const fd = openSync(file, 'r');
  try {
    const wanted = format?.dataset ?? null;
    const m = wanted === null ? members[0] : members.find((x) => x.name === wanted || x.name === `${wanted}.npy`);
    if (m === undefined || m.entry.compressionMethod !== 0) return null;
    const s = parseNpy(fileSource(fd, file), storedArrayAt(fileSource(fd, file), m.entry, file), file).shape;
    return s.length === 1 || s.length === 2 ? s[0] : null;
  } finally {
    closeSync(fd);
    zip.close();
  }
}

/** Where a stored member's .npy bytes start: after its local header (30 bytes + name + extra field). */
function storedArrayAt(src: ByteSource, e: yauzl.Entry, where: string): number {
  const local = new Uint8Array(30);
  src.readInto(e.relativeOffsetOfLocalHeader, local);
  const dv = new DataView(local.buffer);
  if (dv.getUint32(0, true) !== 0x04034b50) throw new AmpfitError(`${where}: broken zip local header`);
  return e.relativeOffsetOfLocalHeader + 30 + dv.getUint16(26, true) + dv.getUint16(28, true);
}

export async function* readNpyFile(file: string, ctx: FileContext): AsyncGenerator<RowBlock, FileResult> {
  const fd = openSync(file, 'r');
  try {
    const array = parseNpy(fileSource(fd, file), 0, file);
    const names = ctx.options.format?.columns ?? null;
    const { columns, rows } = tableOf([{ array, names, member: null }]);
    return yield* readTable(file, ctx, 'npy', columns, rows);
  } finally {
    closeSync(fd);
  }
}

interface ZipMember {
  readonly name: string;
  readonly entry: yauzl.Entry;
}

function openZip(file: string): Promise<{ zip: yauzl.ZipFile; members: ZipMember[] }> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, zip) => {
      if (err !== null || zip === undefined) return reject(new AmpfitError(`${file}: not a readable .npz (zip) archive: ${err?.message ?? 'unknown error'}`));
      const members: ZipMember[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!entry.fileName.endsWith('/')) members.push({ name: entry.fileName, entry });
        zip.readEntry();
      });
      zip.on('end', () => resolve({ zip, members }));
      zip.on('error', (e: Error) => reject(new AmpfitError(`${file}: broken .npz archive: ${e.message}`)));
      zip.readEntry();
    });
  });
}

function inflateMember(zip: yauzl.ZipFile, entry: yauzl.Entry, where: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err !== null || stream === undefined) return reject(new AmpfitError(`${where}: cannot inflate: ${err?.message ?? 'unknown error'}`));
      const parts: Buffer[] = [];
      stream.on('data', (b: Buffer) => parts.push(b));
      stream.on('error', (e: Error) => reject(new AmpfitError(`${where}: cannot inflate: ${e.message}`)));
      stream.on('end', () => resolve(Buffer.concat(parts)));
    });
  });
}

/**
 * np.savez archives: every member a 1-D array is a column named by the member
 * (x1.npy → x1); or "data.dataset" names the member holding a 2-D array,
 * whose columns "data.columns" names.
 */
export async function* readNpzFile(file: string, ctx: FileContext): AsyncGenerator<RowBlock, FileResult> {
  const { zip, members } = await openZip(file);
  const fd = openSync(file, 'r');
  try {
    const src = fileSource(fd, file);
    const wanted = ctx.options.format?.dataset ?? null;
    let chosen = members;
    if (wanted !== null) {
      const m = members.find((x) => x.name === wanted || x.name === `${wanted}.npy`);
      if (m === undefined) throw new DataError(file, 0, null, `no member '${wanted}' (the archive has: ${members.map((x) => x.name).join(', ')})`, 'file');
      chosen = [m];
    }
    if (chosen.length === 0) throw new DataError(file, 0, null, 'the archive holds no arrays', 'file');
    const arrays = [];
    for (const m of chosen) {
      const where = `${file}, member '${m.name}'`;
      const e = m.entry;
      let array: NpyArray;
      if (e.compressionMethod === 0) {
        // Stored: the array is read in place.
        array = parseNpy(src, storedArrayAt(src, e, where), where);
      } else {
        array = parseNpy(bufferSource(await inflateMember(zip, e, where), where), 0, where);
      }
      const isColumn = array.shape.length === 1 && wanted === null;
      arrays.push({ array, names: isColumn ? null : ctx.options.format?.columns ?? null, member: isColumn ? m.name.replace(/\.npy$/, '') : null });
    }
    if (arrays.length > 1 && arrays.some((a) => a.array.shape.length !== 1)) {
      throw new AmpfitError(`${file}: the archive holds ${arrays.length} arrays, not all 1-D columns; name the one to read with "data.dataset"`);
    }
    const { columns, rows } = tableOf(arrays);
    return yield* readTable(file, ctx, 'npz', columns, rows);
  } finally {
    closeSync(fd);
    zip.close();
  }
}
