/**
 * Validation of MDP documents: the structural half (types, shapes, sizes, ranges, distributions,
 * action spaces and costs). `compileMdp` (compile.ts) runs this first and then the numerical half
 * (formulas evaluated at every (s, j), transition rows summed). Every problem is collected — never just
 * the first — with a JSON path and, where it applies, the state / action / field it concerns.
 *
 * Sizes are checked before anything proportional to them is allocated.
 */
import {
  MDP_FORMAT,
  MDP_FORMAT_VERSION,
  MDP_LIMITS,
  type ActionGrid,
  type ActionSpace,
  type MdpIssue,
} from './types';

/** At most this many issues of one code are listed; the rest are counted in one summary issue. */
export const MAX_ISSUES_PER_CODE = 50;

/** Stable issue codes (the `code` field of MdpIssue). */
export type MdpIssueCode =
  | 'not-object'
  | 'format'
  | 'version'
  | 'missing-field'
  | 'wrong-type'
  | 'unknown-field'
  | 'too-large'
  | 'empty'
  | 'not-finite'
  | 'not-integer'
  | 'index-range'
  | 'shape'
  | 'gamma-range'
  | 'initial-negative'
  | 'initial-sum'
  | 'reference-positive'
  | 'reference-sum'
  | 'cost-power'
  | 'box-bounds'
  | 'grid-size'
  | 'position-dimension'
  | 'cost-shape'
  | 'cost-negative'
  | 'cost-diagonal'
  | 'cost-overrides-positions'
  | 'duplicate-terminal'
  | 'terminal-overridden'
  | 'formula-syntax'
  | 'formula-not-finite'
  | 'negative-probability'
  | 'probability-sum'
  | 'missing-outcomes'
  | 'too-many-issues'
  | 'unreadable';

export interface IssueLocation {
  path?: string;
  state?: number;
  action?: number;
  field?: string;
}

/** Collects issues, capping each code at MAX_ISSUES_PER_CODE. */
export class IssueCollector {
  private readonly list: MdpIssue[] = [];
  private readonly shown = new Map<string, number>();
  private readonly hidden = new Map<string, { count: number; severity: MdpIssue['severity'] }>();
  private errorCount = 0;

  error(code: MdpIssueCode, message: string, loc: IssueLocation = {}): void {
    this.add('error', code, message, loc);
  }

  warn(code: MdpIssueCode, message: string, loc: IssueLocation = {}): void {
    this.add('warning', code, message, loc);
  }

  private add(severity: MdpIssue['severity'], code: string, message: string, loc: IssueLocation): void {
    if (severity === 'error') this.errorCount++;
    const n = this.shown.get(code) ?? 0;
    if (n >= MAX_ISSUES_PER_CODE) {
      const h = this.hidden.get(code) ?? { count: 0, severity };
      h.count++;
      this.hidden.set(code, h);
      return;
    }
    this.shown.set(code, n + 1);
    const issue: MdpIssue = { severity, code, message };
    if (loc.path !== undefined) issue.path = loc.path;
    if (loc.state !== undefined) issue.state = loc.state;
    if (loc.action !== undefined) issue.action = loc.action;
    if (loc.field !== undefined) issue.field = loc.field;
    this.list.push(issue);
  }

  get hasErrors(): boolean {
    return this.errorCount > 0;
  }

  /** Number of errors of one code so far (shown and hidden). */
  count(code: string): number {
    return (this.shown.get(code) ?? 0) + (this.hidden.get(code)?.count ?? 0);
  }

  errors(): MdpIssue[] {
    return this.all().filter((i) => i.severity === 'error');
  }

  warnings(): MdpIssue[] {
    return this.all().filter((i) => i.severity === 'warning');
  }

