import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ModelFileError } from '../util/errors.js';
import { writeFileAtomic } from './atomic.js';

// One self-describing file per regressor: a JSON header (what the model is,
// how inputs and targets are transformed, metrics, provenance) and the
// float64 arrays, closed by a SHA-256 of everything before it.
//
//   offset  size  content
//   0       8     magic "AMPFIT\r\n" (the CR LF catches text-mode mangling)
//   8       4     format version, uint32 LE
//   12      4     reserved, 0
//   16      8     header length H in bytes, uint64 LE
//   24      8     array blob length B in bytes, uint64 LE
//   32      H     header, UTF-8 JSON, space-padded to a multiple of 8
//   32+H    B     arrays, float64 little-endian, each 8-byte aligned
//   32+H+B  32    SHA-256 of bytes [0, 32+H+B)
//
// Hand-written because it is 60 lines and every reader — TypeScript here, C
// and Python later — can parse it without a dependency.

export const MODEL_MAGIC = Buffer.from('AMPFIT\r\n', 'latin1');
export const MODEL_FORMAT_VERSION = 1;
const PREFIX = 32;
const HASH_BYTES = 32;

/** Where an array sits in the blob. */
export interface ArrayRef {
  readonly offset: number;
  readonly length: number;
}

export interface ModelFileContent<H> {
  readonly header: H;
  readonly arrays: Record<string, Float64Array>;
}

export function encodeModelFile<H extends object>(header: H, arrays: Record<string, Float64Array>): Buffer[] {
  const refs: Record<string, ArrayRef> = {};
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    refs[name] = { offset, length: a.length };
    offset += a.length * 8;
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
  for (const [name, a] of Object.entries(arrays)) {
    const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    if (!isLittleEndian()) throw new ModelFileError('big-endian hosts are not supported');
    bytes.copy(blob, refs[name].offset);
  }
  const hash = createHash('sha256').update(prefix).update(padded).update(blob).digest();
  return [prefix, padded, blob, hash];
}

export function writeModelFile<H extends object>(path: string, header: H, arrays: Record<string, Float64Array>): void {
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
  // Copy into an aligned buffer: Float64Array views need 8-byte alignment, which a Buffer from readFileSync need not have.
  const blob = new Float64Array(b / 8);
  new Uint8Array(blob.buffer).set(buf.subarray(PREFIX + h, PREFIX + h + b));
  const arrays: Record<string, Float64Array> = {};
  for (const [name, ref] of Object.entries(refs)) {
    if (ref.offset % 8 !== 0 || ref.offset + ref.length * 8 > b) fail(`array '${name}' lies outside the blob`);
    arrays[name] = blob.subarray(ref.offset / 8, ref.offset / 8 + ref.length);
  }
  return { header, arrays };
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;
}
