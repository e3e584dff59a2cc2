import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBadNumber, parseStrictNumber } from '../../src/data/number.js';
import { clipText } from '../../src/util/text.js';

test('the accepted number syntax: decimal floats with sign, digits, point and exponent, ASCII spaces/tabs around', () => {
  const good: [string, number][] = [
    ['0', 0], ['-0', -0], ['+1', 1], ['1.', 1], ['.5', 0.5], ['-.5e-3', -0.0005], ['1E5', 1e5], ['1e+05', 1e5],
    ['0.34862223904319001', 0.34862223904319001], [' 0.5', 0.5], ['0.5\t', 0.5], [' \t2e-300 ', 2e-300], ['007', 7],
  ];
  for (const [text, v] of good) assert.ok(Object.is(parseStrictNumber(text), v), `${JSON.stringify(text)} → ${parseStrictNumber(text)}`);
  const bad = [
    '', ' ', '\t', '  \t ', '0x1f', ' 0x1f', '0b11', '0o7', 'inf', '-Infinity', 'Infinity', 'nan', 'NaN', '.', '-', '+', 'e5', '1e', '1e+',
    '1.2.3', '1_000', '1,5', '"1"', '\u00a01', '1\u00a0', '１', '1e999', '-1e400', '0.5 0.5', '1d5', '--1', '+-1',
  ];
  for (const text of bad) assert.ok(Number.isNaN(parseStrictNumber(text)), `${JSON.stringify(text)} must be refused, got ${parseStrictNumber(text)}`);
});

test('refusals say why', () => {
  assert.equal(describeBadNumber(''), 'empty cell');
  assert.equal(describeBadNumber(' '), 'empty cell (only spaces or tabs)');
  assert.equal(describeBadNumber('\t'), 'empty cell (only spaces or tabs)');
  assert.equal(describeBadNumber('nan'), 'NaN value');
  assert.equal(describeBadNumber(' -inf'), "infinite value ' -inf'");
  assert.equal(describeBadNumber('1e999'), "value '1e999' overflows a double (infinite)");
  assert.match(describeBadNumber(' 0x1f'), /non-numeric value ' 0x1f' \(hexadecimal/);
  assert.equal(describeBadNumber('abc'), "non-numeric value 'abc'");
});

test('clipText keeps messages readable and printable', () => {
  assert.equal(clipText('abc', 5), 'abc');
  assert.equal(clipText('a'.repeat(1000), 10), 'aaaaaaaaaa… (990 more characters)');
  assert.equal(clipText('a\x00b\x1b', 10), 'a\\x00b\\x1b');
});
