/**
 * `compileMdp`: the one validator and compiler from an MDP document (anything parsed from JSON, or built
 * in JS) to the TabularMdp of ALGORITHMS.md §1. It returns every problem it finds, with locations, or
 * the compiled model and its warnings.
 *
 * What it builds:
 *  - r(s, j) = the reward table / formula at (s, j) plus, for table transitions, sum over outcomes of
 *    p * reward (per-outcome rewards, terminated outcomes included);
 *  - P as CSR rows over (s, j): next states sorted, repeated next states summed, zero-probability and
 *    terminated outcomes omitted (the row then sums to 1 - P(terminated | s, j));
 *  - terminal states: every action is a self-loop with probability 1 and reward 0 (whatever the document
 *    says for them; a warning says when it said something);
 *  - the transport cost c(j, k) = |x_j - x_k|^p from positions or grid centres, the given matrix, or the
 *    0/1 cost when neither; mu uniform unless given.
 *
 * Formula variables: `s`, `j`, `S`, `N`, the action position `a` (1-D) or `a1`, `a2` (2-D) when the
 * action space has positions (box cell centres or discrete `positions`), and `sn` (next state) in
 * transition formulas. A formula that gives NaN or Inf at some (s, j) is an error at that (s, j).
 */
import { compileFormulaSource, type CompiledFormula } from './formula';
import { MDP_LIMITS, type CompileResult, type MdpIssue, type TabularMdp } from './types';
import {
  IssueCollector,
  checkStructure,
  describeValue,
  fmt,
  formulaVariables,
  isRecord,
  readIndex,
  readNumber,
  typeName,
  type CheckedStructure,
} from './validate';

export { actionCount, gridCenters, actionGrid, formulaVariables, costFromPositions } from './validate';

/** Growable typed arrays for CSR assembly. */
class CsrBuilder {
  next = new Uint32Array(1024);
  prob = new Float64Array(1024);
  length = 0;

  push(next: number, prob: number): void {
    if (this.length === this.next.length) {
      const cap = this.next.length * 2;
      const n2 = new Uint32Array(cap);
      n2.set(this.next);
      const p2 = new Float64Array(cap);
      p2.set(this.prob);
      this.next = n2;
      this.prob = p2;
    }
    this.next[this.length] = next;
    this.prob[this.length] = prob;
    this.length++;
  }
}

interface CompiledTransitions {
  rowPtr: Uint32Array;
  next: Uint32Array;
  prob: Float64Array;
  /** sum over outcomes of p * reward (table transitions), index s * N + j */
  outcomeReward: Float64Array;
}

/** Value layout for formula evaluation, matching formulaVariables(). */
class FormulaFrame {
  readonly values: Float64Array;
  private readonly posOffset = 2;
  private readonly snOffset: number;

  constructor(
    private readonly st: CheckedStructure,
    transition: boolean,
  ) {
    const d = st.formulaDim;
    this.values = new Float64Array(2 + d + (transition ? 1 : 0) + 2);
    this.snOffset = 2 + d;
    const tail = this.values.length - 2;
    this.values[tail] = st.S;
    this.values[tail + 1] = st.N;
  }

  set(s: number, j: number): void {
    const v = this.values;
    v[0] = s;
    v[1] = j;
    const d = this.st.formulaDim;
    const pos = this.st.formulaPositions;
    if (pos) for (let axis = 0; axis < d; axis++) v[this.posOffset + axis] = pos[j * d + axis];
  }

  setNext(sn: number): void {
    this.values[this.snOffset] = sn;
  }

  describe(s: number, j: number, sn?: number): string {
    const parts = [`s=${s}`, `j=${j}`];
    const d = this.st.formulaDim;
    const pos = this.st.formulaPositions;
    if (pos && d === 1) parts.push(`a=${fmt(pos[j])}`);
    if (pos && d === 2) parts.push(`a1=${fmt(pos[2 * j])}`, `a2=${fmt(pos[2 * j + 1])}`);
    if (sn !== undefined) parts.push(`sn=${sn}`);
    return parts.join(', ');
  }
}

function parseFormulaAt(
  issues: IssueCollector,
  src: unknown,
  vars: string[],
  path: string,
  field: string,
  loc: { state?: number } = {},
): CompiledFormula | undefined {
  const r = compileFormulaSource(src, vars);
  if (r.ok) return r.fn;
  issues.error('formula-syntax', `${path}: ${r.error.message}`, { path, field, ...loc });
  return undefined;
}

