/**
 * Sweep specifications: a grid over MDPs x methods x option values x seeds, written once (a JSON or
 * YAML file for `wwb sweep`, or built by the launch panel) and expanded into the list of runs it means.
 *
 *   {
 *     "name": "cliff-radii",
 *     "experiment": "Cliff walking: OT vs KL trust regions",      // default: the name
 *     "mdps": ["preset:cliffwalking", "preset:gridworld?size=8", "designs/maze.json"],
 *     "methods": [
 *       { "method": "ot-trpo", "options": { "eps": [0.05, 0.2] } },
 *       { "method": "kl-trpo", "options": { "delta": { "from": 1e-3, "to": 1e-1, "count": 3, "log": true } } }
 *     ],
 *     "seeds": [1, 2, 3],                                          // or 3 (= 1..3), or { "from": 1, "to": 3 }
 *     "iterations": 200,                                           // default: each method's own
 *     "backend": "reference"
 *   }
 *
 * An option's value is a scalar (fixed), a non-empty list, or a range: { from, to, count } is the
 * linear grid from + k (to - from) / (count - 1), k = 0..count-1; with "log": true it is the geometric
 * grid from * (to / from)^(k / (count - 1)) (from, to > 0), the usual spacing for radii and step sizes;
 * { from, to, step } is from, from + step, ... up to to (within half a step's rounding). count = 1 gives
 * [from]. A method entry may name its own "mdps" and "seeds" (a continuous-action method on a bandit
 * next to trust regions on a grid world, two seeds of one method and three of another); without them
 * it takes the sweep's. The number of runs is
 *
 *   sum over methods m of |mdps(m)| * |seeds(m)| * prod over options o of m of |values(o)|.
 *
 * Problem: a spec object of unknown shape (untrusted: a user's file). Output: either the expanded runs
 * in a fixed order (MDP in the order of SweepSpec.mdps, then method entry (those that run on it), then option grid in the order the keys are written, last
 * key fastest, then seed) or every problem found, each naming its place (`methods[1].options.eps`).
 * Unknown keys, empty grids, option values out of their method's range and unknown methods are errors;
 * MDP references are only parsed here (whether a preset or file exists is the caller's check).
 */
import { METHOD_IDS, methodInfo, resolveMethodOptions, type MethodId, type MethodOptions } from './methods';

export const SWEEP_FORMAT = 'wasserstein-workbench/sweep';

/** An MDP reference of a sweep: a preset (optionally with parameters) or a file path. */
export type SweepMdpRef =
  | { kind: 'preset'; ref: string; id: string; params: Record<string, number> }
  | { kind: 'file'; ref: string; path: string };

export type SweepBackend = 'reference' | 'webgpu';

export interface SweepMethodEntry {
  method: MethodId;
  /** option key -> the values it takes (in order) */
  grid: Record<string, (number | string)[]>;
  iterations: number;
  /** this entry's own MDPs (refs also listed in SweepSpec.mdps); absent = the sweep's top-level MDPs */
  mdps?: SweepMdpRef[];
  /** this entry's own seeds; absent = the sweep's */
  seeds?: number[];
}

export interface SweepSpec {
  name: string;
  experiment: string;
  /** every MDP of the sweep: the top-level ones, then those only method entries name (in order of appearance) */
  mdps: SweepMdpRef[];
  /** the top-level MDPs, where some method entry names its own (absent = all of `mdps`) */
  defaultMdps?: SweepMdpRef[];
  methods: SweepMethodEntry[];
  seeds: number[];
  backend: SweepBackend;
  /** the initial policy argument of `wwb run --init`: uniform, random (each run's own seed) or random:SEED (one draw for all); default uniform */
  init: string;
}

/** One run of a sweep: everything `wwb run` needs, and a stable key. */
export interface SweepRun {
  /** 'r0000', 'r0001', ... in expansion order */
  key: string;
  index: number;
  mdp: SweepMdpRef;
  method: MethodId;
  /** the option values this run sets (the grid point), as given */
  set: Record<string, number | string>;
  /** all options, defaults filled (resolveMethodOptions) */
  options: MethodOptions;
  seed: number;
  iterations: number;
  backend: SweepBackend;
  init: string;
}

