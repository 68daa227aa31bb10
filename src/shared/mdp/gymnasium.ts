/**
 * Gymnasium's tabular model, `{"P": ..., "initial_state_distrib": [...]}`, as written by
 * `json.dumps({"P": env.unwrapped.P, "initial_state_distrib": env.unwrapped.initial_state_distrib.tolist()})`.
 *
 * `P[s][a]` is a list of outcomes `[prob, next_state, reward, terminated]`. `P` and each `P[s]` may be
 * JSON arrays or objects keyed by the decimal indices "0", "1", ... (json.dumps writes Python dict keys
 * as strings). Repeated (next_state, terminated) outcomes are merged: probabilities summed, rewards
 * averaged with the probabilities as weights, so the expected reward is unchanged. Rewards become
 * per-outcome rewards of the native document. A state whose every action is Gymnasium's terminal
 * convention `[[1.0, s, 0, true]]` becomes a terminal state of the document.
 *
 * `exportGymnasium` writes the same shape back: per-outcome reward = r(s, j) from the reward table or
 * formula plus the outcome's own reward, so import(export(doc)) compiles to the same model.
 */
import { compileMdp } from './compile';
import { compileFormulaSource } from './formula';
import {
  MDP_FORMAT,
  MDP_FORMAT_VERSION,
  MDP_LIMITS,
  type MdpDocument,
  type MdpIssue,
  type TransitionEntry,
} from './types';
import { IssueCollector, describeValue, fmt, formulaVariables, isRecord, readIndex, readNumber, typeName } from './validate';

/** One Gymnasium outcome: [prob, next_state, reward, terminated]. */
export type GymnasiumOutcome = [number, number, number, boolean];

export interface GymnasiumModel {
  P: GymnasiumOutcome[][][];
  initial_state_distrib: number[];
  nS: number;
  nA: number;
}

export interface GymnasiumImportOptions {
  name?: string;
  /** discount of the native document (Gymnasium has none); default 0.99 */
  gamma?: number;
  description?: string;
  /** action labels (default a0, a1, ...) */
  actionLabels?: string[];
  /** action positions for the transport cost (default none: the 0/1 cost) */
  actionPositions?: number[][];
}

export type GymnasiumImportResult =
  | { ok: true; document: MdpDocument; warnings: MdpIssue[] }
  | { ok: false; issues: MdpIssue[] };

export const GYMNASIUM_DEFAULT_GAMMA = 0.99;

/** Read an index-keyed container (array, or object with keys "0".."n-1"); undefined after reporting. */
function readIndexed(issues: IssueCollector, x: unknown, path: string, what: string): unknown[] | undefined {
  if (Array.isArray(x)) return x;
  if (!isRecord(x)) {
    issues.error('wrong-type', `${path} must be a list or an object keyed by ${what} index, got ${typeName(x)}`, { path });
    return undefined;
  }
  const keys = Object.keys(x);
  const out: unknown[] = new Array(keys.length);
  const filled = new Uint8Array(keys.length);
  let ok = true;
  for (const key of keys) {
    const i = /^(0|[1-9]\d*)$/.test(key) ? Number(key) : NaN;
    if (!(i >= 0 && i < keys.length)) {
      issues.error(
        'index-range',
        `${path} has key ${JSON.stringify(key)}; keys must be the ${what} indices 0..${keys.length - 1}`,
        { path: `${path}[${JSON.stringify(key)}]` },
      );
      ok = false;
      continue;
    }
    out[i] = x[key];
    filled[i] = 1;
  }
  return ok && filled.every((f) => f === 1) ? out : undefined;
}

/** Import a Gymnasium P table. Never throws. */
export function importGymnasium(json: unknown, opts: GymnasiumImportOptions = {}): GymnasiumImportResult {
  try {
    return importChecked(json, opts);
  } catch (e) {
    const message = `the Gymnasium model could not be read: ${e instanceof Error ? e.message : typeof e}`;
    return { ok: false, issues: [{ severity: 'error', code: 'unreadable', message }] };
  }
}