function checkRewards(issues: IssueCollector, x: unknown, st: CheckedStructure): Float64Array | undefined {
  const { S, N } = st;
  if (!isRecord(x)) {
    issues.error(x === undefined ? 'missing-field' : 'wrong-type', `rewards must be {kind: 'table', values} or {kind: 'formula', expr}, got ${typeName(x)}`, {
      path: 'rewards',
    });
    return undefined;
  }
  const r = new Float64Array(S * N);
  if (x.kind === 'table') {
    const values = x.values;
    if (!Array.isArray(values) || values.length !== S) {
      issues.error('shape', `rewards.values must have one row per state (${S}), got ${Array.isArray(values) ? `${values.length} rows` : typeName(values)}`, {
        path: 'rewards.values',
      });
      return undefined;
    }
    let ok = true;
    for (let s = 0; s < S; s++) {
      const row = values[s];
      const path = `rewards.values[${s}]`;
      if (!Array.isArray(row) || row.length !== N) {
        issues.error('shape', `${path} must have one reward per action (${N}), got ${Array.isArray(row) ? `${row.length} entries` : typeName(row)}`, {
          path,
          state: s,
        });
        ok = false;
        continue;
      }
      for (let j = 0; j < N; j++) {
        const v = readNumber(issues, row[j], `${path}[${j}]`, { state: s, action: j });
        if (v === undefined) ok = false;
        else r[s * N + j] = v;
      }
    }
    return ok ? r : undefined;
  }
  if (x.kind === 'formula') {
    const vars = formulaVariables(st.formulaDim, 'reward');
    const base = parseFormulaAt(issues, x.expr, vars, 'rewards.expr', 'expr');
    const perState = new Map<number, CompiledFormula>();
    let ok = base !== undefined;
    if (x.perState !== undefined) {
      if (!isRecord(x.perState)) {
        issues.error('wrong-type', `rewards.perState must be an object {"<state index>": "<formula>"}, got ${typeName(x.perState)}`, {
          path: 'rewards.perState',
        });
        ok = false;
      } else {
        for (const [key, src] of Object.entries(x.perState)) {
          const path = `rewards.perState[${JSON.stringify(key)}]`;
          const s = /^(0|[1-9]\d*)$/.test(key) ? Number(key) : NaN;
          if (!(s >= 0 && s < S)) {
            issues.error('index-range', `${path}: '${key}' is not a state index (valid: 0..${S - 1})`, { path });
            ok = false;
            continue;
          }
          const fn = parseFormulaAt(issues, src, vars, path, 'perState', { state: s });
          if (fn) perState.set(s, fn);
          else ok = false;
        }
      }
    }
    if (!ok || !base || !st.formulasEvaluable) return undefined;
    const frame = new FormulaFrame(st, false);
    for (let s = 0; s < S; s++) {
      if (st.terminal[s]) continue;
      const fn = perState.get(s) ?? base;
      const path = perState.has(s) ? `rewards.perState[${JSON.stringify(String(s))}]` : 'rewards.expr';
      for (let j = 0; j < N; j++) {
        frame.set(s, j);
        const v = fn(frame.values);
        if (!Number.isFinite(v)) {
          issues.error('formula-not-finite', `reward formula gives ${v} at ${frame.describe(s, j)}`, {
            path,
            state: s,
            action: j,
            field: 'reward',
          });
          ok = false;
        } else r[s * N + j] = v;
      }
    }
    return ok ? r : undefined;
  }
  issues.error('wrong-type', `rewards.kind must be 'table' or 'formula', got ${describeValue(x.kind)}`, {
    path: 'rewards.kind',
  });
  return undefined;
}

function sumMessage(where: string, total: number, terminated: number): string {
  const tol = MDP_LIMITS.probabilitySumTolerance;
  const term = terminated > 0 ? ` (including terminated mass ${fmt(terminated)})` : '';
  return `outcomes of ${where} sum to ${fmt(total)}${term}; they must sum to 1 within ${tol}`;
}

