// Exact, compact JSON encoding of Float64Arrays for checkpoints: base64 of
// the little-endian bytes. Decimal number arrays would also round-trip finite
// values, but lose -0, NaN and Infinity and take about twice the space.

export interface EncodedFloat64 {
  readonly encoding: 'f64le-base64';
  readonly length: number;
  readonly data: string;
}

const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

export function encodeFloat64(a: Float64Array): EncodedFloat64 {
  let bytes: Buffer;
  if (LITTLE_ENDIAN) {
    bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  } else {
    bytes = Buffer.alloc(a.byteLength);
    for (let i = 0; i < a.length; i++) bytes.writeDoubleLE(a[i], 8 * i);
  }
  return { encoding: 'f64le-base64', length: a.length, data: bytes.toString('base64') };
}

/** Accepts the encoded form or a plain number array (hand-written or older checkpoints). */
export function decodeFloat64(v: EncodedFloat64 | readonly number[], what = 'array'): Float64Array {
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
