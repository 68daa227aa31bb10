/**
 * The formula language: the one choke point for expressions typed by users (rewards, transition
 * weights, termination). Source text is tokenised and parsed by recursive descent into an AST; the AST
 * is then compiled to plain JS closures (`compileFormula`) or printed as an f32 WGSL expression
 * (`formulaToWgsl`). Nothing here ever calls `eval` or `new Function`, and identifiers are looked up in
 * `Map`s, never on objects, so names such as `constructor` or `__proto__` are simply unknown.
 *
 * Grammar (lowest precedence first; `^` and `?:` associate to the right, the rest to the left):
 *
 *     expr     := or ( '?' expr ':' expr )?
 *     or       := and ( '||' and )*
 *     and      := equality ( '&&' equality )*
 *     equality := compare ( ( '==' | '!=' ) compare )*
 *     compare  := additive ( ( '<' | '<=' | '>' | '>=' ) additive )*
 *     additive := term ( ( '+' | '-' ) term )*
 *     term     := unary ( ( '*' | '/' ) unary )*
 *     unary    := ( '-' | '+' | '!' ) unary | power
 *     power    := primary ( '^' unary )?              so -2^2 = -4 and 2^-1 = 0.5
 *     primary  := number | name | name '(' expr ( ',' expr )* ')' | '(' expr ')'
 *
 * Values are numbers. Comparisons and logical operators give 1 or 0; any value other than 0 counts as
 * true (so NaN is true, as in JS). `round(x)` is `floor(x + 0.5)` on both targets (WGSL's own `round`
 * rounds half to even). Division by zero gives +-Infinity or NaN; callers check results for finiteness.
 */
import { MDP_LIMITS } from './types';

/** Maximum nesting depth (parentheses, call arguments, prefix operators, exponents, conditionals). */
export const MAX_FORMULA_DEPTH = 64;

export type BinaryOp = '+' | '-' | '*' | '/' | '^' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&&' | '||';

export type FormulaNode =
  | { kind: 'number'; value: number }
  | { kind: 'variable'; name: string; /** index into the parse's variable list */ index: number }
  | { kind: 'unary'; op: '-' | '!'; arg: FormulaNode }
  | { kind: 'binary'; op: BinaryOp; left: FormulaNode; right: FormulaNode }
  | { kind: 'call'; fn: FormulaFunction; args: FormulaNode[] }
  | { kind: 'conditional'; test: FormulaNode; then: FormulaNode; else: FormulaNode };

/** A parsed formula: the AST and the variable list its `variable.index` fields refer to. */
export interface FormulaAst {
  root: FormulaNode;
  variables: readonly string[];
  /** the variables actually used, in order of first use */
  used: string[];
}

export interface FormulaError {
  message: string;
  /** 0-based offset into the source */
  position: number;
  /** 1-based column, as stated in the message */
  column: number;
}

export type ParseResult = { ok: true; ast: FormulaAst } | { ok: false; error: FormulaError };

export type FormulaFunction =
  | 'abs'
  | 'sqrt'
  | 'exp'
  | 'log'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'tanh'
  | 'min'
  | 'max'
  | 'pow'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'clamp'
  | 'sign';

/** arity: [min, max] number of arguments */
const FUNCTIONS: ReadonlyMap<string, readonly [number, number]> = new Map<string, readonly [number, number]>([
  ['abs', [1, 1]],
  ['sqrt', [1, 1]],
  ['exp', [1, 1]],
  ['log', [1, 1]],
  ['sin', [1, 1]],
  ['cos', [1, 1]],
  ['tan', [1, 1]],
  ['tanh', [1, 1]],
  ['min', [2, 16]],
  ['max', [2, 16]],
  ['pow', [2, 2]],
  ['floor', [1, 1]],
  ['ceil', [1, 1]],
  ['round', [1, 1]],
  ['clamp', [3, 3]],
  ['sign', [1, 1]],
]);

const CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['pi', Math.PI],
  ['e', Math.E],
]);

/** Names of the built-in functions and constants (for documentation and editor hints). */
export const FORMULA_FUNCTIONS: readonly string[] = [...FUNCTIONS.keys()];
export const FORMULA_CONSTANTS: readonly string[] = [...CONSTANTS.keys()];

// ---------------------------------------------------------------------------------------------------
// Tokeniser