function checkTableTransitions(
  issues: IssueCollector,
  x: Record<string, unknown>,
  st: CheckedStructure,
): CompiledTransitions | undefined {
  const { S, N, terminal } = st;
  const entries = x.entries;
  if (!Array.isArray(entries)) {
    issues.error('wrong-type', `transitions.entries must be an array of {s, a, next, p}, got ${typeName(entries)}`, {
      path: 'transitions.entries',
    });
    return undefined;
  }
  if (entries.length > MDP_LIMITS.maxTransitions) {
    issues.error('too-large', `${entries.length} transition entries; the limit is ${MDP_LIMITS.maxTransitions}`, {
      path: 'transitions.entries',
    });
    return undefined;
  }
  const SN = S * N;
  const M = entries.length;
  const entryRow = new Int32Array(M).fill(-1);
  const entryNext = new Uint32Array(M);
  const entryP = new Float64Array(M);
  const mass = new Float64Array(SN);
  const termMass = new Float64Array(SN);
  const seen = new Uint8Array(SN); // 1 = has an entry, 2 = has a broken entry (no sum check)
  const count = new Uint32Array(SN + 1);
  const outcomeReward = new Float64Array(SN);
  const overridden = new Set<number>();
  let ok = true;

  for (let i = 0; i < M; i++) {
    const e = entries[i];
    const path = `transitions.entries[${i}]`;
    if (!isRecord(e)) {
      issues.error('wrong-type', `${path} must be an object {s, a, next, p}, got ${typeName(e)}`, { path });
      ok = false;
      continue;
    }
    const s = readIndex(issues, e.s, S, 'state', `${path}.s`, { field: 's' });
    const a = readIndex(issues, e.a, N, 'action', `${path}.a`, { state: s, field: 'a' });
    const next = readIndex(issues, e.next, S, 'state', `${path}.next`, { state: s, action: a, field: 'next' });
    const loc = { state: s, action: a };
    let p = readNumber(issues, e.p, `${path}.p`, { ...loc, field: 'p' });
    if (p !== undefined && p < 0) {
      issues.error('negative-probability', `${path}.p = ${fmt(p)}; probabilities must be >= 0`, {
        path: `${path}.p`,
        ...loc,
        field: 'p',
      });
      p = undefined;
    }
    let terminated = false;
    if (e.terminated !== undefined) {
      if (typeof e.terminated !== 'boolean') {
        issues.error('wrong-type', `${path}.terminated must be true or false, got ${typeName(e.terminated)}`, {
          path: `${path}.terminated`,
          ...loc,
          field: 'terminated',
        });
        ok = false;
      } else terminated = e.terminated;
    }
    let reward = 0;
    if (e.reward !== undefined) {
      const r = readNumber(issues, e.reward, `${path}.reward`, { ...loc, field: 'reward' });
      if (r === undefined) ok = false;
      else reward = r;
    }
    if (s === undefined || a === undefined) {
      ok = false;
      continue;
    }
    const row = s * N + a;
    if (terminal[s]) {
      if (!overridden.has(s)) {
        overridden.add(s);
        issues.warn('terminal-overridden', `state ${s} is terminal: its transition entries (first: ${path}) are ignored`, {
          path,
          state: s,
        });
      }
      continue;
    }
    if (next === undefined || p === undefined) {
      ok = false;
      seen[row] = 2;
      continue;
    }
    if (seen[row] === 0) seen[row] = 1;
    mass[row] += p;
    outcomeReward[row] += p * reward;
    if (terminated) {
      termMass[row] += p;
      continue;
    }
    if (p === 0) continue;
    entryRow[i] = row;
    entryNext[i] = next;
    entryP[i] = p;
    count[row + 1]++;
  }

  for (let s = 0; s < S; s++) {
    if (terminal[s]) continue;
    for (let j = 0; j < N; j++) {
      const row = s * N + j;
      const where = `(s=${s}, j=${j})`;
      if (seen[row] === 0) {
        issues.error('missing-outcomes', `no transition entries for ${where}: every state-action pair needs its outcomes`, {
          path: 'transitions.entries',
          state: s,
          action: j,
        });
        ok = false;
      } else if (seen[row] === 1 && Math.abs(mass[row] - 1) > MDP_LIMITS.probabilitySumTolerance) {
        issues.error('probability-sum', sumMessage(where, mass[row], termMass[row]), {
          path: 'transitions.entries',
          state: s,
          action: j,
          field: 'p',
        });
        ok = false;
      }
    }
  }
  if (!ok) return undefined;

  // CSR: counting sort by row, then by next state within the row, merging repeats
  for (let r = 0; r < SN; r++) count[r + 1] += count[r];
  const order = new Uint32Array(count[SN]);
  const fill = count.slice(0, SN);
  for (let i = 0; i < M; i++) {
    const r = entryRow[i];
    if (r >= 0) order[fill[r]++] = i;
  }
  const out = new CsrBuilder();
  const rowPtr = new Uint32Array(SN + 1);
  for (let r = 0; r < SN; r++) {
    const s = Math.floor(r / N);
    rowPtr[r] = out.length;
    if (terminal[s]) {
      out.push(s, 1);
      continue;
    }
    const seg = order.subarray(count[r], count[r + 1]);
    if (seg.length > 1) seg.sort((u, v) => entryNext[u] - entryNext[v] || u - v);
    let k = 0;
    while (k < seg.length) {
      const nx = entryNext[seg[k]];
      let p = 0;
      while (k < seg.length && entryNext[seg[k]] === nx) p += entryP[seg[k++]];
      out.push(nx, p);
    }
  }
  rowPtr[SN] = out.length;
  return {
    rowPtr,
    next: out.next.slice(0, out.length),
    prob: out.prob.slice(0, out.length),
    outcomeReward,
  };
}