export type SweepParseResult = { ok: true; spec: SweepSpec } | { ok: false; errors: string[] };

const TOP_KEYS = ['format', 'name', 'experiment', 'mdp', 'mdps', 'methods', 'seeds', 'iterations', 'backend', 'init'] as const;
const METHOD_KEYS = ['method', 'options', 'iterations', 'mdps', 'seeds'] as const;
const RANGE_KEYS = ['from', 'to', 'count', 'step', 'log'] as const;
/** a sweep bigger than this is almost certainly a typo in a range */
export const MAX_SWEEP_RUNS = 100_000;
const MAX_GRID_VALUES = 10_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function unknownKeys(where: string, value: Record<string, unknown>, known: readonly string[], errors: string[]): void {
  for (const key of Object.keys(value))
    if (!known.includes(key)) errors.push(`${where}: unknown key '${key}' (known: ${known.join(', ')})`);
}

/** Parse `preset:ID` or `preset:ID?key=value&key=value`; anything else is a file path. */
export function parseMdpRef(ref: string): SweepMdpRef | string {
  if (!ref.startsWith('preset:')) return { kind: 'file', ref, path: ref };
  const body = ref.slice('preset:'.length);
  const q = body.indexOf('?');
  const id = q < 0 ? body : body.slice(0, q);
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(id)) return `'${ref}': a preset id is letters, digits and '-'`;
  const params: Record<string, number> = {};
  if (q >= 0) {
    for (const pair of body.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const raw = eq < 0 ? '' : pair.slice(eq + 1);
      const value = Number(raw);
      if (!key || raw.trim() === '' || !Number.isFinite(value)) return `'${ref}': preset parameter '${pair}' must be key=number`;
      if (key in params) return `'${ref}': preset parameter '${key}' given twice`;
      params[key] = value;
    }
  }
  return { kind: 'preset', ref, id, params };
}

/**
 * The values of one grid axis. Scalars are a one-value axis; lists must be non-empty scalars of one
 * kind; ranges as in the module comment.
 */
export function gridValues(where: string, value: unknown, errors: string[]): (number | string)[] {
  if (typeof value === 'string' || isFiniteNumber(value)) return [value];
  if (Array.isArray(value)) {
    if (value.length === 0) {
      errors.push(`${where}: the list is empty (a grid axis needs at least one value)`);
      return [];
    }
    const out: (number | string)[] = [];
    value.forEach((v, i) => {
      if (typeof v === 'string' || isFiniteNumber(v)) out.push(v);
      else errors.push(`${where}[${i}]: expected a number or a string, got ${JSON.stringify(v)}`);
    });
    const seen = new Set<number | string>();
    for (const v of out) {
      if (seen.has(v)) errors.push(`${where}: the value ${JSON.stringify(v)} is listed twice`);
      seen.add(v);
    }
    return out;
  }
  if (isObject(value)) {
    const before = errors.length;
    unknownKeys(where, value, RANGE_KEYS, errors);
    const { from, to, count, step, log } = value;
    if (!isFiniteNumber(from)) errors.push(`${where}.from: a range needs a finite number 'from'`);
    if (!isFiniteNumber(to)) errors.push(`${where}.to: a range needs a finite number 'to'`);
    if (log !== undefined && typeof log !== 'boolean') errors.push(`${where}.log: must be true or false`);
    if ((count === undefined) === (step === undefined)) errors.push(`${where}: a range needs exactly one of 'count' or 'step'`);
    if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 0))
      errors.push(`${where}.count: must be a non-negative integer, got ${JSON.stringify(count)}`);
    if (step !== undefined && !(isFiniteNumber(step) && step > 0)) errors.push(`${where}.step: must be a number > 0, got ${JSON.stringify(step)}`);
    if (step !== undefined && log === true) errors.push(`${where}: a log-spaced range takes 'count', not 'step'`);
    if (errors.length > before) return [];
    const a = from as number;
    const b = to as number;
    if (log === true && !(a > 0 && b > 0)) {
      errors.push(`${where}: a log-spaced range needs from > 0 and to > 0, got from=${a} to=${b}`);
      return [];
    }
    let n: number;
    if (count !== undefined) n = count as number;
    else {
      if (b < a) {
        errors.push(`${where}: a stepped range needs from <= to, got from=${a} to=${b}`);
        return [];
      }
      n = Math.floor((b - a) / (step as number) + 0.5 + 1e-9) + 1;
      if (a + (n - 1) * (step as number) > b + (step as number) * 1e-9) n -= 1;
    }
    if (n === 0) {
      errors.push(`${where}: the range is empty (count 0)`);
      return [];
    }
    if (n > MAX_GRID_VALUES) {
      errors.push(`${where}: the range has ${n} values (at most ${MAX_GRID_VALUES})`);
      return [];
    }
    const out: number[] = [];
    for (let k = 0; k < n; k++) {
      if (n === 1) out.push(a);
      else if (count !== undefined && k === n - 1) out.push(b);
      else if (step !== undefined) out.push(a + k * (step as number));
      else if (log === true) out.push(a * Math.pow(b / a, k / (n - 1)));
      else out.push(a + ((b - a) * k) / (n - 1));
    }
    return out;
  }
  errors.push(`${where}: expected a value, a list or a range {from, to, count|step[, log]}, got ${JSON.stringify(value)}`);
  return [];
}

