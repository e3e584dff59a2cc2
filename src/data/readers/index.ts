// The one place that decides how a data file is read: by its first bytes,
// not its name (a .dat that is HDF5 reads as HDF5; a renamed CSV.gz still
// reads), then the files in order through one loop that applies max_rows and
// fills the read report the same way for every format.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { AmpfitError, DataError } from '../../util/errors.js';
import { readCsvFile } from './csv.js';
import { hdf5RowCount, readHdf5File } from './hdf5.js';
import { parquetRowCount, readParquetFile } from './parquet.js';
import { npyRowCount, npzRowCount, readNpyFile, readNpzFile } from './npy.js';
import { readLheFile } from './lhe.js';
import { newReadReport, type ColumnRequest, type DataFormat, type FileContext, type FileReader, type FormatOptions, type ReadOptions, type ReadReport, type RowBlock, type RowCounter, type RowUnit } from './types.js';

export * from './types.js';

const READERS = {
  csv: readCsvFile,
  hdf5: readHdf5File,
  parquet: readParquetFile,
  npy: readNpyFile,
  npz: readNpzFile,
  lhe: readLheFile,
  lheh5: readHdf5File, // detection says 'hdf5'; the HDF5 reader tells LHEH5 by its datasets
} as const satisfies Record<DataFormat, FileReader>;

const unknownCount: RowCounter = () => Promise.resolve(null);

const ROW_COUNTS = {
  csv: unknownCount,
  hdf5: hdf5RowCount,
  parquet: parquetRowCount,
  npy: npyRowCount,
  npz: npzRowCount,
  lhe: unknownCount,
  lheh5: hdf5RowCount,
} as const satisfies Record<DataFormat, RowCounter>;

const UNITS = { csv: 'line', hdf5: 'row', parquet: 'row', npy: 'row', npz: 'row', lhe: 'event', lheh5: 'event' } as const satisfies Record<DataFormat, RowUnit>;

const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
const PEEK = 4096;

/** The format of a file, from its first bytes (gzip is looked inside: CSV.gz or LHE.gz). */
export function detectFormat(file: string): DataFormat {
  const head = peek(file, 0, PEEK);
  if (head.subarray(0, 8).equals(HDF5_MAGIC)) return 'hdf5';
  // An HDF5 file may start with a user block of 512, 1024, 2048, ... bytes.
  for (let at = 512; at <= 1 << 16; at *= 2) {
    const m = peek(file, at, 8);
    if (m.length < 8) break;
    if (m.equals(HDF5_MAGIC)) return 'hdf5';
  }
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  if (head.subarray(0, 6).equals(NPY_MAGIC)) return 'npy';
  if (head.subarray(0, 4).toString('latin1') === 'PK\x03\x04') return 'npz';
  let text = head;
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      text = gunzipSync(peek(file, 0, 1 << 16), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, PEEK);
    } catch {
      text = Buffer.alloc(0); // the CSV reader reports the broken gzip stream with its file name
    }
  }
  if (/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<LesHouchesEvents\b/.test(text.toString('latin1').replace(/^\uFEFF/, ''))) return 'lhe';
  return 'csv';
}

export function formatUnit(format: DataFormat): RowUnit {
  return UNITS[format];
}

function peek(file: string, at: number, n: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new AmpfitError(`${file}: cannot read: ${(e as Error).message}`);
  }
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, at);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the files in order, each by its format, and yields blocks of
 * validated rows. The report is filled in as files finish. A bad row throws a
 * DataError naming file, line/row/event and column — or, with skipBadRows, is
 * skipped and counted in the report.
 */
