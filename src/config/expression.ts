// A small arithmetic language for coordinate maps ("2*x2 - 1",
// "log10(x1)", "sqrt(p3_px^2 + p3_py^2)"): numbers, input names, + − * / ^,
// parentheses, pi and a fixed list of one-argument functions. Parsed once by
// recursive descent into a tree and evaluated by walking it, never by eval or
// new Function: a config file is data, and a map must not be able to run code.

export const FUNCTIONS = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
} as const satisfies Record<string, (v: number) => number>;

export type FunctionName = keyof typeof FUNCTIONS;

export const CONSTANTS = { pi: Math.PI } as const satisfies Record<string, number>;

export type Expr =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'neg'; readonly arg: Expr }
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/' | '^'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'call'; readonly fn: FunctionName; readonly arg: Expr };

/** A parse failure, with the 0-based character position it was found at. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

interface Token {
  readonly kind: 'number' | 'name' | 'op' | 'end';
  readonly text: string;
  readonly pos: number;
}

const NUMBER = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const rest = src.slice(i);
    const num = NUMBER.exec(rest);
    if (num !== null) {
      tokens.push({ kind: 'number', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name !== null) {
      tokens.push({ kind: 'name', text: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    if ('+-*/^()'.includes(c)) {
      tokens.push({ kind: 'op', text: c, pos: i });
      i++;
      continue;
    }
    throw new ExpressionError(`unexpected character '${c}'`, i);
  }
  tokens.push({ kind: 'end', text: '', pos: src.length });
  return tokens;
}

/**
 * expr  := term (('+' | '−') term)*
 * term  := unary (('*' | '/') unary)*
 * unary := '−' unary | power
 * power := atom ('^' unary)?          (right-associative; −x^2 is −(x^2))
 * atom  := number | name | function '(' expr ')' | '(' expr ')'
 */
export function parseExpression(src: string): Expr {
  const tokens = tokenize(src);
  let k = 0;
  const peek = (): Token => tokens[k];
  const isOp = (t: Token, ops: string): boolean => t.kind === 'op' && ops.includes(t.text);
  const expect = (text: string): void => {
    const t = peek();
    if (!(t.kind === 'op' && t.text === text)) throw new ExpressionError(`expected '${text}'${describe(t)}`, t.pos);
    k++;
  };

  /** A left-associative level: operands from `next`, joined by the operators in `ops`. */
  const level = (ops: '+-' | '*/', next: () => Expr) => (): Expr => {
    let left = next();
    while (isOp(peek(), ops)) {
      const op = tokens[k++].text as '+' | '-' | '*' | '/';
      left = { kind: 'binary', op, left, right: next() };
    }
    return left;
  };
  // Arrows, so each level reads the next one when called (unary and power are defined below).
  const term = level('*/', () => unary());
  const expr = level('+-', () => term());
  const unary = (): Expr => {
    if (isOp(peek(), '-')) {
      k++;
      return { kind: 'neg', arg: unary() };
    }
    if (isOp(peek(), '+')) {
      k++;
      return unary();
    }
    return power();
  };
  const power = (): Expr => {
    const base = atom();
    if (isOp(peek(), '^')) {
      k++;
      return { kind: 'binary', op: '^', left: base, right: unary() };
    }
    return base;
  };
  const atom = (): Expr => {
    const t = peek();
    if (t.kind === 'number') {
      k++;
      return { kind: 'number', value: Number(t.text) };
    }
    if (t.kind === 'name') {
      k++;
      if (isOp(peek(), '(')) {
        if (!(t.text in FUNCTIONS)) throw new ExpressionError(`unknown function '${t.text}' (known: ${Object.keys(FUNCTIONS).join(', ')})`, t.pos);
        k++;
        const arg = expr();
        expect(')');
        return { kind: 'call', fn: t.text as FunctionName, arg };
      }
      if (t.text in FUNCTIONS) throw new ExpressionError(`function '${t.text}' needs an argument in parentheses`, t.pos);
      return { kind: 'name', name: t.text };
    }
    if (isOp(t, '(')) {
      k++;
      const inner = expr();
      expect(')');
      return inner;
    }
    throw new ExpressionError(`expected a number, a name or '('${describe(t)}`, t.pos);
  };

  const tree = expr();
  const t = peek();
  if (t.kind !== 'end') throw new ExpressionError(`unexpected '${t.text}' after a complete expression`, t.pos);
  return tree;
}

function describe(t: Token): string {
  return t.kind === 'end' ? ' at the end' : `, found '${t.text}'`;
}

/** The variable names an expression reads (constants excluded), in order of first use. */
export function expressionNames(e: Expr): string[] {
  const out: string[] = [];
  const visit = (n: Expr): void => {
    switch (n.kind) {
      case 'number':
        return;
      case 'name':
        if (!(n.name in CONSTANTS) && !out.includes(n.name)) out.push(n.name);
        return;
      case 'neg':
      case 'call':
        visit(n.arg);
        return;
      case 'binary':
        visit(n.left);
        visit(n.right);
        return;
    }
  };
  visit(e);
  return out;
}

/** Evaluates with variables looked up by `value` (which throws for an unknown name). */
export function evaluate(e: Expr, value: (name: string) => number): number {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'name':
      return e.name in CONSTANTS ? CONSTANTS[e.name as keyof typeof CONSTANTS] : value(e.name);
    case 'neg':
      return -evaluate(e.arg, value);
    case 'call':
      return FUNCTIONS[e.fn](evaluate(e.arg, value));
    case 'binary': {
      const a = evaluate(e.left, value);
      const b = evaluate(e.right, value);
      switch (e.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '^':
          return a ** b;
      }
    }
  }
}