type TokenKind = 'number' | 'name' | 'op' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  value: number;
  pos: number;
}

class FormulaSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const OPERATORS_2 = new Set(['<=', '>=', '==', '!=', '&&', '||']);
const OPERATORS_1 = new Set(['+', '-', '*', '/', '^', '(', ')', ',', '?', ':', '<', '>', '!']);

const isDigit = (c: number) => c >= 48 && c <= 57;
const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isNameChar = (c: number) => isNameStart(c) || isDigit(c);
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

function describeChar(src: string, pos: number): string {
  const cp = src.codePointAt(pos) ?? 0;
  if (cp < 32 || cp === 127) return `control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  if (cp > 126) return `character '${String.fromCodePoint(cp)}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
  return `character '${String.fromCodePoint(cp)}'`;
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === 46 && i + 1 < n && isDigit(src.charCodeAt(i + 1)))) {
      while (i < n && isDigit(src.charCodeAt(i))) i++;
      if (i < n && src.charCodeAt(i) === 46) {
        i++;
        while (i < n && isDigit(src.charCodeAt(i))) i++;
      }
      if (i < n && (src.charCodeAt(i) === 101 || src.charCodeAt(i) === 69)) {
        // exponent only when followed by digits (optionally signed); otherwise `2e` is an error below
        let k = i + 1;
        if (k < n && (src.charCodeAt(k) === 43 || src.charCodeAt(k) === 45)) k++;
        if (k < n && isDigit(src.charCodeAt(k))) {
          i = k;
          while (i < n && isDigit(src.charCodeAt(i))) i++;
        } else {
          throw new FormulaSyntaxError(`malformed number '${src.slice(start, k)}' at column ${start + 1}`, start);
        }
      }
      if (i < n && (isNameStart(src.charCodeAt(i)) || src.charCodeAt(i) === 46)) {
        throw new FormulaSyntaxError(
          `malformed number '${src.slice(start, i + 1)}' at column ${start + 1}`,
          start,
        );
      }
      const text = src.slice(start, i);
      const value = Number(text);
      if (!Number.isFinite(value)) {
        throw new FormulaSyntaxError(`number '${text}' at column ${start + 1} is too large`, start);
      }
      tokens.push({ kind: 'number', text, value, pos: start });
      continue;
    }
    if (isNameStart(c)) {
      while (i < n && isNameChar(src.charCodeAt(i))) i++;
      tokens.push({ kind: 'name', text: src.slice(start, i), value: 0, pos: start });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (OPERATORS_2.has(two)) {
      tokens.push({ kind: 'op', text: two, value: 0, pos: start });
      i += 2;
      continue;
    }
    const one = src[i];
    if (OPERATORS_1.has(one)) {
      tokens.push({ kind: 'op', text: one, value: 0, pos: start });
      i += 1;
      continue;
    }
    if (one === '=' || one === '&' || one === '|') {
      const hint = one === '=' ? "'=='" : one === '&' ? "'&&'" : "'||'";
      throw new FormulaSyntaxError(`unexpected '${one}' at column ${start + 1}; did you mean ${hint}?`, start);
    }
    throw new FormulaSyntaxError(`unexpected ${describeChar(src, i)} at column ${start + 1}`, start);
  }
  tokens.push({ kind: 'end', text: '', value: 0, pos: n });
  return tokens;
}

// ---------------------------------------------------------------------------------------------------
// Parser

class Parser {
  private k = 0;
  private depth = 0;
  readonly used: string[] = [];
  private readonly varIndex: Map<string, number>;

  constructor(
    private readonly tokens: Token[],
    private readonly variables: readonly string[],
  ) {
    this.varIndex = new Map(variables.map((v, i) => [v, i]));
  }

  private peek(): Token {
    return this.tokens[this.k];
  }

  private next(): Token {
    return this.tokens[this.k++];
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }

  private describe(t: Token): string {
    if (t.kind === 'end') return 'end of formula';
    return `'${t.text}' at column ${t.pos + 1}`;
  }