function importChecked(json: unknown, opts: GymnasiumImportOptions): GymnasiumImportResult {
  const issues = new IssueCollector();
  const fail = (): GymnasiumImportResult => ({ ok: false, issues: issues.all() });
  if (!isRecord(json)) {
    issues.error('not-object', `a Gymnasium model must be an object {"P": ..., "initial_state_distrib": [...]}, got ${typeName(json)}`, {
      path: '',
    });
    return fail();
  }
  if (json.P === undefined) {
    issues.error('missing-field', 'P (the transition table P[s][a] = [[prob, next_state, reward, terminated], ...]) is missing', {
      path: 'P',
    });
    return fail();
  }
  const P = readIndexed(issues, json.P, 'P', 'state');
  if (!P) return fail();
  const nS = P.length;
  if (nS === 0) {
    issues.error('empty', 'P has no states', { path: 'P' });
    return fail();
  }
  if (nS > MDP_LIMITS.maxStates) {
    issues.error('too-large', `${nS} states; the limit is ${MDP_LIMITS.maxStates}`, { path: 'P' });
    return fail();
  }
  if (json.nS !== undefined && json.nS !== nS) {
    issues.error('shape', `nS = ${describeValue(json.nS)} but P has ${nS} states`, { path: 'nS' });
  }
  const rows: unknown[][] = [];
  let nA = -1;
  for (let s = 0; s < nS; s++) {
    const r = readIndexed(issues, P[s], `P[${s}]`, 'action');
    if (!r) {
      rows.push([]);
      continue;
    }
    if (nA < 0) nA = r.length;
    else if (r.length !== nA) {
      issues.error('shape', `P[${s}] has ${r.length} actions but P[0] has ${nA}; every state needs the same actions`, {
        path: `P[${s}]`,
        state: s,
      });
    }
    rows.push(r);
  }
  if (nA === 0) issues.error('empty', 'P[0] has no actions', { path: 'P[0]', state: 0 });
  if (nA > MDP_LIMITS.maxActions) issues.error('too-large', `${nA} actions; the limit is ${MDP_LIMITS.maxActions}`, { path: 'P[0]' });
  if (nA > 0 && nS * nA > MDP_LIMITS.maxStateActions) {
    issues.error('too-large', `${nS} x ${nA} state-action pairs; the limit is ${MDP_LIMITS.maxStateActions}`, { path: 'P' });
  }
  if (json.nA !== undefined && json.nA !== nA) {
    issues.error('shape', `nA = ${describeValue(json.nA)} but P[0] has ${nA} actions`, { path: 'nA' });
  }
  if (issues.hasErrors) return fail();

  // outcomes, merged per (s, a, next, terminated)
  const entries: TransitionEntry[] = [];
  const terminalCandidate = new Uint8Array(nS).fill(1);
  const perState: TransitionEntry[][] = [];
  let total = 0;
  for (let s = 0; s < nS; s++) {
    const stateEntries: TransitionEntry[] = [];
    for (let a = 0; a < nA; a++) {
      const path = `P[${s}][${a}]`;
      const list = rows[s][a];
      if (!Array.isArray(list)) {
        issues.error('wrong-type', `${path} must be a list of [prob, next_state, reward, terminated], got ${typeName(list)}`, {
          path,
          state: s,
          action: a,
        });
        terminalCandidate[s] = 0;
        continue;
      }
      if (list.length === 0) {
        issues.error('missing-outcomes', `${path} has no outcomes`, { path, state: s, action: a });
        terminalCandidate[s] = 0;
        continue;
      }
      total += list.length;
      if (total > MDP_LIMITS.maxTransitions) {
        issues.error('too-large', `more than ${MDP_LIMITS.maxTransitions} outcomes in P`, { path });
        return fail();
      }
      const merged = new Map<string, { next: number; term: boolean; p: number; pr: number; r: number }>();
      let mass = 0;
      let rowOk = true;
      list.forEach((o, k) => {
        const op = `${path}[${k}]`;
        if (!Array.isArray(o) || o.length !== 4) {
          issues.error('shape', `${op} must be [prob, next_state, reward, terminated], got ${Array.isArray(o) ? `${o.length} values` : typeName(o)}`, {
            path: op,
            state: s,
            action: a,
          });
          rowOk = false;
          return;
        }
        const loc = { state: s, action: a };
        const p = readNumber(issues, o[0], `${op}[0]`, { ...loc, field: 'prob' });
        const next = readIndex(issues, o[1], nS, 'state', `${op}[1]`, { ...loc, field: 'next_state' });
        const r = readNumber(issues, o[2], `${op}[2]`, { ...loc, field: 'reward' });
        const t = o[3];
        let term: boolean | undefined;
        if (typeof t === 'boolean') term = t;
        else if (t === 0 || t === 1) term = t === 1;
        else
          issues.error('wrong-type', `${op}[3] (terminated) must be true/false, got ${typeName(t)}`, {
            path: `${op}[3]`,
            ...loc,
            field: 'terminated',
          });
        if (p !== undefined && p < 0) {
          issues.error('negative-probability', `${op}[0] = ${fmt(p)}; probabilities must be >= 0`, {
            path: `${op}[0]`,
            ...loc,
            field: 'prob',
          });
          rowOk = false;
          return;
        }
        if (p === undefined || next === undefined || r === undefined || term === undefined) {
          rowOk = false;
          return;
        }
        mass += p;
        const key = `${next}:${term ? 1 : 0}`;
        const m = merged.get(key);
        if (m) {
          m.p += p;
          m.pr += p * r;
        } else merged.set(key, { next, term, p, pr: p * r, r });
      });
      if (!rowOk) {
        terminalCandidate[s] = 0;
        continue;
      }
      if (Math.abs(mass - 1) > MDP_LIMITS.probabilitySumTolerance) {
        issues.error(
          'probability-sum',
          `outcomes of ${path} sum to ${fmt(mass)}; they must sum to 1 within ${MDP_LIMITS.probabilitySumTolerance}`,
          { path, state: s, action: a, field: 'prob' },
        );
      }
      const ms = [...merged.values()].sort((u, v) => u.next - v.next || Number(u.term) - Number(v.term));
      if (!(ms.length === 1 && ms[0].next === s && ms[0].term && ms[0].pr === 0)) terminalCandidate[s] = 0;
      for (const m of ms) {
        const e: TransitionEntry = { s, a, next: m.next, p: m.p };
        if (m.term) e.terminated = true;
        const reward = m.p > 0 ? m.pr / m.p : m.r;
        if (reward !== 0) e.reward = reward;
        stateEntries.push(e);
      }
    }
    perState.push(stateEntries);
  }

  // initial distribution
  const isdKey = json.initial_state_distrib !== undefined ? 'initial_state_distrib' : json.isd !== undefined ? 'isd' : null;
  let initial: number[] | undefined;
  if (!isdKey) {
    issues.error('missing-field', 'initial_state_distrib is missing (the distribution Gymnasium resets to)', {
      path: 'initial_state_distrib',
    });
  } else {
    const isd = json[isdKey];
    if (!Array.isArray(isd) || isd.length !== nS) {
      issues.error('shape', `${isdKey} must be a list of ${nS} probabilities, got ${Array.isArray(isd) ? `${isd.length} entries` : typeName(isd)}`, {
        path: isdKey,
      });
    } else {
      let sum = 0;
      let ok = true;
      initial = isd.map((v, s) => {
        const x = readNumber(issues, v, `${isdKey}[${s}]`, { state: s });
        if (x === undefined) {
          ok = false;
          return 0;
        }
        if (x < 0) {
          issues.error('initial-negative', `${isdKey}[${s}] = ${fmt(x)}; probabilities must be >= 0`, { path: `${isdKey}[${s}]`, state: s });
          ok = false;
        }
        sum += x;
        return x;
      });
      if (ok && Math.abs(sum - 1) > MDP_LIMITS.probabilitySumTolerance) {
        issues.error('initial-sum', `${isdKey} sums to ${fmt(sum)}; it must sum to 1 within ${MDP_LIMITS.probabilitySumTolerance}`, {
          path: isdKey,
        });
      }
    }
  }
  const gamma = opts.gamma ?? GYMNASIUM_DEFAULT_GAMMA;
  if (!(typeof gamma === 'number' && gamma >= 0 && gamma < 1)) {
    issues.error('gamma-range', `gamma = ${gamma}; the discount must lie in [0, 1)`, { path: 'gamma' });
  }
  if (opts.actionLabels && opts.actionLabels.length !== nA) {
    issues.error('shape', `${opts.actionLabels.length} action labels given for ${nA} actions`, { path: 'actions.labels' });
  }
  if (issues.hasErrors || !initial) return fail();

  const terminalStates: number[] = [];
  for (let s = 0; s < nS; s++) {
    if (terminalCandidate[s]) terminalStates.push(s);
    else entries.push(...perState[s]);
  }
  const document: MdpDocument = {
    format: MDP_FORMAT,
    version: MDP_FORMAT_VERSION,
    name: opts.name ?? 'Gymnasium import',
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    states: Array.from({ length: nS }, (_, s) => ({ label: `s${s}` })),
    actions: {
      kind: 'discrete',
      labels: opts.actionLabels ? [...opts.actionLabels] : Array.from({ length: nA }, (_, a) => `a${a}`),
      ...(opts.actionPositions ? { positions: opts.actionPositions.map((p) => [...p]) } : {}),
    },
    gamma,
    initial,
    rewards: { kind: 'table', values: Array.from({ length: nS }, () => new Array<number>(nA).fill(0)) },
    transitions: { kind: 'table', entries },
    ...(terminalStates.length ? { terminalStates } : {}),
  };
  const check = compileMdp(document);
  if (!check.ok) return { ok: false, issues: check.issues };
  return { ok: true, document, warnings: [...issues.warnings(), ...check.warnings] };
}

