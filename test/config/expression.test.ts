import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, ExpressionError, expressionNames, parseExpression } from '../../src/config/expression.js';

const at = (src: string, vars: Record<string, number>): number =>
  evaluate(parseExpression(src), (n) => {
    if (!(n in vars)) throw new Error(`no ${n}`);
    return vars[n];
  });

test('coordinate-map expressions: precedence, unary minus, powers, functions and pi as in ordinary notation', () => {
  assert.equal(at('2*x2 - 1', { x2: 0.25 }), -0.5);
  assert.equal(at('1 + 2*3^2', {}), 19);
  assert.equal(at('-x^2', { x: 3 }), -9); // −(x²), as in mathematics
  assert.equal(at('2^3^2', {}), 512); // right-associative
  assert.equal(at('(1 - x)/(1 + x)', { x: 0.5 }), 1 / 3);
  assert.equal(at('2*pi*x6', { x6: 0.5 }), Math.PI);
  assert.equal(at('log10(x1) + sqrt(16) + exp(0) + abs(-2)', { x1: 100 }), 9);
  assert.equal(at('acos(2*x2 - 1)', { x2: 0 }), Math.PI);
  assert.equal(at('1.5e3 + .5', {}), 1500.5);
  // zz4d's √ŝ: an expression of x1 and both masses.
  assert.equal(at('(50 + 80*x3) + (50 + 80*x4) + x1*(3000 - (50 + 80*x3) - (50 + 80*x4))', { x1: 0.5, x3: 0.5, x4: 0.5 }), 180 + 0.5 * (3000 - 180));
  assert.deepEqual(expressionNames(parseExpression('sqrt(p3_px^2 + p3_py^2) / p3_E + pi*p3_px')), ['p3_px', 'p3_py', 'p3_E']);
});

test('bad expressions fail with the position and what was expected; nothing is evaluated as code', () => {
  const fails = (src: string, pos: number, msg: RegExp): void =>
    assert.throws(() => parseExpression(src), (e: Error) => {
      assert.ok(e instanceof ExpressionError);
      assert.equal(e.position, pos, `${src}: ${e.message}`);
      assert.match(e.message, msg);
      return true;
    });
  fails('2*x1 +', 6, /expected a number, a name or '\(' at the end/);
  fails('(x1 + 1', 7, /expected '\)' at the end/);
  fails('x1 x2', 3, /unexpected 'x2' after a complete expression/);
  fails('foo(x1)', 0, /unknown function 'foo'/);
  fails('log x1', 0, /function 'log' needs an argument/);
  fails('x1; process.exit(1)', 2, /unexpected character ';'/);
  fails('this.constructor', 4, /unexpected character '\.'/);
  fails('x1 ** 2', 4, /expected a number/);
});