  private expect(text: string, context: string): void {
    const t = this.peek();
    if (t.kind === 'op' && t.text === text) {
      this.k++;
      return;
    }
    throw new FormulaSyntaxError(`expected '${text}' ${context} but found ${this.describe(t)}`, t.pos);
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_FORMULA_DEPTH) {
      throw new FormulaSyntaxError(
        `formula nested too deeply at column ${pos + 1} (at most ${MAX_FORMULA_DEPTH} levels)`,
        pos,
      );
    }
  }

  parseAll(): FormulaNode {
    const t = this.peek();
    if (t.kind === 'end') throw new FormulaSyntaxError('empty formula', 0);
    const node = this.parseExpr();
    const rest = this.peek();
    if (rest.kind !== 'end') {
      throw new FormulaSyntaxError(`unexpected ${this.describe(rest)}; expected an operator or end of formula`, rest.pos);
    }
    return node;
  }

  private parseExpr(): FormulaNode {
    this.enter(this.peek().pos);
    const test = this.parseBinary(0);
    let node = test;
    if (this.isOp('?')) {
      const q = this.next();
      const then = this.parseExpr();
      this.expect(':', `to match '?' at column ${q.pos + 1}`);
      const otherwise = this.parseExpr();
      node = { kind: 'conditional', test, then, else: otherwise };
    }
    this.depth--;
    return node;
  }

  private static readonly LEVELS: readonly (readonly string[])[] = [
    ['||'],
    ['&&'],
    ['==', '!='],
    ['<', '<=', '>', '>='],
    ['+', '-'],
    ['*', '/'],
  ];

  private parseBinary(level: number): FormulaNode {
    if (level >= Parser.LEVELS.length) return this.parseUnary();
    const ops = Parser.LEVELS[level];
    let left = this.parseBinary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !ops.includes(t.text)) return left;
      this.k++;
      const right = this.parseBinary(level + 1);
      left = { kind: 'binary', op: t.text as BinaryOp, left, right };
    }
  }

  private parseUnary(): FormulaNode {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '!')) {
      this.k++;
      this.enter(t.pos);
      const arg = this.parseUnary();
      this.depth--;
      if (t.text === '+') return arg;
      return { kind: 'unary', op: t.text as '-' | '!', arg };
    }
    return this.parsePower();
  }

  private parsePower(): FormulaNode {
    const base = this.parsePrimary();
    if (this.isOp('^')) {
      const t = this.next();
      this.enter(t.pos);
      const exponent = this.parseUnary();
      this.depth--;
      return { kind: 'binary', op: '^', left: base, right: exponent };
    }
    return base;
  }

  private parsePrimary(): FormulaNode {
    const t = this.next();
    if (t.kind === 'number') return { kind: 'number', value: t.value };
    if (t.kind === 'op' && t.text === '(') {
      const inner = this.parseExpr();
      this.expect(')', `to close '(' at column ${t.pos + 1}`);
      return inner;
    }
    if (t.kind === 'name') {
      if (this.isOp('(')) return this.parseCall(t);
      const index = this.varIndex.get(t.text);
      if (index !== undefined) {
        if (!this.used.includes(t.text)) this.used.push(t.text);
        return { kind: 'variable', name: t.text, index };
      }
      const constant = CONSTANTS.get(t.text);
      if (constant !== undefined) return { kind: 'number', value: constant };
      if (FUNCTIONS.has(t.text)) {
        throw new FormulaSyntaxError(`function '${t.text}' at column ${t.pos + 1} needs arguments in parentheses`, t.pos);
      }
      const allowed = this.variables.length ? this.variables.join(', ') : '(none)';
      throw new FormulaSyntaxError(`unknown variable '${t.text}' at column ${t.pos + 1}; allowed: ${allowed}`, t.pos);
    }
    if (t.kind === 'end') throw new FormulaSyntaxError('unexpected end of formula; expected a value', t.pos);
    throw new FormulaSyntaxError(`unexpected '${t.text}' at column ${t.pos + 1}; expected a value`, t.pos);
  }

  private parseCall(name: Token): FormulaNode {
    const arity = FUNCTIONS.get(name.text);
    if (!arity) {
      throw new FormulaSyntaxError(
        `unknown function '${name.text}' at column ${name.pos + 1}; known: ${FORMULA_FUNCTIONS.join(', ')}`,
        name.pos,
      );
    }
    const open = this.next(); // '('
    const args: FormulaNode[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        args.push(this.parseExpr());
        if (this.isOp(',')) {
          this.k++;
          continue;
        }
        break;
      }
    }
    this.expect(')', `to close '${name.text}(' at column ${open.pos + 1}`);
    const [lo, hi] = arity;
    if (args.length < lo || args.length > hi) {
      const want = lo === hi ? `${lo}` : hi >= 16 ? `at least ${lo}` : `${lo} to ${hi}`;
      throw new FormulaSyntaxError(
        `function '${name.text}' at column ${name.pos + 1} takes ${want} argument${lo === 1 && hi === 1 ? '' : 's'}, got ${args.length}`,
        name.pos,
      );
    }
    return { kind: 'call', fn: name.text as FormulaFunction, args };
  }
}