function seedValues(value: unknown, errors: string[], where = 'seeds'): number[] {
  if (value === undefined) return [1];
  let seeds: (number | string)[];
  if (Number.isInteger(value) && (value as number) >= 1 && !Array.isArray(value)) {
    seeds = Array.from({ length: value as number }, (_, i) => i + 1);
  } else if (value === 0) {
    errors.push(`${where}: 0 seeds (a sweep needs at least one seed)`);
    return [];
  } else {
    seeds = gridValues(where, value, errors);
  }
  const out: number[] = [];
  for (const s of seeds) {
    if (typeof s === 'number' && Number.isInteger(s) && s >= 0 && s < 2 ** 32) out.push(s);
    else errors.push(`${where}: ${JSON.stringify(s)} is not an integer seed in [0, 2^32)`);
  }
  return out;
}

function optionGrid(where: string, method: MethodId, value: unknown, errors: string[]): Record<string, (number | string)[]> {
  const grid: Record<string, (number | string)[]> = {};
  if (value === undefined) return grid;
  if (!isObject(value)) {
    errors.push(`${where}: expected an object of option keys`);
    return grid;
  }
  const info = methodInfo(method)!;
  const known = info.options.map((o) => o.key);
  for (const [key, v] of Object.entries(value)) {
    if (!known.includes(key)) {
      errors.push(`${where}: unknown option '${key}' for ${method} (known: ${known.join(', ')})`);
      continue;
    }
    const values = gridValues(`${where}.${key}`, v, errors);
    if (values.length) grid[key] = values;
  }
  return grid;
}

function mdpList(where: string, raw: unknown, errors: string[]): SweepMdpRef[] {
  const out: SweepMdpRef[] = [];
  if (!Array.isArray(raw)) errors.push(`${where}: expected a list of 'preset:ID' or MDP file paths`);
  else if (raw.length === 0) errors.push(`${where}: the list is empty (a sweep needs at least one MDP)`);
  else
    raw.forEach((r, i) => {
      if (typeof r !== 'string' || r.trim() === '') return void errors.push(`${where}[${i}]: expected 'preset:ID' or a file path`);
      const parsed = parseMdpRef(r.trim());
      if (typeof parsed === 'string') errors.push(`${where}[${i}]: ${parsed}`);
      else if (out.some((m) => m.ref === parsed.ref)) errors.push(`${where}[${i}]: '${parsed.ref}' is listed twice`);
      else out.push(parsed);
    });
  return out;
}