  /** All issues in the order found, plus one summary per code that went over the cap. */
  all(): MdpIssue[] {
    const out = [...this.list];
    for (const [code, h] of this.hidden) {
      out.push({
        severity: h.severity,
        code: 'too-many-issues',
        message: `${h.count} more '${code}' issue${h.count === 1 ? '' : 's'} not listed (the first ${MAX_ISSUES_PER_CODE} are)`,
        field: code,
      });
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------
// small readers

export const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

export const typeName = (x: unknown): string =>
  x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x === 'number' && Number.isNaN(x) ? 'NaN' : typeof x;

/** A short, safe description of any value for a message (never throws, never prints objects). */
export function describeValue(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x);
  if (typeof x === 'number') return fmt(x);
  if (typeof x === 'boolean') return String(x);
  return typeName(x);
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(12)));
}

/**
 * Read a finite number at `path`; reports 'wrong-type' for non-numbers and 'not-finite' for NaN/Inf.
 * Returns undefined when unusable.
 */
export function readNumber(
  issues: IssueCollector,
  x: unknown,
  path: string,
  loc: Omit<IssueLocation, 'path'> = {},
): number | undefined {
  if (typeof x !== 'number') {
    issues.error('wrong-type', `${path} must be a number, got ${typeName(x)}`, { path, ...loc });
    return undefined;
  }
  if (!Number.isFinite(x)) {
    issues.error('not-finite', `${path} is ${x}; every number must be finite`, { path, ...loc });
    return undefined;
  }
  return x;
}

/** Read an integer index in [0, limit). */
export function readIndex(
  issues: IssueCollector,
  x: unknown,
  limit: number,
  what: string,
  path: string,
  loc: Omit<IssueLocation, 'path'> = {},
): number | undefined {
  const v = readNumber(issues, x, path, loc);
  if (v === undefined) return undefined;
  if (!Number.isInteger(v)) {
    issues.error('not-integer', `${path} must be an integer ${what} index, got ${fmt(v)}`, { path, ...loc });
    return undefined;
  }
  if (v < 0 || v >= limit) {
    issues.error('index-range', `${path} = ${v} is not a ${what} index (valid: 0..${limit - 1})`, { path, ...loc });
    return undefined;
  }
  return v;
}

/**
 * Read a probability vector of length `n` at `path`. Reports shape, finiteness, negativity and the sum
 * (tolerance MDP_LIMITS.probabilitySumTolerance). Returns it renormalised, or undefined.
 */