/**
 * Parse `src` with the given variable names. Returns the AST or the first error with its position.
 * Never throws for any string input (non-strings are reported as an error too).
 */
export function parseFormula(src: unknown, allowedVariables: readonly string[]): ParseResult {
  const fail = (message: string, position: number): ParseResult => ({
    ok: false,
    error: { message, position, column: position + 1 },
  });
  if (typeof src !== 'string') return fail(`a formula must be a string, got ${src === null ? 'null' : typeof src}`, 0);
  if (src.length > MDP_LIMITS.maxFormulaLength) {
    return fail(
      `formula is ${src.length} characters long; the limit is ${MDP_LIMITS.maxFormulaLength}`,
      MDP_LIMITS.maxFormulaLength,
    );
  }
  try {
    const tokens = tokenize(src);
    const parser = new Parser(tokens, allowedVariables);
    const root = parser.parseAll();
    return { ok: true, ast: { root, variables: [...allowedVariables], used: parser.used } };
  } catch (e) {
    if (e instanceof FormulaSyntaxError) return fail(e.message, e.position);
    // anything else (e.g. a stack overflow on pathological input) is still a parse failure, not a crash
    return fail(`formula could not be parsed: ${e instanceof Error ? e.message : String(e)}`, 0);
  }
}

// ---------------------------------------------------------------------------------------------------
// Compilation to JS closures

/** Variable values: by position in the parse's variable list, or by name. */
export type FormulaVariables = Float64Array | ArrayLike<number> | Readonly<Record<string, number>>;

export type CompiledFormula = (vars: FormulaVariables) => number;

type Reader = (name: string, index: number) => (v: FormulaVariables) => number;

const readIndexed: Reader = (_name, index) => (v) => {
  const x = (v as ArrayLike<number>)[index];
  return x === undefined ? NaN : x;
};

const readNamed: Reader = (name) => (v) =>
  Object.prototype.hasOwnProperty.call(v, name) ? Number((v as Record<string, number>)[name]) : NaN;

const truthy = (x: number) => x !== 0;
const roundHalfUp = (x: number) => Math.floor(x + 0.5);