function checkFormulaTransitions(
  issues: IssueCollector,
  x: Record<string, unknown>,
  st: CheckedStructure,
): CompiledTransitions | undefined {
  const { S, N, terminal } = st;
  const vars = formulaVariables(st.formulaDim, 'transition');
  const weight = parseFormulaAt(issues, x.weight, vars, 'transitions.weight', 'weight');
  let terminated: CompiledFormula | undefined;
  let ok = weight !== undefined;
  if (x.terminated !== undefined) {
    terminated = parseFormulaAt(issues, x.terminated, vars, 'transitions.terminated', 'terminated');
    if (!terminated) ok = false;
  }
  if (x.normalize !== undefined && typeof x.normalize !== 'boolean') {
    issues.error('wrong-type', `transitions.normalize must be true or false, got ${typeName(x.normalize)}`, {
      path: 'transitions.normalize',
    });
    ok = false;
  }
  const evaluations = S * N * S;
  if (evaluations > MDP_LIMITS.maxTransitions) {
    issues.error(
      'too-large',
      `a transition formula is evaluated for every (s, j, sn): ${S} x ${N} x ${S} = ${evaluations} times; the limit is ${MDP_LIMITS.maxTransitions} (use a table of entries)`,
      { path: 'transitions.weight' },
    );
    return undefined;
  }
  if (!ok || !weight || !st.formulasEvaluable) return undefined;
  const normalize = x.normalize === true;
  const frame = new FormulaFrame(st, true);
  const w = new Float64Array(S);
  const t = new Uint8Array(S);
  const out = new CsrBuilder();
  const rowPtr = new Uint32Array(S * N + 1);
  for (let s = 0; s < S; s++) {
    for (let j = 0; j < N; j++) {
      const row = s * N + j;
      rowPtr[row] = out.length;
      if (terminal[s]) {
        out.push(s, 1);
        continue;
      }
      frame.set(s, j);
      let total = 0;
      let termTotal = 0;
      let rowOk = true;
      for (let sn = 0; sn < S; sn++) {
        frame.setNext(sn);
        const v = weight(frame.values);
        if (!Number.isFinite(v)) {
          issues.error('formula-not-finite', `transition weight formula gives ${v} at ${frame.describe(s, j, sn)}`, {
            path: 'transitions.weight',
            state: s,
            action: j,
            field: 'weight',
          });
          rowOk = false;
          continue;
        }
        if (v < 0) {
          issues.error('negative-probability', `transition weight formula gives ${fmt(v)} < 0 at ${frame.describe(s, j, sn)}`, {
            path: 'transitions.weight',
            state: s,
            action: j,
            field: 'weight',
          });
          rowOk = false;
          continue;
        }
        w[sn] = v;
        t[sn] = 0;
        if (terminated && v > 0) {
          const tv = terminated(frame.values);
          if (Number.isNaN(tv)) {
            issues.error('formula-not-finite', `terminated formula gives NaN at ${frame.describe(s, j, sn)}`, {
              path: 'transitions.terminated',
              state: s,
              action: j,
              field: 'terminated',
            });
            rowOk = false;
            continue;
          }
          t[sn] = tv !== 0 ? 1 : 0;
          if (t[sn]) termTotal += v;
        }
        total += v;
      }
      if (!rowOk) {
        ok = false;
        continue;
      }
      const where = `(s=${s}, j=${j})`;
      if (total === 0) {
        issues.error('missing-outcomes', `transition weights of ${where} are all 0: the pair has no outcome`, {
          path: 'transitions.weight',
          state: s,
          action: j,
        });
        ok = false;
        continue;
      }
      if (!normalize && Math.abs(total - 1) > MDP_LIMITS.probabilitySumTolerance) {
        issues.error(
          'probability-sum',
          `${sumMessage(where, total, termTotal)} (set normalize: true to divide by the sum)`,
          { path: 'transitions.weight', state: s, action: j, field: 'weight' },
        );
        ok = false;
        continue;
      }
      if (!ok) continue;
      const scale = normalize ? 1 / total : 1;
      for (let sn = 0; sn < S; sn++) {
        if (w[sn] > 0 && !t[sn]) out.push(sn, w[sn] * scale);
      }
    }
  }
  rowPtr[S * N] = out.length;
  if (!ok) return undefined;
  return {
    rowPtr,
    next: out.next.slice(0, out.length),
    prob: out.prob.slice(0, out.length),
    outcomeReward: new Float64Array(S * N),
  };
}