function positiveInteger(where: string, value: unknown, errors: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 10_000_000) return value as number;
  errors.push(`${where}: must be an integer in [1, 1e7], got ${JSON.stringify(value)}`);
  return undefined;
}

/** Validate a spec object (JSON.parse / YAML load output). `fallbackName` names a spec without a name. */
export function parseSweepSpec(input: unknown, fallbackName = 'sweep'): SweepParseResult {
  const errors: string[] = [];
  if (!isObject(input)) return { ok: false, errors: ['the sweep spec must be an object (keys: ' + TOP_KEYS.join(', ') + ')'] };
  unknownKeys('sweep', input, TOP_KEYS, errors);
  if (input.format !== undefined && input.format !== SWEEP_FORMAT) errors.push(`format: expected '${SWEEP_FORMAT}', got ${JSON.stringify(input.format)}`);
  const str = (key: 'name' | 'experiment' | 'init', fallback: string): string => {
    const v = input[key];
    if (v === undefined) return fallback;
    if (typeof v === 'string' && v.trim() !== '' && v.length <= 200) return v.trim();
    errors.push(`${key}: must be a non-empty string of at most 200 characters`);
    return fallback;
  };
  const name = str('name', fallbackName);
  const experiment = str('experiment', name);
  const init = str('init', 'uniform');
  if (!/^(uniform|random|random:\d+)$/.test(init)) errors.push(`init: must be 'uniform', 'random' (the run's seed) or 'random:SEED', got '${init}'`);

  // MDPs: "mdp": one, or "mdps": a list (optional when every method entry names its own)
  if (input.mdp !== undefined && input.mdps !== undefined) errors.push("sweep: give 'mdp' or 'mdps', not both");
  const rawMdps = input.mdps ?? (input.mdp === undefined ? undefined : [input.mdp]);
  const topMdps = rawMdps === undefined ? undefined : mdpList('mdps', rawMdps, errors);

  const defaultIterations = positiveInteger('iterations', input.iterations, errors);
  const methods: SweepMethodEntry[] = [];
  if (input.methods === undefined) errors.push('methods: required (a list of {method, options})');
  else if (!Array.isArray(input.methods)) errors.push('methods: expected a list of {method, options}');
  else if (input.methods.length === 0) errors.push('methods: the list is empty (a sweep needs at least one method)');
  else
    input.methods.forEach((entry: unknown, i) => {
      const where = `methods[${i}]`;
      const raw = typeof entry === 'string' ? { method: entry } : entry;
      if (!isObject(raw)) return void errors.push(`${where}: expected a method id or {method, options, iterations}`);
      unknownKeys(where, raw, METHOD_KEYS, errors);
      const info = typeof raw.method === 'string' ? methodInfo(raw.method) : undefined;
      if (!info) return void errors.push(`${where}.method: unknown method ${JSON.stringify(raw.method)} (known: ${METHOD_IDS.join(', ')})`);
      const grid = optionGrid(`${where}.options`, info.id, raw.options, errors);
      const iterations = positiveInteger(`${where}.iterations`, raw.iterations, errors) ?? defaultIterations ?? info.iterations;
      const out: SweepMethodEntry = { method: info.id, grid, iterations };
      if (raw.mdps !== undefined) out.mdps = mdpList(`${where}.mdps`, raw.mdps, errors);
      else if (topMdps === undefined) errors.push(`${where}: no MDPs (give the sweep's 'mdps' or this entry's own)`);
      if (raw.seeds !== undefined) out.seeds = seedValues(raw.seeds, errors, `${where}.seeds`);
      methods.push(out);
    });
  if (topMdps === undefined && !Array.isArray(input.methods)) errors.push("mdps: required (a list of 'preset:ID' or MDP file paths)");
  // every MDP of the sweep, top-level first: the loaders (CLI, app) bind each once
  const mdps: SweepMdpRef[] = [...(topMdps ?? [])];
  for (const m of methods) for (const r of m.mdps ?? []) if (!mdps.some((x) => x.ref === r.ref)) mdps.push(r);

  const seeds = seedValues(input.seeds, errors);
  const backend = input.backend ?? 'reference';
  if (backend !== 'reference' && backend !== 'webgpu') errors.push(`backend: must be 'reference' or 'webgpu', got ${JSON.stringify(backend)}`);

  if (errors.length) return { ok: false, errors };
  const spec: SweepSpec = { name, experiment, mdps, methods, seeds, backend: backend as SweepBackend, init };
  if (methods.some((m) => m.mdps)) spec.defaultMdps = topMdps ?? [];
  const count = sweepRunCount(spec);
  if (count > MAX_SWEEP_RUNS) return { ok: false, errors: [`the sweep has ${count} runs (at most ${MAX_SWEEP_RUNS}): check the ranges`] };
  // every grid point must be a valid option set for its method (ranges, choices, tau rules)
  for (const [i, entry] of methods.entries()) {
    for (const set of gridPoints(entry.grid)) {
      const problems = optionProblems(entry.method, set);
      if (problems.length) {
        errors.push(`methods[${i}] (${entry.method}) at ${formatSet(set)}: ${problems.join('; ')}`);
        break; // one example per method entry is enough
      }
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, spec };
}

function optionProblems(method: MethodId, set: Record<string, number | string>): string[] {
  const resolved = resolveMethodOptions(method, set);
  if (!resolved.ok) return resolved.errors;
  if (methodInfo(method)!.needsTau && !(Number(resolved.options.tau) > 0)) return [`${method} needs tau > 0`];
  return [];
}

export const formatSet = (set: Record<string, number | string>): string =>
  Object.keys(set).length ? Object.entries(set).map(([k, v]) => `${k}=${v}`).join(' ') : '(defaults)';

/** The Cartesian product of a grid, last key fastest. An empty grid has one point: {}. */
export function gridPoints(grid: Record<string, (number | string)[]>): Record<string, number | string>[] {
  let points: Record<string, number | string>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    const next: Record<string, number | string>[] = [];
    for (const p of points) for (const v of values) next.push({ ...p, [key]: v });
    points = next;
  }
  return points;
}