function build(node: FormulaNode, read: Reader): CompiledFormula {
  switch (node.kind) {
    case 'number': {
      const c = node.value;
      return () => c;
    }
    case 'variable':
      return read(node.name, node.index);
    case 'unary': {
      const a = build(node.arg, read);
      return node.op === '-' ? (v) => -a(v) : (v) => (truthy(a(v)) ? 0 : 1);
    }
    case 'conditional': {
      const t = build(node.test, read);
      const a = build(node.then, read);
      const b = build(node.else, read);
      return (v) => (truthy(t(v)) ? a(v) : b(v));
    }
    case 'binary': {
      const l = build(node.left, read);
      const r = build(node.right, read);
      switch (node.op) {
        case '+':
          return (v) => l(v) + r(v);
        case '-':
          return (v) => l(v) - r(v);
        case '*':
          return (v) => l(v) * r(v);
        case '/':
          return (v) => l(v) / r(v);
        case '^':
          return (v) => Math.pow(l(v), r(v));
        case '<':
          return (v) => (l(v) < r(v) ? 1 : 0);
        case '<=':
          return (v) => (l(v) <= r(v) ? 1 : 0);
        case '>':
          return (v) => (l(v) > r(v) ? 1 : 0);
        case '>=':
          return (v) => (l(v) >= r(v) ? 1 : 0);
        case '==':
          return (v) => (l(v) === r(v) ? 1 : 0);
        case '!=':
          return (v) => (l(v) !== r(v) ? 1 : 0);
        case '&&':
          return (v) => (truthy(l(v)) && truthy(r(v)) ? 1 : 0);
        case '||':
          return (v) => (truthy(l(v)) || truthy(r(v)) ? 1 : 0);
      }
      break;
    }
    case 'call': {
      const args = node.args.map((a) => build(a, read));
      const [x, y, z] = args;
      switch (node.fn) {
        case 'abs':
          return (v) => Math.abs(x(v));
        case 'sqrt':
          return (v) => Math.sqrt(x(v));
        case 'exp':
          return (v) => Math.exp(x(v));
        case 'log':
          return (v) => Math.log(x(v));
        case 'sin':
          return (v) => Math.sin(x(v));
        case 'cos':
          return (v) => Math.cos(x(v));
        case 'tan':
          return (v) => Math.tan(x(v));
        case 'tanh':
          return (v) => Math.tanh(x(v));
        case 'floor':
          return (v) => Math.floor(x(v));
        case 'ceil':
          return (v) => Math.ceil(x(v));
        case 'round':
          return (v) => roundHalfUp(x(v));
        case 'sign':
          return (v) => Math.sign(x(v));
        case 'pow':
          return (v) => Math.pow(x(v), y(v));
        case 'clamp':
          return (v) => Math.min(Math.max(x(v), y(v)), z(v));
        case 'min':
          if (args.length === 2) return (v) => Math.min(x(v), y(v));
          return (v) => {
            let m = Infinity;
            for (const f of args) m = Math.min(m, f(v));
            return m;
          };
        case 'max':
          if (args.length === 2) return (v) => Math.max(x(v), y(v));
          return (v) => {
            let m = -Infinity;
            for (const f of args) m = Math.max(m, f(v));
            return m;
          };
      }
    }
  }
  throw new Error(`formula AST node not understood: ${JSON.stringify((node as { kind?: unknown }).kind)}`);
}

/**
 * Compile an AST to a closure. The closure takes either an array of values in the order of the parse's
 * variable list (fastest: reuse one Float64Array) or a record keyed by variable name; a variable with no
 * value reads as NaN.
 */
export function compileFormula(ast: FormulaAst): CompiledFormula {
  const indexed = build(ast.root, readIndexed);
  const named = build(ast.root, readNamed);
  return (vars) =>
    ArrayBuffer.isView(vars) || Array.isArray(vars) ? indexed(vars) : named(vars as Record<string, number>);
}

/** Parse and compile in one go; throws nothing, returns the parse error instead. */
export function compileFormulaSource(
  src: unknown,
  allowedVariables: readonly string[],
): { ok: true; fn: CompiledFormula; ast: FormulaAst } | { ok: false; error: FormulaError } {
  const parsed = parseFormula(src, allowedVariables);
  if (!parsed.ok) return parsed;
  return { ok: true, fn: compileFormula(parsed.ast), ast: parsed.ast };
}

// ---------------------------------------------------------------------------------------------------
// WGSL

/**
 * Helper functions the WGSL expressions call; include once in any shader that uses `formulaToWgsl`.
 * `wf_pow` matches JS `Math.pow` for negative bases with integral exponents (WGSL's `pow` is undefined
 * for x < 0); `wf_round` is round-half-up like the JS side.
 */
export const FORMULA_WGSL_PRELUDE = `fn wf_pow(x: f32, y: f32) -> f32 {
  if (x >= 0.0) { return pow(x, y); }
  if (y == floor(y)) {
    let m = pow(-x, y);
    if (abs(y - 2.0 * floor(y * 0.5)) > 0.5) { return -m; }
    return m;
  }
  var nan_bits = 0x7fc00000u; // a runtime value: a constant NaN would be a shader-creation error
  return bitcast<f32>(nan_bits);
}
fn wf_round(x: f32) -> f32 { return floor(x + 0.5); }
fn wf_special(bits: u32) -> f32 {
  var b = bits; // a runtime value: a constant Inf/NaN would be a shader-creation error
  return bitcast<f32>(b);
}
fn wf_bool(b: bool) -> f32 { return select(0.0, 1.0, b); }
`;