function checkTransitions(issues: IssueCollector, x: unknown, st: CheckedStructure): CompiledTransitions | undefined {
  if (!isRecord(x)) {
    issues.error(
      x === undefined ? 'missing-field' : 'wrong-type',
      `transitions must be {kind: 'table', entries} or {kind: 'formula', weight}, got ${typeName(x)}`,
      { path: 'transitions' },
    );
    return undefined;
  }
  if (x.kind === 'table') return checkTableTransitions(issues, x, st);
  if (x.kind === 'formula') return checkFormulaTransitions(issues, x, st);
  issues.error('wrong-type', `transitions.kind must be 'table' or 'formula', got ${describeValue(x.kind)}`, {
    path: 'transitions.kind',
  });
  return undefined;
}

/**
 * Validate and compile an MDP document. Never throws for any input: a document that cannot even be
 * read (a throwing getter, a revoked proxy) is reported as one 'unreadable' issue.
 */
export function compileMdp(doc: unknown): CompileResult {
  try {
    return compileChecked(doc);
  } catch (e) {
    return {
      ok: false,
      issues: [
        {
          severity: 'error',
          code: 'unreadable',
          message: `the document could not be read: ${e instanceof Error ? e.message : typeof e}`,
        },
      ],
    };
  }
}

function compileChecked(doc: unknown): CompileResult {
  const issues = new IssueCollector();
  const st = checkStructure(issues, doc);
  if (!st) {
    // still report what is wrong with rewards/transitions shapes when the document is an object
    return { ok: false, issues: issues.all() };
  }
  const d = doc as Record<string, unknown>;
  const base = checkRewards(issues, d.rewards, st);
  const trans = checkTransitions(issues, d.transitions, st);
  if (issues.hasErrors || !st.complete || !base || !trans || !st.rho0 || !st.mu) {
    return { ok: false, issues: issues.all() };
  }
  const { S, N } = st;
  const reward = new Float64Array(S * N);
  for (let s = 0; s < S; s++) {
    if (st.terminal[s]) continue;
    for (let j = 0; j < N; j++) reward[s * N + j] = base[s * N + j] + trans.outcomeReward[s * N + j];
  }
  const mdp: TabularMdp = {
    name: st.name,
    S,
    N,
    gamma: st.gamma,
    stateLabels: st.stateLabels,
    actionLabels: st.actionLabels,
    rho0: st.rho0,
    mu: st.mu,
    reward,
    rowPtr: trans.rowPtr,
    next: trans.next,
    prob: trans.prob,
    cost: st.cost,
    positions: st.positions,
    actionDim: st.actionDim,
    grid: st.grid,
  };
  return { ok: true, mdp, warnings: issues.warnings() };
}

/** All issues of a document (errors and warnings); [] when it compiles cleanly. */
export function validateMdp(doc: unknown): MdpIssue[] {
  const r = compileMdp(doc);
  return r.ok ? r.warnings : r.issues;
}