export async function* readDataBlocks(files: readonly string[], options: ReadOptions, report: ReadReport = newReadReport()): AsyncGenerator<RowBlock> {
  let requests: readonly ColumnRequest[] | null = typeof options.columns === 'function' ? null : options.columns;
  const maxRows = options.maxRows ?? Infinity;
  for (const file of files) {
    if (report.rows >= maxRows) {
      report.truncated = true;
      break;
    }
    const format = detectFormat(file);
    const ctx: FileContext = {
      options,
      report,
      rowsAllowed: maxRows - report.rows,
      requestsFor(header) {
        if (report.header.length === 0) report.header = [...header];
        if (requests === null) requests = (options.columns as (h: readonly string[]) => readonly ColumnRequest[])(header);
        else if (typeof options.columns === 'function') sameChoice(file, requests, options.columns(header));
        if (report.columns.length === 0) report.columns = requests.map((r) => r.name);
        return requests;
      },
    };
    // The readers of binary formats do not see every byte, so the file is hashed beside them (on another thread when it is large).
    const hash = format === 'csv' ? null : startHash(file);
    let result;
    try {
      result = yield* READERS[format](file, ctx);
    } catch (e) {
      hash?.cancel();
      throw e;
    }
    let bytes: number | null = null;
    let sha256: string | null = null;
    if (result.done) hash?.cancel();
    else if (result.sha256 !== undefined && result.bytes !== undefined) {
      bytes = result.bytes;
      sha256 = result.sha256;
    } else if (hash !== null) ({ bytes, sha256 } = await hash.result());
    const actual = result.format ?? format;
    report.files.push({ path: file, format: actual, unit: UNITS[actual], bytes, sha256, rows: result.rows, skipped: result.skipped });
    if (result.done) report.truncated = true;
  }
}

/**
 * Columns chosen from each header (the default inputs are every x<number>
 * column) must be the same set in every file: a later file with x1..x4 where the
 * first had x1, x2 is another dataset, and reading only its x1, x2 would
 * silently train on a projection of it.
 */
function sameChoice(file: string, first: readonly ColumnRequest[], here: readonly ColumnRequest[]): void {
  const a = first.map((r) => r.name).join(', ');
  const b = here.map((r) => r.name).join(', ');
  // Columns are read by name, so the same set in another order is the same dataset.
  const key = (rs: readonly ColumnRequest[]): string => rs.map((r) => r.name).sort().join('\0');
  if (key(first) !== key(here)) throw new DataError(file, 1, null, `its columns select (${b}) where the first file's select (${a}): files of one dataset must have the same columns`, 'file');
}

/**
 * The rows the files hold together, from their metadata, or null when a file
 * (CSV, LHE) would have to be read to tell. An upper bound of what a read
 * gives: bad rows and max_rows give fewer.
 */
export async function countRows(files: readonly string[], format?: FormatOptions): Promise<number | null> {
  let total = 0;
  for (const file of files) {
    let n: number | null;
    try {
      n = await ROW_COUNTS[detectFormat(file)](file, format);
    } catch {
      return null; // the reader names what is wrong with the file, in file order
    }
    if (n === null) return null;
    total += n;
  }
  return total;
}

interface PendingHash {
  result(): Promise<{ bytes: number; sha256: string }>;
  cancel(): void;
}

/** Files below this are hashed on the main thread after the read: a worker costs more to start than they take. */
const WORKER_HASH_BYTES = 32 << 20;

// CommonJS, as eval'd worker code is. Plain positioned reads into one buffer: no stream machinery on a thread that does nothing else.
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = createHash('sha256');
const buf = Buffer.allocUnsafe(1 << 22);
const fd = openSync(workerData, 'r');
let bytes = 0;
for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; bytes += n) hash.update(buf.subarray(0, n));
closeSync(fd);
parentPort.postMessage({ bytes, sha256: hash.digest('hex') });
`;

/**
 * Size and SHA-256 of a whole file, for provenance. A large file is hashed
 * on a worker thread while the reader decodes it (SHA-256 of 880 MB is about
 * half a second even with the CPU's SHA instructions — as long as the read).
 */
function startHash(file: string): PendingHash {
  if (statSync(file).size < WORKER_HASH_BYTES) return { result: () => Promise.resolve(hashFileSync(file)), cancel: () => undefined };
  const worker = new Worker(HASH_WORKER, { eval: true, workerData: file });
  const result = new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
    worker.once('message', (m: { bytes: number; sha256: string }) => resolve(m));
    worker.once('error', (e) => reject(new AmpfitError(`${file}: cannot hash: ${e.message}`)));
    worker.once('exit', (code) => reject(new AmpfitError(`${file}: the hashing thread stopped (exit code ${code})`)));
  });
  // A read that fails or stops early never awaits the hash; its rejection on terminate must not surface.
  result.catch(() => undefined);
  return { result: () => result, cancel: () => void worker.terminate() };
}

function hashFileSync(file: string): { bytes: number; sha256: string } {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 22);
  const fd = openSync(file, 'r');
  let bytes = 0;
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; bytes += n) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}