/** An f32 literal WGSL accepts (always with a '.' or an exponent; finite). */
export function wgslFloat(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot write ${x} as a WGSL f32 literal`);
  // f32 range: values beyond it would be a shader compile error; clamp to the largest finite f32
  if (Math.abs(x) > F32_MAX) x = Math.sign(x) * F32_MAX;
  if (Math.abs(x) < 1e-37) x = 0; // below the f32 normal range: flush, as the GPU would
  let s = String(x);
  if (!/[.eE]/.test(s)) s += '.0';
  else if (/^-?\d+e/.test(s)) s = s.replace('e', '.0e');
  return s;
}

const F32_MAX = 3.4028234663852886e38;

/** A constant as WGSL: a literal when finite in f32, otherwise Inf/NaN made at run time. */
function wgslConstant(v: number): string {
  if (Number.isNaN(v)) return 'wf_special(0x7fc00000u)';
  if (!(Math.abs(v) <= F32_MAX)) return v > 0 ? 'wf_special(0x7f800000u)' : 'wf_special(0xff800000u)';
  return v < 0 ? `(${wgslFloat(v)})` : wgslFloat(v);
}

/**
 * Print the AST as one f32 WGSL expression. `vars` maps each variable name to a WGSL f32 expression
 * (e.g. `{ s: 'f32(s)', a: 'centers[j]' }`) or is a function doing so. Needs FORMULA_WGSL_PRELUDE.
 *
 * Subexpressions without variables are folded here (in f64, then written as f32 literals): WGSL makes
 * a constant expression that overflows or gives NaN a shader-creation error, so `s > 9 ? 1 / 0 : 1`
 * must not reach the compiler as `1.0 / 0.0`; such values are produced at run time instead.
 */
export function formulaToWgsl(ast: FormulaAst, vars: Readonly<Record<string, string>> | ((name: string) => string)): string {
  const lookup = (name: string): string => {
    const out =
      typeof vars === 'function' ? vars(name) : Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined;
    if (typeof out !== 'string' || out.length === 0) throw new Error(`no WGSL expression for variable '${name}'`);
    return `(${out})`;
  };
  const constant = new Map<FormulaNode, boolean>();
  const isConstant = (node: FormulaNode): boolean => {
    let c = constant.get(node);
    if (c !== undefined) return c;
    switch (node.kind) {
      case 'number':
        c = true;
        break;
      case 'variable':
        c = false;
        break;
      case 'unary':
        c = isConstant(node.arg);
        break;
      case 'binary':
        c = isConstant(node.left) && isConstant(node.right);
        break;
      case 'conditional':
        c = isConstant(node.test) && isConstant(node.then) && isConstant(node.else);
        break;
      case 'call':
        c = node.args.every(isConstant);
        break;
    }
    constant.set(node, c);
    return c;
  };
  const cond = (n: FormulaNode) => `(${emit(n)} != 0.0)`;
  const emit = (node: FormulaNode): string => {
    if (node.kind !== 'number' && isConstant(node)) return wgslConstant(build(node, readIndexed)([]));
    switch (node.kind) {
      case 'number':
        return wgslConstant(node.value);
      case 'variable':
        return lookup(node.name);
      case 'unary':
        return node.op === '-' ? `(-${emit(node.arg)})` : `wf_bool(${emit(node.arg)} == 0.0)`;
      case 'conditional':
        return `select(${emit(node.else)}, ${emit(node.then)}, ${cond(node.test)})`;
      case 'binary': {
        const l = emit(node.left);
        const r = emit(node.right);
        switch (node.op) {
          case '+':
          case '-':
          case '*':
          case '/':
            return `(${l} ${node.op} ${r})`;
          case '^':
            return `wf_pow(${l}, ${r})`;
          case '<':
          case '<=':
          case '>':
          case '>=':
          case '==':
          case '!=':
            return `wf_bool(${l} ${node.op} ${r})`;
          case '&&':
          case '||':
            return `wf_bool((${l} != 0.0) ${node.op} (${r} != 0.0))`;
        }
        break;
      }
      case 'call': {
        const a = node.args.map(emit);
        switch (node.fn) {
          case 'pow':
            return `wf_pow(${a[0]}, ${a[1]})`;
          case 'round':
            return `wf_round(${a[0]})`;
          case 'min':
          case 'max':
            return a.slice(1).reduce((acc, x) => `${node.fn}(${acc}, ${x})`, a[0]);
          default:
            return `${node.fn}(${a.join(', ')})`;
        }
      }
    }
    throw new Error('formula AST node not understood');
  };
  return emit(ast.root);
}
