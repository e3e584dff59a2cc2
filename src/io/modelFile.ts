import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ModelFileError } from '../util/errors.js';
import { writeFileAtomic } from './atomic.js';

// One self-describing file per regressor: a JSON header (what the model is,
// how inputs and targets are transformed, metrics, provenance) and typed
// arrays, closed by a SHA-256 of everything before it.
//
//   offset  size  content
//   0       8     magic "AMPFIT\r\n" (the CR LF catches text-mode mangling)
//   8       4     format version, uint32 LE
//   12      4     reserved, 0
//   16      8     header length H in bytes, uint64 LE
//   24      8     array blob length B in bytes, uint64 LE
//   32      H     header, UTF-8 JSON, space-padded to a multiple of 8
//   32+H    B     arrays, little-endian, each starting 8-byte aligned
//   32+H+B  32    SHA-256 of bytes [0, 32+H+B)
//
// The header's "arrays" maps each name to { offset, length, dtype } (offset
// in bytes into the blob, length in elements); names whose arrays are equal
// byte for byte share one offset. Version 2 added dtype —
// float64, float32, int32, uint32, uint16, uint8 — so a forest stores its
// node indices, features and float32 thresholds compactly; version 1 files
// (float64 only, no dtype) are still read. float64 stays the dtype of every
// number a prediction computes with; the narrower types hold indices and
// values that are exact in them (see the model type's own comments).
//
// Hand-written because it is 60 lines and every reader — TypeScript here, C
// and Python later — can parse it without a dependency.

export const MODEL_MAGIC = Buffer.from('AMPFIT\r\n', 'latin1');
export const MODEL_FORMAT_VERSION = 2;
const PREFIX = 32;
const HASH_BYTES = 32;

/** The array types a model file holds. */
export type StoredArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

const DTYPES = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
} as const;
export type Dtype = keyof typeof DTYPES;

export function dtypeOf(a: StoredArray): Dtype {
  for (const [name, ctor] of Object.entries(DTYPES) as Array<[Dtype, (typeof DTYPES)[Dtype]]>) {
    if (a instanceof ctor) return name;
  }
  throw new ModelFileError(`cannot store a ${Object.prototype.toString.call(a).slice(8, -1)} in a model file`);
}

/** Where an array sits in the blob. */
export interface ArrayRef {
  readonly offset: number;
  readonly length: number;
  /** Absent in version 1 files, which hold float64 only. */
  readonly dtype?: Dtype;
}

export interface ModelFileContent<H> {
  readonly header: H;
  readonly arrays: Record<string, StoredArray>;
}

export function encodeModelFile<H extends object>(header: H, arrays: Record<string, StoredArray>): Buffer[] {
  const refs: Record<string, ArrayRef> = {};
  // Arrays with the same dtype and bytes are stored once and named twice: the
  // model graph (header key "graph") repeats the regressor's weights, which
  // would otherwise double every model file.
  const stored = new Map<string, number>();
  const unique: Array<[number, StoredArray]> = [];
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    const dtype = dtypeOf(a);
    const key = `${dtype}:${a.length}:${createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex')}`;
    const at = stored.get(key);
    if (at !== undefined) {
      refs[name] = { offset: at, length: a.length, dtype };
      continue;
    }
    stored.set(key, offset);
    unique.push([offset, a]);
    refs[name] = { offset, length: a.length, dtype };
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const json = Buffer.from(JSON.stringify({ ...header, arrays: refs }), 'utf8');
  const padded = Buffer.alloc(Math.ceil(json.length / 8) * 8, 0x20);
  json.copy(padded);
  const prefix = Buffer.alloc(PREFIX);
  MODEL_MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(MODEL_FORMAT_VERSION, 8);
  prefix.writeBigUInt64LE(BigInt(padded.length), 16);
  prefix.writeBigUInt64LE(BigInt(offset), 24);
  const blob = Buffer.alloc(offset);
  if (!isLittleEndian()) throw new ModelFileError('big-endian hosts are not supported');
  for (const [at, a] of unique) Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(blob, at);
  const hash = createHash('sha256').update(prefix).update(padded).update(blob).digest();
  return [prefix, padded, blob, hash];
}

export function writeModelFile<H extends object>(path: string, header: H, arrays: Record<string, StoredArray>): void {
  writeFileAtomic(path, encodeModelFile(header, arrays));
}

/** Reads and checks a model file; every failed check names itself. */
export function readModelFile<H>(path: string): ModelFileContent<H> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new ModelFileError(`cannot read model ${path}: ${(e as Error).message}`);
  }
  return decodeModelFile<H>(buf, path);
}

export function decodeModelFile<H>(buf: Buffer, path: string): ModelFileContent<H> {
  const fail = (what: string): never => {
    throw new ModelFileError(`model ${path}: ${what}`);
  };
  if (buf.length < PREFIX + HASH_BYTES) fail(`truncated (${buf.length} bytes, smaller than an empty model)`);
  if (!buf.subarray(0, 8).equals(MODEL_MAGIC)) fail('not an ampfit model file (bad magic bytes)');
  const version = buf.readUInt32LE(8);
  if (version > MODEL_FORMAT_VERSION) fail(`format version ${version} is newer than this ampfit reads (${MODEL_FORMAT_VERSION}); upgrade ampfit`);
  if (version < 1) fail(`unknown format version ${version}`);
  const h = Number(buf.readBigUInt64LE(16));
  const b = Number(buf.readBigUInt64LE(24));
  const expected = PREFIX + h + b + HASH_BYTES;
  if (buf.length < expected) fail(`truncated: ${buf.length} bytes, header says ${expected}`);
  if (buf.length > expected) fail(`${buf.length - expected} unexpected bytes after the checksum`);
  const digest = createHash('sha256').update(buf.subarray(0, PREFIX + h + b)).digest();
  if (!digest.equals(buf.subarray(PREFIX + h + b))) fail('checksum mismatch: the file is corrupted or was modified');
  let header: H & { arrays?: Record<string, ArrayRef> };
  try {
    header = JSON.parse(buf.subarray(PREFIX, PREFIX + h).toString('utf8'));
  } catch (e) {
    return fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  const refs = header.arrays ?? {};
  // Copy into an aligned buffer: typed views need alignment, which a Buffer from readFileSync need not have.
  const blob = new ArrayBuffer(Math.ceil(b / 8) * 8);
  new Uint8Array(blob).set(buf.subarray(PREFIX + h, PREFIX + h + b));
  const arrays: Record<string, StoredArray> = {};
  const viewed = new Set<number>();
  for (const [name, ref] of Object.entries(refs)) {
    const dtype = ref.dtype ?? 'float64';
    if (version < 2 && ref.dtype !== undefined) fail(`array '${name}' has a dtype, which format version ${version} does not know`);
    if (!Object.hasOwn(DTYPES, dtype)) fail(`array '${name}' has unknown dtype '${String(dtype)}'`);
    const ctor = DTYPES[dtype];
    if (!Number.isSafeInteger(ref.offset) || !Number.isSafeInteger(ref.length) || ref.offset < 0 || ref.length < 0 ||
        ref.offset % 8 !== 0 || ref.offset + ref.length * ctor.BYTES_PER_ELEMENT > b) {
      fail(`array '${name}' lies outside the blob`);
    }
    const view = new ctor(blob, ref.offset, ref.length);
    // A second name for stored bytes gets its own copy: a model that changes one array in place must not change another.
    arrays[name] = viewed.has(ref.offset) ? view.slice() : view;
    viewed.add(ref.offset);
  }
  return { header, arrays };
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;
}