/**
 * Write a document as Gymnasium's P table. The document must compile; its issues are returned if not.
 * Terminal states are written in Gymnasium's convention `[[1.0, s, 0.0, true]]`.
 */
export function exportGymnasium(doc: MdpDocument): { ok: true; json: GymnasiumModel } | { ok: false; issues: MdpIssue[] } {
  const compiled = compileMdp(doc);
  if (!compiled.ok) return { ok: false, issues: compiled.issues };
  const mdp = compiled.mdp;
  const { S, N } = mdp;
  const terminal = new Uint8Array(S);
  for (const s of doc.terminalStates ?? []) terminal[s] = 1;
  // per (s, j): outcomes with terminated flags and their own rewards (pr = p * reward, summed)
  interface Outcome {
    next: number;
    p: number;
    term: boolean;
    pr: number;
  }
  const outcomes: Outcome[][] = Array.from({ length: S * N }, () => []);
  if (doc.transitions.kind === 'table') {
    const merged = new Map<string, Outcome>();
    for (const e of doc.transitions.entries) {
      if (terminal[e.s]) continue;
      const key = `${e.s}:${e.a}:${e.next}:${e.terminated ? 1 : 0}`;
      const pr = e.p * (e.reward ?? 0);
      const m = merged.get(key);
      if (m) {
        m.p += e.p;
        m.pr += pr;
      } else {
        const o: Outcome = { next: e.next, p: e.p, term: !!e.terminated, pr };
        merged.set(key, o);
        outcomes[e.s * N + e.a].push(o);
      }
    }
    for (const list of outcomes) list.sort((u, v) => u.next - v.next || Number(u.term) - Number(v.term));
  } else {
    const positions = mdp.grid ? mdp.positions : doc.actions.kind === 'discrete' && doc.actions.positions ? doc.actions.positions.flat() : null;
    const d = mdp.grid ? mdp.grid.dim : doc.actions.kind === 'discrete' && doc.actions.positions ? doc.actions.positions[0].length : 0;
    const vars = formulaVariables(d as 0 | 1 | 2, 'transition');
    const w = compileFormulaSource(doc.transitions.weight, vars);
    const t = doc.transitions.terminated !== undefined ? compileFormulaSource(doc.transitions.terminated, vars) : null;
    if (!w.ok || (t && !t.ok)) throw new Error('unreachable: compiled document has a bad formula');
    const values = new Float64Array(vars.length);
    values[vars.length - 2] = S;
    values[vars.length - 1] = N;
    for (let s = 0; s < S; s++) {
      if (terminal[s]) continue;
      for (let j = 0; j < N; j++) {
        values[0] = s;
        values[1] = j;
        for (let axis = 0; axis < d; axis++) values[2 + axis] = Number(positions![j * d + axis]);
        const ws: number[] = [];
        let total = 0;
        for (let sn = 0; sn < S; sn++) {
          values[2 + d] = sn;
          const v = w.fn(values);
          ws.push(v);
          total += v;
        }
        const scale = doc.transitions.normalize ? 1 / total : 1;
        for (let sn = 0; sn < S; sn++) {
          if (!(ws[sn] > 0)) continue;
          values[2 + d] = sn;
          const term = t && t.ok ? t.fn(values) !== 0 : false;
          outcomes[s * N + j].push({ next: sn, p: ws[sn] * scale, term, pr: 0 });
        }
      }
    }
  }
  const P: GymnasiumOutcome[][][] = [];
  for (let s = 0; s < S; s++) {
    const row: GymnasiumOutcome[][] = [];
    for (let j = 0; j < N; j++) {
      if (terminal[s]) {
        row.push([[1.0, s, 0, true]]);
        continue;
      }
      const list = outcomes[s * N + j];
      let own = 0;
      for (const o of list) own += o.pr;
      const base = mdp.reward[s * N + j] - own;
      row.push(
        list.filter((o) => o.p > 0).map((o): GymnasiumOutcome => [o.p, o.next, base + (o.p > 0 ? o.pr / o.p : 0), o.term]),
      );
    }
    P.push(row);
  }
  return { ok: true, json: { P, initial_state_distrib: Array.from(doc.initial), nS: S, nA: N } };
}