function readDistribution(
  issues: IssueCollector,
  x: unknown,
  n: number,
  path: string,
  opts: { what: string; strictlyPositive: boolean; negativeCode: MdpIssueCode; sumCode: MdpIssueCode },
): Float64Array | undefined {
  if (!Array.isArray(x)) {
    issues.error('wrong-type', `${path} must be an array of ${n} numbers, got ${typeName(x)}`, { path });
    return undefined;
  }
  if (x.length !== n) {
    issues.error('shape', `${path} has ${x.length} entries; it needs one per ${opts.what} (${n})`, { path });
    return undefined;
  }
  const out = new Float64Array(n);
  let ok = true;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = `${path}[${i}]`;
    const v = readNumber(issues, x[i], p);
    if (v === undefined) {
      ok = false;
      continue;
    }
    if (opts.strictlyPositive ? !(v > 0) : v < 0) {
      issues.error(
        opts.negativeCode,
        `${p} = ${fmt(v)}; every entry must be ${opts.strictlyPositive ? '> 0' : '>= 0'}`,
        { path: p },
      );
      ok = false;
      continue;
    }
    out[i] = v;
    sum += v;
  }
  if (!ok) return undefined;
  if (Math.abs(sum - 1) > MDP_LIMITS.probabilitySumTolerance) {
    issues.error(
      opts.sumCode,
      `${path} sums to ${fmt(sum)}; it must sum to 1 within ${MDP_LIMITS.probabilitySumTolerance}`,
      { path },
    );
    return undefined;
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// action spaces

/** N: the number of actions of a (well-formed) action space. */
export function actionCount(space: ActionSpace): number {
  return space.kind === 'discrete' ? space.labels.length : Math.pow(space.n, space.dim);
}

/** Grid of a box action space. */
export function actionGrid(space: { dim: 1 | 2; lo: number[]; hi: number[]; n: number }): ActionGrid {
  const h = space.lo.map((lo, axis) => (space.hi[axis] - lo) / space.n);
  return { dim: space.dim, n: space.n, lo: [...space.lo], hi: [...space.hi], h };
}

/**
 * Cell centres of a grid, `centers[j * dim + axis]`. In 2-D cell j = i1 * n + i2, where i1 indexes
 * axis 0 (a1, slowest) and i2 axis 1 (a2): x_j = (lo1 + (i1 + 1/2) h1, lo2 + (i2 + 1/2) h2).
 */
export function gridCenters(grid: ActionGrid): Float64Array {
  const { dim, n, lo, h } = grid;
  if (dim === 1) {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = lo[0] + (i + 0.5) * h[0];
    return c;
  }
  const c = new Float64Array(n * n * 2);
  for (let i1 = 0; i1 < n; i1++) {
    for (let i2 = 0; i2 < n; i2++) {
      const j = i1 * n + i2;
      c[2 * j] = lo[0] + (i1 + 0.5) * h[0];
      c[2 * j + 1] = lo[1] + (i2 + 0.5) * h[1];
    }
  }
  return c;
}

/** Formula variable names for the action: `a` (1-D), `a1`, `a2` (2-D), none without positions. */
export function actionVariableNames(dim: 0 | 1 | 2): string[] {
  return dim === 1 ? ['a'] : dim === 2 ? ['a1', 'a2'] : [];
}

/** Variables of reward formulas (`transition` adds `sn`, the next state). Order is the value layout. */
export function formulaVariables(actionDim: 0 | 1 | 2, target: 'reward' | 'transition'): string[] {
  return target === 'reward'
    ? ['s', 'j', ...actionVariableNames(actionDim), 'S', 'N']
    : ['s', 'j', ...actionVariableNames(actionDim), 'sn', 'S', 'N'];
}

// ---------------------------------------------------------------------------------------------------
// the structural check

/** What the structural check established; everything numeric the compiler needs besides P and r. */
export interface CheckedStructure {
  /** false when some error was found (rewards and transitions are still checked, nothing is built) */
  complete: boolean;
  /** false when action positions are broken: formulas are then only parsed, not evaluated */
  formulasEvaluable: boolean;
  name: string;
  S: number;
  N: number;
  gamma: number;
  stateLabels: string[];
  actionLabels: string[];
  rho0: Float64Array | null;
  mu: Float64Array | null;
  cost: Float64Array;
  /** positions used by the cost (null when a cost matrix is given or the 0/1 cost applies) */
  positions: Float64Array | null;
  actionDim: 0 | 1 | 2;
  grid: ActionGrid | null;
  terminal: Uint8Array;
  /** positions the formulas see as `a` / `a1`, `a2` (also when a cost matrix overrides them) */
  formulaPositions: Float64Array | null;
  formulaDim: 0 | 1 | 2;
}

const KNOWN_FIELDS = new Set([
  'format',
  'version',
  'name',
  'description',
  'states',
  'actions',
  'gamma',
  'initial',
  'reference',
  'costPower',
  'rewards',
  'transitions',
  'terminalStates',
]);

interface ActionCheck {
  N: number;
  labels: string[];
  positions: Float64Array | null;
  actionDim: 0 | 1 | 2;
  grid: ActionGrid | null;
  /** a valid explicit cost matrix, when given */
  matrix: Float64Array | null;
  /** labels, positions or cost had errors (N is still known) */
  broken: boolean;
}

function checkActions(issues: IssueCollector, x: unknown): ActionCheck | undefined {
  if (!isRecord(x)) {
    issues.error('missing-field', `actions must be an object with kind 'discrete' or 'box', got ${typeName(x)}`, {
      path: 'actions',
    });
    return undefined;
  }
  if (x.kind === 'discrete') return checkDiscrete(issues, x);
  if (x.kind === 'box') return checkBox(issues, x);
  issues.error('wrong-type', `actions.kind must be 'discrete' or 'box', got ${describeValue(x.kind)}`, {
    path: 'actions.kind',
  });
  return undefined;
}

function checkDiscrete(issues: IssueCollector, x: Record<string, unknown>): ActionCheck | undefined {
  const labels = x.labels;
  if (!Array.isArray(labels)) {
    issues.error('wrong-type', `actions.labels must be an array of strings, got ${typeName(labels)}`, {
      path: 'actions.labels',
    });
    return undefined;
  }
  if (labels.length === 0) {
    issues.error('empty', 'the action set is empty: actions.labels needs at least one action', {
      path: 'actions.labels',
    });
    return undefined;
  }
  if (labels.length > MDP_LIMITS.maxActions) {
    issues.error('too-large', `${labels.length} actions; the limit is ${MDP_LIMITS.maxActions}`, {
      path: 'actions.labels',
    });
    return undefined;
  }
  const N = labels.length;
  let ok = true;
  const out: string[] = [];
  labels.forEach((l, j) => {
    if (typeof l !== 'string') {
      issues.error('wrong-type', `actions.labels[${j}] must be a string, got ${typeName(l)}`, {
        path: `actions.labels[${j}]`,
        action: j,
      });
      ok = false;
    } else out.push(l);
  });

  let positions: Float64Array | null = null;
  let actionDim: 0 | 1 | 2 = 0;
  if (x.positions !== undefined) {
    const pos = x.positions;
    if (!Array.isArray(pos)) {
      issues.error('wrong-type', `actions.positions must be an array of [x] or [x, y], got ${typeName(pos)}`, {
        path: 'actions.positions',
      });
      ok = false;
    } else if (pos.length !== N) {
      issues.error('shape', `actions.positions has ${pos.length} entries; it needs one per action (${N})`, {
        path: 'actions.positions',
      });
      ok = false;
    } else {
      const first = pos[0];
      const d = Array.isArray(first) ? first.length : 0;
      if (d !== 1 && d !== 2) {
        issues.error(
          'position-dimension',
          `actions.positions[0] must be [x] or [x, y] (dimension 1 or 2), got ${Array.isArray(first) ? `${first.length} numbers` : typeName(first)}`,
          { path: 'actions.positions[0]', action: 0 },
        );
        ok = false;
      } else {
        const buf = new Float64Array(N * d);
        let posOk = true;
        for (let j = 0; j < N; j++) {
          const pj = pos[j];
          const path = `actions.positions[${j}]`;
          if (!Array.isArray(pj) || pj.length !== d) {
            issues.error(
              'position-dimension',
              `${path} must have ${d} coordinate${d === 1 ? '' : 's'} like actions.positions[0], got ${Array.isArray(pj) ? pj.length : typeName(pj)}`,
              { path, action: j },
            );
            posOk = false;
            continue;
          }
          for (let axis = 0; axis < d; axis++) {
            const v = readNumber(issues, pj[axis], `${path}[${axis}]`, { action: j });
            if (v === undefined) posOk = false;
            else buf[j * d + axis] = v;
          }
        }
        actionDim = d as 1 | 2;
        if (posOk) positions = buf;
        else ok = false;
      }
    }
  }

  let matrix: Float64Array | null = null;
  if (x.cost !== undefined) {
    matrix = checkCostMatrix(issues, x.cost, N);
    if (!matrix) ok = false;
    else if (x.positions !== undefined) {
      issues.warn(
        'cost-overrides-positions',
        'both actions.cost and actions.positions are given: the cost matrix is used, positions only label the actions',
        { path: 'actions.cost' },
      );
    }
  }
  if (!ok) {
    return { N, labels: labels.map((l, j) => (typeof l === 'string' ? l : `a${j}`)), positions: null, actionDim, grid: null, matrix: null, broken: true };
  }
  return { N, labels: out, positions, actionDim, grid: null, matrix, broken: false };
}

function checkCostMatrix(issues: IssueCollector, c: unknown, N: number): Float64Array | null {
  if (!Array.isArray(c) || c.length !== N || !c.every((row) => Array.isArray(row) && row.length === N)) {
    const got = Array.isArray(c)
      ? `${c.length} rows of lengths ${[...new Set(c.map((r) => (Array.isArray(r) ? r.length : typeName(r))))].slice(0, 5).join(', ')}`
      : typeName(c);
    issues.error('cost-shape', `actions.cost must be a square ${N} x ${N} matrix (one row and column per action), got ${got}`, {
      path: 'actions.cost',
    });
    return null;
  }
  const m = new Float64Array(N * N);
  let ok = true;
  for (let j = 0; j < N; j++) {
    const row = c[j] as unknown[];
    for (let k = 0; k < N; k++) {
      const path = `actions.cost[${j}][${k}]`;
      const v = readNumber(issues, row[k], path, { action: j });
      if (v === undefined) {
        ok = false;
        continue;
      }
      if (v < 0) {
        issues.error('cost-negative', `${path} = ${fmt(v)}; transport costs must be >= 0`, { path, action: j });
        ok = false;
      } else if (j === k && v !== 0) {
        issues.error('cost-diagonal', `${path} = ${fmt(v)}; the cost of keeping an action, c(j,j), must be 0`, {
          path,
          action: j,
        });
        ok = false;
      }
      m[j * N + k] = v;
    }
  }
  return ok ? m : null;
}

function checkBox(issues: IssueCollector, x: Record<string, unknown>): ActionCheck | undefined {
  const dim = x.dim;
  if (dim !== 1 && dim !== 2) {
    issues.error('wrong-type', `actions.dim must be 1 or 2, got ${describeValue(dim)}`, {
      path: 'actions.dim',
    });
    return undefined;
  }
  let ok = true;
  const readBound = (key: 'lo' | 'hi'): number[] | undefined => {
    const v = x[key];
    if (!Array.isArray(v) || v.length !== dim) {
      issues.error('shape', `actions.${key} must be an array of ${dim} number${dim === 1 ? '' : 's'} (one per axis), got ${Array.isArray(v) ? `${v.length} entries` : typeName(v)}`, {
        path: `actions.${key}`,
      });
      return undefined;
    }
    const out: number[] = [];
    let good = true;
    v.forEach((e, axis) => {
      const n = readNumber(issues, e, `actions.${key}[${axis}]`);
      if (n === undefined) good = false;
      else out.push(n);
    });
    return good ? out : undefined;
  };
  const lo = readBound('lo');
  const hi = readBound('hi');
  if (!lo || !hi) ok = false;
  else {
    for (let axis = 0; axis < dim; axis++) {
      if (!(lo[axis] < hi[axis])) {
        issues.error('box-bounds', `actions.lo[${axis}] = ${fmt(lo[axis])} must be < actions.hi[${axis}] = ${fmt(hi[axis])}`, {
          path: `actions.lo[${axis}]`,
        });
        ok = false;
      }
    }
  }
  const n = x.n;
  const maxN = Math.min(MDP_LIMITS.maxGridCellsPerAxis, Math.floor(Math.pow(MDP_LIMITS.maxActions, 1 / dim) + 1e-9));
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MDP_LIMITS.maxGridCellsPerAxis) {
    issues.error(
      'grid-size',
      `actions.n must be an integer number of cells per axis in 1..${MDP_LIMITS.maxGridCellsPerAxis}, got ${typeof n === 'number' ? fmt(n) : typeName(n)}`,
      { path: 'actions.n' },
    );
    return undefined;
  }
  if (Math.pow(n, dim) > MDP_LIMITS.maxActions) {
    issues.error(
      'grid-size',
      `actions.n = ${n} gives ${n}^${dim} = ${Math.pow(n, dim)} cells; at most ${MDP_LIMITS.maxActions} actions are allowed (n <= ${maxN} in ${dim}-D)`,
      { path: 'actions.n' },
    );
    return undefined;
  }
  if (!ok || !lo || !hi) return undefined;
  const grid = actionGrid({ dim, lo, hi, n });
  const positions = gridCenters(grid);
  const N = Math.pow(n, dim);
  const labels: string[] = [];
  for (let j = 0; j < N; j++) {
    labels.push(
      dim === 1 ? `a=${fmt(Number(positions[j].toPrecision(4)))}` : `(${fmt(Number(positions[2 * j].toPrecision(4)))}, ${fmt(Number(positions[2 * j + 1].toPrecision(4)))})`,
    );
  }
  return { N, labels, positions, actionDim: dim, grid, matrix: null, broken: false };
}

