// Exact, compact JSON encoding of Float64Arrays for checkpoints: base64 of
// the little-endian bytes. Decimal number arrays would also round-trip finite
// values, but lose -0, NaN and Infinity and take about twice the space.

export interface EncodedFloat64 {
  readonly encoding: 'f64le-base64';
  readonly length: number;
  readonly data: string;
}

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

export function encodeFloat64(a: Float64Array): EncodedFloat64;
export function encodeFloat64(a: Float64Array, typed: boolean): Float64Payload;
export function encodeFloat64(a: Float64Array, typed = false): Float64Payload {
  if (typed) return a.slice();
  let bytes: Buffer;
  if (LITTLE_ENDIAN) {
    bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  } else {
    bytes = Buffer.alloc(a.byteLength);
    for (let i = 0; i < a.length; i++) bytes.writeDoubleLE(a[i], 8 * i);
  }
  return { encoding: 'f64le-base64', length: a.length, data: bytes.toString('base64') };
}

/**
 * A Float64Array in a snapshot: base64 for JSON, or the array itself where
 * the snapshot goes into a binary file (a 12 M-parameter network's base64
 * would pass V8's largest string).
 */
export type Float64Payload = EncodedFloat64 | Float64Array;

/** Accepts the encoded form, the array itself, or a plain number array (hand-written or older checkpoints). */
export function decodeFloat64(v: Float64Payload | readonly number[], what = 'array'): Float64Array {
  if (v instanceof Float64Array) return v.slice();
  if (Array.isArray(v)) return Float64Array.from(v as readonly number[]);
  const e = v as EncodedFloat64;
  if (e.encoding !== 'f64le-base64' || typeof e.data !== 'string') {
    throw new Error(`${what}: expected {encoding: 'f64le-base64', length, data} or a number array`);
  }
  const bytes = Buffer.from(e.data, 'base64');
  if (bytes.length !== 8 * e.length) {
    throw new Error(`${what}: ${bytes.length} bytes decoded, expected ${8 * e.length} for ${e.length} values`);
  }
  const out = new Float64Array(e.length);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else for (let i = 0; i < e.length; i++) out[i] = bytes.readDoubleLE(8 * i);
  return out;
}
