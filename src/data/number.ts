// The one number syntax ampfit accepts in a data cell (and in numeric
// command-line values). Number() alone is too lenient for data: it reads ''
// and ' ' as 0, '0x1f' as 31, '1_0' as NaN but '0b11' as 3, and trims
// Unicode spaces. A cell that is not written the way a physics program writes
// a double has been mangled somewhere, and reading it as some number would
// train on it silently.
//
// Accepted, exactly:   [spaces] [+|-] digits [. [digits]] [(e|E) [+|-] digits] [spaces]
//                 or:  [spaces] [+|-] . digits [(e|E) [+|-] digits] [spaces]
// where "spaces" are ASCII spaces and tabs only (so "0.5, 0.25" written with
// ", " separators reads), and the value must be finite. Everything else —
// empty or whitespace-only cells, hex/octal/binary, 'inf', 'Infinity', 'nan',
// digit separators, quotes, a lone '.', an exponent without digits, values
// that overflow to ±Infinity — is an error. The value itself comes from
// Number(), which rounds correctly, so 17-digit decimals come back bit for bit.

import { clipText } from '../util/text.js';

const SPACE = 32;
const TAB = 9;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const D0 = 48;
const D9 = 57;

function isDigit(c: number): boolean {
  return c >= D0 && c <= D9;
}

/** Whether text[a, b) is a number in the accepted syntax (finiteness not checked). */
export function isNumberSyntax(text: string, a: number, b: number): boolean {
  while (a < b && (text.charCodeAt(a) === SPACE || text.charCodeAt(a) === TAB)) a++;
  while (b > a && (text.charCodeAt(b - 1) === SPACE || text.charCodeAt(b - 1) === TAB)) b--;
  let i = a;
  let c = text.charCodeAt(i);
  if (c === PLUS || c === MINUS) c = text.charCodeAt(++i);
  let mantissaDigits = 0;
  while (i < b && isDigit(c)) {
    mantissaDigits++;
    c = text.charCodeAt(++i);
  }
  if (i < b && c === DOT) {
    c = text.charCodeAt(++i);
    while (i < b && isDigit(c)) {
      mantissaDigits++;
      c = text.charCodeAt(++i);
    }
  }
  if (mantissaDigits === 0) return false;
  if (i < b && (c | 32) === 101) {
    c = text.charCodeAt(++i);
    if (c === PLUS || c === MINUS) c = text.charCodeAt(++i);
    let expDigits = 0;
    while (i < b && isDigit(c)) {
      expDigits++;
      c = text.charCodeAt(++i);
    }
    if (expDigits === 0) return false;
  }
  return i === b;
}

/** The value of text[a, b), or NaN unless it is a finite number in the accepted syntax. */
export function parseCellNumber(text: string, a: number, b: number): number {
  if (!isNumberSyntax(text, a, b)) return NaN;
  const v = Number(text.slice(a, b));
  return v - v === 0 ? v : NaN;
}

/** parseCellNumber on a whole string. */
export function parseStrictNumber(text: string): number {
  return parseCellNumber(text, 0, text.length);
}

/** Why text[a, b) was refused, for an error message (the cell clipped to a readable length). */
export function describeBadNumber(cell: string): string {
  const t = cell.replace(/^[ \t]+|[ \t]+$/g, '');
  if (t === '') return cell === '' ? 'empty cell' : 'empty cell (only spaces or tabs)';
  if (/^[-+]?nan$/i.test(t)) return 'NaN value';
  if (/^[-+]?inf(inity)?$/i.test(t)) return `infinite value '${clipText(cell, 40)}'`;
  if (isNumberSyntax(cell, 0, cell.length)) return `value '${clipText(cell, 40)}' overflows a double (infinite)`;
  if (/^[-+]?0[xXbBoO]/.test(t)) return `non-numeric value '${clipText(cell, 40)}' (hexadecimal, binary and octal literals are not accepted)`;
  return `non-numeric value '${clipText(cell, 40)}'`;
}
