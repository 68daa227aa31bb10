import { describe, expect, it } from 'vitest';
import formulaSource from './formula.ts?raw';
import {
  MAX_FORMULA_DEPTH,
  compileFormula,
  compileFormulaSource,
  formulaToWgsl,
  parseFormula,
  wgslFloat,
  type FormulaAst,
} from './formula';
import { MDP_LIMITS } from './types';

const VARS = ['s', 'a', 'j'];

function ev(src: string, vars: Record<string, number> = {}, names: string[] = VARS): number {
  const r = compileFormulaSource(src, names);
  if (!r.ok) throw new Error(r.error.message);
  return r.fn(vars);
}

function err(src: unknown, names: string[] = VARS) {
  const r = parseFormula(src, names);
  if (r.ok) throw new Error(`expected a parse error for ${JSON.stringify(src)}`);
  return r.error;
}

function ast(src: string, names: string[] = VARS): FormulaAst {
  const r = parseFormula(src, names);
  if (!r.ok) throw new Error(r.error.message);
  return r.ast;
}

describe('formula evaluation', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['8 / 4 / 2', 1],
    ['-2^2', -4],
    ['2^-1', 0.5],
    ['2^3^2', 512],
    ['-(3)', -3],
    ['+4', 4],
    ['--4', 4],
    ['1e3 + .5 + 2.5E-1', 1000.75],
    ['1 < 2', 1],
    ['2 <= 1', 0],
    ['3 > 2 && 2 >= 2', 1],
    ['0 || 0', 0],
    ['0 || 7', 1],
    ['!0', 1],
    ['!5', 0],
    ['1 == 1', 1],
    ['1 != 1', 0],
    ['1 + 1 == 2', 1],
    ['0 ? 1 : 0 ? 2 : 3', 3],
    ['1 ? 0 ? 4 : 5 : 6', 5],
    ['abs(-3)', 3],
    ['sqrt(16)', 4],
    ['exp(0)', 1],
    ['log(e)', 1],
    ['sin(0) + cos(0)', 1],
    ['tan(0)', 0],
    ['tanh(0)', 0],
    ['min(3, 1, 2)', 1],
    ['max(1, 2)', 2],
    ['max(1, 5, 2, 4)', 5],
    ['pow(2, 10)', 1024],
    ['floor(-1.5)', -2],
    ['ceil(1.2)', 2],
    ['round(2.5)', 3],
    ['round(-2.5)', -2],
    ['clamp(5, 0, 1)', 1],
    ['clamp(-5, 0, 1)', 0],
    ['clamp(0.25, 0, 1)', 0.25],
    ['sign(-3) + sign(0)', -1],
    ['pi', Math.PI],
    ['e', Math.E],
  ])('%s = %d', (src, want) => {
    expect(ev(src)).toBeCloseTo(want, 14);
  });

  it('reads variables by position (Float64Array) and by name', () => {
    const r = compileFormulaSource('s * 100 + a * 10 + j', VARS);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.fn(new Float64Array([1, 2, 3]))).toBe(123);
    expect(r.fn([4, 5, 6])).toBe(456);
    expect(r.fn({ s: 7, a: 8, j: 9 })).toBe(789);
    expect(r.ast.used).toEqual(['s', 'a', 'j']);
  });

  it('a variable without a value reads as NaN, never from the prototype', () => {
    const f = compileFormula(ast('a + 1', ['a', 'constructor']));
    expect(f({})).toBeNaN();
    expect(f(new Float64Array(0))).toBeNaN();
    const g = compileFormula(ast('constructor', ['a', 'constructor']));
    expect(g({ a: 1 })).toBeNaN(); // Object.prototype.constructor is not a value
    expect(g({ a: 1, constructor: 3 } as Record<string, number>)).toBe(3);
  });

  it('evaluates the ternary lazily and gives Infinity/NaN for bad arithmetic (callers check)', () => {
    expect(ev('s > 0 ? 1 / s : 0', { s: 0, a: 0, j: 0 })).toBe(0);
    expect(ev('1 / s', { s: 0, a: 0, j: 0 })).toBe(Infinity);
    expect(ev('log(a)', { s: 0, a: -1, j: 0 })).toBeNaN();
  });
});