/** Transport cost from positions: c(j,k) = |x_j - x_k|^p (Euclidean norm). */
export function costFromPositions(positions: Float64Array, d: number, N: number, p: number): Float64Array {
  const c = new Float64Array(N * N);
  for (let j = 0; j < N; j++) {
    for (let k = j + 1; k < N; k++) {
      let sq = 0;
      for (let axis = 0; axis < d; axis++) {
        const diff = positions[j * d + axis] - positions[k * d + axis];
        sq += diff * diff;
      }
      const v = p === 2 ? sq : Math.pow(Math.sqrt(sq), p);
      c[j * N + k] = v;
      c[k * N + j] = v;
    }
  }
  return c;
}

/**
 * Check everything but rewards and transitions. Returns the established structure (incomplete when
 * some part failed but states and actions are known), or undefined when states or actions are unusable.
 */
export function checkStructure(issues: IssueCollector, doc: unknown): CheckedStructure | undefined {
  if (!isRecord(doc)) {
    issues.error('not-object', `an MDP document must be a JSON object, got ${typeName(doc)}`, { path: '' });
    return undefined;
  }
  if (doc.format !== MDP_FORMAT) {
    issues.error(
      'format',
      `format must be '${MDP_FORMAT}', got ${describeValue(doc.format)}${isRecord(doc.P) ? ' (this looks like a Gymnasium P table: use the Gymnasium import)' : ''}`,
      { path: 'format' },
    );
  }
  if (doc.version !== MDP_FORMAT_VERSION) {
    const newer = typeof doc.version === 'number' && doc.version > MDP_FORMAT_VERSION;
    issues.error(
      'version',
      newer
        ? `version ${doc.version} was written by a newer workbench; this one reads version ${MDP_FORMAT_VERSION}`
        : `version must be ${MDP_FORMAT_VERSION}, got ${describeValue(doc.version)}`,
      { path: 'version' },
    );
  }
  for (const key of Object.keys(doc)) {
    if (!KNOWN_FIELDS.has(key)) issues.warn('unknown-field', `unknown field '${key}' is ignored`, { path: key });
  }
  let name = 'untitled';
  if (typeof doc.name === 'string') name = doc.name;
  else issues.error(doc.name === undefined ? 'missing-field' : 'wrong-type', `name must be a string, got ${typeName(doc.name)}`, { path: 'name' });
  if (doc.description !== undefined && typeof doc.description !== 'string') {
    issues.error('wrong-type', `description must be a string, got ${typeName(doc.description)}`, { path: 'description' });
  }

  // states
  let S = 0;
  const stateLabels: string[] = [];
  const states = doc.states;
  if (!Array.isArray(states)) {
    issues.error(states === undefined ? 'missing-field' : 'wrong-type', `states must be an array of {label}, got ${typeName(states)}`, {
      path: 'states',
    });
  } else if (states.length === 0) {
    issues.error('empty', 'states is empty: an MDP needs at least one state', { path: 'states' });
  } else if (states.length > MDP_LIMITS.maxStates) {
    issues.error('too-large', `${states.length} states; the limit is ${MDP_LIMITS.maxStates}`, { path: 'states' });
  } else {
    S = states.length;
    states.forEach((st, s) => {
      const path = `states[${s}]`;
      if (!isRecord(st)) {
        issues.error('wrong-type', `${path} must be an object {label, x?, y?}, got ${typeName(st)}`, { path, state: s });
        stateLabels.push(`s${s}`);
        return;
      }
      if (typeof st.label !== 'string') {
        issues.error('wrong-type', `${path}.label must be a string, got ${typeName(st.label)}`, {
          path: `${path}.label`,
          state: s,
          field: 'label',
        });
        stateLabels.push(`s${s}`);
      } else stateLabels.push(st.label);
      for (const k of ['x', 'y'] as const) {
        if (st[k] !== undefined) readNumber(issues, st[k], `${path}.${k}`, { state: s, field: k });
      }
    });
  }

  // actions
  const act = checkActions(issues, doc.actions);
  const N = act?.N ?? 0;
  if (S > 0 && N > 0 && S * N > MDP_LIMITS.maxStateActions) {
    issues.error(
      'too-large',
      `${S} states x ${N} actions = ${S * N} state-action pairs; the limit is ${MDP_LIMITS.maxStateActions}`,
      { path: 'actions' },
    );
    return undefined;
  }

  // gamma
  let gamma = NaN;
  if (doc.gamma === undefined) issues.error('missing-field', 'gamma (the discount, in [0, 1)) is missing', { path: 'gamma' });
  else {
    const g = readNumber(issues, doc.gamma, 'gamma');
    if (g !== undefined) {
      if (g < 0 || g >= 1) issues.error('gamma-range', `gamma = ${fmt(g)}; the discount must lie in [0, 1)`, { path: 'gamma' });
      else gamma = g;
    }
  }

  // initial distribution
  let rho0: Float64Array | undefined;
  if (doc.initial === undefined) {
    issues.error('missing-field', 'initial (the initial state distribution rho0) is missing', { path: 'initial' });
  } else if (S > 0) {
    rho0 = readDistribution(issues, doc.initial, S, 'initial', {
      what: 'state',
      strictlyPositive: false,
      negativeCode: 'initial-negative',
      sumCode: 'initial-sum',
    });
  }

  // reference measure
  let mu: Float64Array | undefined;
  if (N > 0) {
    if (doc.reference === undefined) mu = new Float64Array(N).fill(1 / N);
    else
      mu = readDistribution(issues, doc.reference, N, 'reference', {
        what: 'action',
        strictlyPositive: true,
        negativeCode: 'reference-positive',
        sumCode: 'reference-sum',
      });
  }

  // cost power
  let costPower = 2;
  if (doc.costPower !== undefined) {
    const p = readNumber(issues, doc.costPower, 'costPower');
    if (p !== undefined && !(p > 0)) issues.error('cost-power', `costPower = ${fmt(p)}; the exponent p must be > 0`, { path: 'costPower' });
    else if (p !== undefined) costPower = p;
  }

  // terminal states
  const terminal = new Uint8Array(S);
  if (doc.terminalStates !== undefined) {
    const ts = doc.terminalStates;
    if (!Array.isArray(ts)) {
      issues.error('wrong-type', `terminalStates must be an array of state indices, got ${typeName(ts)}`, {
        path: 'terminalStates',
      });
    } else if (S > 0) {
      ts.forEach((t, i) => {
        const s = readIndex(issues, t, S, 'state', `terminalStates[${i}]`);
        if (s === undefined) return;
        if (terminal[s]) issues.warn('duplicate-terminal', `state ${s} is listed twice in terminalStates`, { path: `terminalStates[${i}]`, state: s });
        terminal[s] = 1;
      });
    }
  }

  if (!act || S === 0) return undefined;
  let cost: Float64Array;
  let positions = act.positions;
  let actionDim = act.actionDim;
  if (act.broken) {
    cost = new Float64Array(0);
    positions = null;
  } else if (act.matrix) {
    cost = act.matrix;
    positions = null;
    actionDim = 0;
  } else if (positions) cost = costFromPositions(positions, actionDim, N, costPower);
  else {
    cost = new Float64Array(N * N).fill(1);
    for (let j = 0; j < N; j++) cost[j * N + j] = 0;
  }
  return {
    complete: !!rho0 && !!mu && !Number.isNaN(gamma) && !act.broken && !issues.hasErrors,
    formulasEvaluable: !act.broken,
    name,
    S,
    N,
    gamma,
    stateLabels,
    actionLabels: act.labels,
    rho0: rho0 ?? null,
    mu: mu ?? null,
    cost,
    positions,
    actionDim,
    grid: act.grid,
    terminal,
    formulaDim: act.actionDim,
    formulaPositions: act.positions,
  };
}
