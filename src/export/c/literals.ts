// C and Fortran spellings of ampfit's numbers and names: exact hexadecimal
// float literals (so weights round-trip bit for bit), tables, strings and
// identifiers that are valid in both languages.

import { AmpfitError } from '../../util/errors.js';

/** Longest name that leaves room for "_eval_batch" within Fortran's 63 characters. */
const MAX_NAME = 40;

/**
 * A valid C and Fortran identifier from any text: letters, digits and '_',
 * starting with a letter (Fortran insists; C reserves leading underscores).
 */
export function sanitizeName(raw: string): string {
  let s = raw.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = 'model';
  if (!/^[A-Za-z]/.test(s)) s = `m_${s}`;
  return s.slice(0, MAX_NAME).replace(/_+$/, '');
}

const HEX_VIEW = new DataView(new ArrayBuffer(8));
const HEX_DIGITS = '0123456789abcdef';

/** The exact C99 hexadecimal literal of a finite double (what printf's %a prints). */
export function hexFloat(v: number): string {
  if (!Number.isFinite(v)) throw new AmpfitError(`export --format c: non-finite value ${v} in the model`);
  // Forests write millions of these: one shared view, no regular expressions.
  HEX_VIEW.setFloat64(0, v);
  const hi = HEX_VIEW.getUint32(0);
  const lo = HEX_VIEW.getUint32(4);
  const sign = hi >>> 31 === 1 ? '-' : '';
  const exp = (hi >>> 20) & 0x7ff;
  // The 13 hexadecimal digits of the fraction, trailing zeros dropped.
  let last = 12;
  const nibble = (i: number): number => (i < 5 ? (hi >>> (16 - 4 * i)) & 15 : (lo >>> (28 - 4 * (i - 5))) & 15);
  while (last >= 0 && nibble(last) === 0) last--;
  let mant = '';
  for (let i = 0; i <= last; i++) mant += HEX_DIGITS[nibble(i)];
  if (exp === 0 && mant === '') return `${sign}0x0p+0`;
  if (exp === 0) return `${sign}0x0.${mant}p-1022`;
  const e = exp - 1023;
  return `${sign}0x1${mant === '' ? '' : '.' + mant}p${e >= 0 ? '+' : ''}${e}`;
}

/** Text safe inside a C block comment. */
export function commentSafe(s: string): string {
  return s.replace(/\*\//g, '* /');
}

/** A C string literal holding s (ASCII only; no trigraphs). */
export function cString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\' || ch === '?') out += '\\' + ch;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += '\\' + byte.toString(8).padStart(3, '0');
  }
  return out + '"';
}

export function cArray(name: string, values: Float64Array): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += 4) {
    lines.push('  ' + Array.from(values.subarray(i, i + 4), hexFloat).join(', ') + ',');
  }
  return `static const double ${name}[${values.length}] = {\n${lines.join('\n')}\n};`;
}

/**
 * The exact C99 literal of a float32 value: hexadecimal with an 'f' suffix,
 * or ±INFINITY (math.h) for an infinite threshold.
 */
export function hexFloat32(v: number): string {
  if (v === Infinity) return 'INFINITY';
  if (v === -Infinity) return '-INFINITY';
  if (Number.isNaN(v) || Math.fround(v) !== v) throw new AmpfitError(`export --format c: threshold ${v} is not a float32 value`);
  return `${hexFloat(v)}f`;
}

/** `static const <type> <name>[n] = {...};`, several values a line (trailing commas are C99). */
export function cTable(type: string, name: string, values: ArrayLike<number>, format: (v: number) => string, perLine: number): string {
  const lines: string[] = [];
  const items: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const end = Math.min(values.length, i + perLine);
    items.length = 0;
    for (let j = i; j < end; j++) items.push(format(values[j]));
    lines.push(`  ${items.join(', ')},`);
  }
  return `static const ${type} ${name}[${values.length}] = {\n${lines.join('\n')}\n};`;
}