/** The MDPs a method entry runs on: its own, or the sweep's top-level ones (those no entry names alone). */
export function entryMdps(spec: SweepSpec, entry: SweepMethodEntry): SweepMdpRef[] {
  return entry.mdps ?? spec.defaultMdps ?? spec.mdps;
}

/** sum_m |mdps(m)| * |seeds(m)| * prod_o |values(o)|, without expanding. */
export function sweepRunCount(spec: SweepSpec): number {
  return spec.methods.reduce(
    (acc, m) => acc + entryMdps(spec, m).length * (m.seeds ?? spec.seeds).length * Object.values(m.grid).reduce((p, v) => p * v.length, 1),
    0,
  );
}

/** Every run of the sweep, in the order of the module comment. */
export function expandSweep(spec: SweepSpec): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const mdp of spec.mdps)
    for (const entry of spec.methods) {
      if (!entryMdps(spec, entry).some((r) => r.ref === mdp.ref)) continue;
      for (const set of gridPoints(entry.grid)) {
        const resolved = resolveMethodOptions(entry.method, set);
        if (!resolved.ok) throw new Error(`unreachable: ${resolved.errors.join('; ')}`); // checked by parseSweepSpec
        for (const seed of entry.seeds ?? spec.seeds) {
          const index = runs.length;
          runs.push({
            key: `r${String(index).padStart(4, '0')}`,
            index,
            mdp,
            method: entry.method,
            set,
            options: resolved.options,
            seed,
            iterations: entry.iterations,
            backend: spec.backend,
            init: spec.init,
          });
        }
      }
    }
  return runs;
}