describe('formula errors', () => {
  it('names the unknown variable, its column and the allowed ones', () => {
    const e = err('a + 2*b');
    expect(e.message).toBe("unknown variable 'b' at column 7; allowed: s, a, j");
    expect(e.position).toBe(6);
    expect(e.column).toBe(7);
  });

  it.each([
    ['', 'empty formula', 0],
    ['   ', 'empty formula', 0],
    ['1 +', 'unexpected end of formula; expected a value', 3],
    ['1 2', "unexpected '2' at column 3; expected an operator or end of formula", 2],
    [')(', "unexpected ')' at column 1; expected a value", 0],
    ['(1 + 2', "expected ')' to close '(' at column 1 but found end of formula", 6],
    ['foo(1)', "unknown function 'foo' at column 1; known: abs, sqrt, exp, log, sin, cos, tan, tanh, min, max, pow, floor, ceil, round, clamp, sign", 0],
    ['sqrt', "function 'sqrt' at column 1 needs arguments in parentheses", 0],
    ['sqrt(1, 2)', "function 'sqrt' at column 1 takes 1 argument, got 2", 0],
    ['min(1)', "function 'min' at column 1 takes at least 2 arguments, got 1", 0],
    ['clamp(1, 2)', "function 'clamp' at column 1 takes 3 arguments, got 2", 0],
    ['a = 1', "unexpected '=' at column 3; did you mean '=='?", 2],
    ['a & s', "unexpected '&' at column 3; did you mean '&&'?", 2],
    ['a | s', "unexpected '|' at column 3; did you mean '||'?", 2],
    ['1..2', "malformed number '1..' at column 1", 0],
    ['2e', "malformed number '2e' at column 1", 0],
    ['3x', "malformed number '3x' at column 1", 0],
    ['1e999', "number '1e999' at column 1 is too large", 0],
    ['a # 2', "unexpected character '#' at column 3", 2],
    ['2 * π', "unexpected character 'π' (U+03C0) at column 5", 4],
    ['😀 + 1', "unexpected character '😀' (U+1F600) at column 1", 0],
    ['a\u0000', 'unexpected control character U+0000 at column 2', 1],
    ['a ? 1', "expected ':' to match '?' at column 3 but found end of formula", 5],
    ['constructor', "unknown variable 'constructor' at column 1; allowed: s, a, j", 0],
    ['__proto__', "unknown variable '__proto__' at column 1; allowed: s, a, j", 0],
    ['toString(1)', "unknown function 'toString' at column 1; known: abs, sqrt, exp, log, sin, cos, tan, tanh, min, max, pow, floor, ceil, round, clamp, sign", 0],
    ['hasOwnProperty', "unknown variable 'hasOwnProperty' at column 1; allowed: s, a, j", 0],
    ['a.b', "malformed number", -1],
  ])('%j', (src, message, position) => {
    const e = err(src);
    if (position < 0) {
      // '.b' is not a number: the '.' is an unexpected character
      expect(e.message).toBe("unexpected character '.' at column 2");
      return;
    }
    expect(e.message).toBe(message);
    expect(e.position).toBe(position);
  });

  it('rejects non-strings', () => {
    expect(err(null).message).toBe('a formula must be a string, got null');
    expect(err(42).message).toBe('a formula must be a string, got number');
    expect(err({ toString: () => '1' }).message).toBe('a formula must be a string, got object');
  });

  it('says "(none)" when no variables are allowed', () => {
    expect(err('x', []).message).toBe("unknown variable 'x' at column 1; allowed: (none)");
  });

  it('enforces the length limit exactly', () => {
    const ok = '1' + '+1'.repeat((MDP_LIMITS.maxFormulaLength - 1) / 2 - 0.5);
    expect(ok.length).toBe(MDP_LIMITS.maxFormulaLength - 1);
    expect(ev(ok + ' ')).toBe((ok.length + 1) / 2);
    const tooLong = ok + '+1';
    const e = err(tooLong);
    expect(e.message).toBe(`formula is ${MDP_LIMITS.maxFormulaLength + 1} characters long; the limit is ${MDP_LIMITS.maxFormulaLength}`);
    expect(e.position).toBe(MDP_LIMITS.maxFormulaLength);
    expect(err('1'.repeat(1_000_000)).message).toMatch(/1000000 characters long/);
  });

  it('limits nesting depth instead of overflowing the stack', () => {
    const fine = '('.repeat(20) + 'a' + ')'.repeat(20);
    expect(ev(fine, { a: 3 })).toBe(3);
    const deep = '('.repeat(MAX_FORMULA_DEPTH + 1) + '1' + ')'.repeat(MAX_FORMULA_DEPTH + 1);
    expect(err(deep).message).toMatch(new RegExp(`nested too deeply at column \\d+ \\(at most ${MAX_FORMULA_DEPTH} levels\\)`));
    expect(err('-'.repeat(200) + '1').message).toMatch(/nested too deeply/);
    expect(err('!'.repeat(1000) + '1').message).toMatch(/nested too deeply/);
    expect(err('2^'.repeat(300) + '2').message).toMatch(/nested too deeply/);
    expect(err('abs('.repeat(300) + '1' + ')'.repeat(300)).message).toMatch(/nested too deeply/);
    expect(err('1?'.repeat(300) + '1' + ':1'.repeat(300)).message).toMatch(/nested too deeply/);
    // long flat chains are fine (they are loops, not recursion)
    expect(ev(Array.from({ length: 1500 }, () => 'a').join('*'), { a: 1 })).toBe(1);
  });

  it('never throws on random input; what parses evaluates to a number', () => {
    const alphabet = ['1', '2.5', 'a', 's', 'j', '+', '-', '*', '/', '^', '(', ')', ',', '?', ':', '<', '<=', '==', '!', '&&', '||',
      'min', 'max', 'clamp', 'sqrt', 'pi', ' ', 'e', '.', '=', '&', 'x', '\u00e9', '__proto__', 'constructor', '1e', '9e999'];
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    let parsed = 0;
    for (let t = 0; t < 3000; t++) {
      const len = 1 + Math.floor(rand() * 14);
      let src = '';
      for (let k = 0; k < len; k++) src += alphabet[Math.floor(rand() * alphabet.length)];
      const r = parseFormula(src, VARS);
      if (r.ok) {
        parsed++;
        const v = compileFormula(r.ast)({ s: 1, a: 0.5, j: 2 });
        expect(typeof v).toBe('number');
        expect(() => formulaToWgsl(r.ast, { s: 'S', a: 'A', j: 'J' })).not.toThrow();
      } else {
        expect(r.error.position).toBeGreaterThanOrEqual(0);
        expect(r.error.position).toBeLessThanOrEqual(src.length);
        expect(r.error.message.length).toBeGreaterThan(0);
      }
    }
    expect(parsed).toBeGreaterThan(50);
  });

  it('the module never evaluates strings as code', () => {
    expect(formulaSource).not.toMatch(/\beval\s*\(/);
    expect(formulaSource).not.toMatch(/\bFunction\s*\(/);
    expect(formulaSource).not.toMatch(/\bimport\s*\(/);
  });
});

describe('formula to WGSL', () => {
  it('prints an f32 expression with the prelude helpers', () => {
    const a = ast('s > 0 ? -a * 2 : a^2 + min(1, j, 3)');
    expect(formulaToWgsl(a, { s: 'f32(si)', a: 'centers[k]', j: 'f32(k)' })).toBe(
      'select((wf_pow((centers[k]), 2.0) + min(min(1.0, (f32(k))), 3.0)), ((-(centers[k])) * 2.0), ' +
        '(wf_bool((f32(si)) > 0.0) != 0.0))',
    );
    expect(formulaToWgsl(ast('!(a && s) || round(j) == clamp(a, 0, 1)'), (n) => n)).toBe(
      'wf_bool((wf_bool(wf_bool(((a) != 0.0) && ((s) != 0.0)) == 0.0) != 0.0) || ' +
        '(wf_bool(wf_round((j)) == clamp((a), 0.0, 1.0)) != 0.0))',
    );
    expect(formulaToWgsl(ast('pi + e + 1e21 + 1e-7 + pow(a, 3)'), (n) => n)).toBe('(1.0e+21 + wf_pow((a), 3.0))');
    expect(formulaToWgsl(ast('a * (2 * pi) - -1'), (n) => n)).toBe('(((a) * 6.283185307179586) - (-1.0))');
  });

  it('folds constants and never writes a constant Inf or NaN (a WGSL shader-creation error)', () => {
    expect(formulaToWgsl(ast('s > 5 ? 1 / 0 : log(0) - sqrt(-1)'), (n) => n)).toBe(
      'select(wf_special(0x7fc00000u), wf_special(0x7f800000u), (wf_bool((s) > 5.0) != 0.0))',
    );
    expect(formulaToWgsl(ast('a + exp(100) - exp(100)'), (n) => n)).toBe(
      '(((a) + wf_special(0x7f800000u)) - wf_special(0x7f800000u))',
    );
    expect(formulaToWgsl(ast('-log(0)'), (n) => n)).toBe('wf_special(0x7f800000u)');
    expect(formulaToWgsl(ast('log(0)'), (n) => n)).toBe('wf_special(0xff800000u)');
  });

  it('refuses variables it has no expression for', () => {
    expect(() => formulaToWgsl(ast('a + s'), { a: 'x' })).toThrow("no WGSL expression for variable 's'");
  });

  it('writes valid f32 literals', () => {
    expect(wgslFloat(1)).toBe('1.0');
    expect(wgslFloat(0.5)).toBe('0.5');
    expect(wgslFloat(-3)).toBe('-3.0');
    expect(wgslFloat(1e300)).toBe('3.4028234663852886e+38');
    expect(wgslFloat(1e-300)).toBe('0.0');
    expect(() => wgslFloat(NaN)).toThrow();
  });
});
