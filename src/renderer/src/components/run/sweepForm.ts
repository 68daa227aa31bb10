/**
 * The sweep panel's form <-> the sweep spec file (src/shared/sweepSpec.ts). One option axis is typed as
 * text, in the forms a researcher writes a grid in:
 *
 *   0.2               one value (fixed)
 *   0.05, 0.2         a list (strings for choice options: exact, sweeps)
 *   0.01..1 5         a range of 5 linearly spaced values, first and last included
 *   0.01..1 5 log     the same, geometric: 0.01 * 100^(k/4), k = 0..4
 *   0..1 step 0.25    from, from + step, ... up to to
 *
 * and becomes the spec's scalar, list or {from, to, count|step, log} object, which `parseSweepSpec`
 * then checks (ranges, option domains) exactly as `wwb sweep` does. Seeds are a count ("3" = 1..3), a
 * list or a range. The text of an imported spec is written back in the same forms, so import -> export
 * gives the same file up to formatting.
 */
import { SWEEP_FORMAT } from '../../../../shared/sweepSpec';
import type { ComputeBackendId, MethodId } from '../../../../shared/methods';

export interface SweepFormMethod {
  method: MethodId;
  /** option key -> axis text ('' = the method's default, not part of the grid) */
  options: Record<string, string>;
  /** '' = the sweep's iterations (or the method's own) */
  iterations: string;
  /** the MDPs (of SweepForm.mdps) this method runs on; null = all of them */
  mdps: string[] | null;
  /** '' = the sweep's seeds */
  seeds: string;
}

export interface SweepForm {
  name: string;
  /** '' = the name */
  experiment: string;
  /** spec MDP refs: preset:ID[?k=v&...] or a saved MDP's name + .json */
  mdps: string[];
  methods: SweepFormMethod[];
  seeds: string;
  /** '' = each method's own */
  iterations: string;
  backend: ComputeBackendId;
  /** uniform | random | random:SEED */
  init: string;
}

type Axis = number | string | (number | string)[] | { from: number; to: number; count?: number; step?: number; log?: boolean };

const NUM = '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:e[-+]?\\d+)?';
const RANGE = new RegExp(`^(${NUM})\\s*\\.\\.\\s*(${NUM})\\s+(?:(\\d+)|step\\s+(${NUM}))(\\s+log)?$`, 'i');
const NUMBER = new RegExp(`^${NUM}$`, 'i');

function scalar(t: string): number | string {
  return NUMBER.test(t) ? Number(t) : t;
}

/** Read one axis; `null` for empty text (the default). Throws with a message for text that is no axis. */
export function parseAxisText(text: string): Axis | null {
  const t = text.trim();
  if (t === '') return null;
  const r = RANGE.exec(t);
  if (r) {
    const out: Axis = { from: Number(r[1]), to: Number(r[2]) };
    if (r[3] !== undefined) out.count = Number(r[3]);
    else out.step = Number(r[4]);
    if (r[5]) out.log = true;
    return out;
  }
  if (t.includes('..')) throw new Error(`cannot read the range '${t}': write FROM..TO COUNT [log] or FROM..TO step STEP`);
  if (t.includes(',')) {
    const parts = t.split(',').map((p) => p.trim());
    if (parts.some((p) => p === '')) throw new Error(`the list '${t}' has an empty entry`);
    return parts.map(scalar);
  }
  return scalar(t);
}

const num = (v: number): string => String(v);

/** The text of an axis value of a spec (inverse of parseAxisText). */
export function axisText(v: unknown): string {
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'number' ? num(x) : String(x))).join(', ');
  if (v && typeof v === 'object') {
    const r = v as { from?: unknown; to?: unknown; count?: unknown; step?: unknown; log?: unknown };
    const head = `${String(r.from)}..${String(r.to)}`;
    if (r.step !== undefined) return `${head} step ${String(r.step)}`;
    return `${head} ${String(r.count)}${r.log === true ? ' log' : ''}`;
  }
  return '';
}

/** Seeds: a count ("3" = seeds 1..3), a list, or a range; '' = the spec's default (seed 1). */
export function parseSeedsText(text: string): Axis | null {
  const t = text.trim();
  if (t === '') return null;
  const whole = /^\d+$/.exec(t);
  if (whole) return Number(t);
  const span = /^(\d+)\s*\.\.\s*(\d+)$/.exec(t);
  if (span) return { from: Number(span[1]), to: Number(span[2]), step: 1 };
  return parseAxisText(t);
}

export function seedsText(v: unknown): string {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const r = v as { from?: unknown; to?: unknown; step?: unknown };
    if (r.step === 1) return `${String(r.from)}..${String(r.to)}`;
  }
  return axisText(v);
}

/**
 * The spec object the form means (what Export writes and `wwb sweep` reads), and the problems found
 * reading the text fields, each located like the spec parser's (`methods[1].options.eps: ...`).
 */
export function formToSpec(form: SweepForm): { raw: Record<string, unknown>; errors: string[] } {
  const errors: string[] = [];
  const raw: Record<string, unknown> = { format: SWEEP_FORMAT, name: form.name.trim() };
  if (form.experiment.trim()) raw.experiment = form.experiment.trim();
  // the MDP set most entries share is the sweep's list; the others name their own
  const sets = form.methods.map((m) => (m.mdps === null ? [...form.mdps] : form.mdps.filter((r) => m.mdps!.includes(r))));
  const freq = new Map<string, number>();
  for (const set of sets) freq.set(JSON.stringify(set), (freq.get(JSON.stringify(set)) ?? 0) + 1);
  let top = JSON.stringify(form.mdps);
  for (const [k, n] of freq) if (n > (freq.get(top) ?? 0)) top = k;
  raw.mdps = JSON.parse(top) as string[];
  raw.methods = form.methods.map((m, i) => {
    const entry: Record<string, unknown> = { method: m.method };
    if (JSON.stringify(sets[i]) !== top) entry.mdps = sets[i];
    if (m.seeds.trim()) {
      try {
        const seeds = parseSeedsText(m.seeds);
        if (seeds !== null) entry.seeds = seeds;
      } catch (err) {
        errors.push(`methods[${i}].seeds: ${(err as Error).message}`);
      }
    }
    const options: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(m.options)) {
      try {
        const v = parseAxisText(text);
        if (v !== null) options[key] = v;
      } catch (err) {
        errors.push(`methods[${i}].options.${key}: ${(err as Error).message}`);
      }
    }
    if (Object.keys(options).length) entry.options = options;
    if (m.iterations.trim()) {
      const n = Number(m.iterations.trim());
      if (Number.isFinite(n)) entry.iterations = n;
      else errors.push(`methods[${i}].iterations: '${m.iterations}' is not a number`);
    }
    return entry;
  });
  try {
    const seeds = parseSeedsText(form.seeds);
    if (seeds !== null) raw.seeds = seeds;
  } catch (err) {
    errors.push(`seeds: ${(err as Error).message}`);
  }
  if (form.iterations.trim()) {
    const n = Number(form.iterations.trim());
    if (Number.isFinite(n)) raw.iterations = n;
    else errors.push(`iterations: '${form.iterations}' is not a number`);
  }
  raw.backend = form.backend;
  if (form.init !== 'uniform') raw.init = form.init;
  return { raw, errors };
}

/** A form from a spec object (an imported file); fields of the wrong shape are left for the parser to report. */
export function specToForm(raw: Record<string, unknown>, fallbackName: string): SweepForm {
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const rawMdps = Array.isArray(raw.mdps) ? raw.mdps : raw.mdp !== undefined ? [raw.mdp] : [];
  const methods = Array.isArray(raw.methods) ? raw.methods : [];
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : []);
  const mdps = strings(rawMdps);
  for (const e of methods) for (const r of strings((e as { mdps?: unknown } | null)?.mdps)) if (!mdps.includes(r)) mdps.push(r);
  const top = strings(rawMdps);
  return {
    name: str(raw.name) || fallbackName,
    experiment: str(raw.experiment),
    mdps,
    methods: methods.flatMap((e: unknown) => {
      const entry = typeof e === 'string' ? { method: e } : (e as Record<string, unknown> | null);
      if (!entry || typeof entry.method !== 'string') return [];
      const options: Record<string, string> = {};
      if (entry.options && typeof entry.options === 'object')
        for (const [k, v] of Object.entries(entry.options as Record<string, unknown>)) options[k] = axisText(v);
      const own = entry.mdps === undefined ? top : strings(entry.mdps);
      return [
        {
          method: entry.method as MethodId,
          options,
          iterations: entry.iterations === undefined ? '' : String(entry.iterations),
          mdps: own.length === mdps.length && mdps.every((r) => own.includes(r)) ? null : own,
          seeds: entry.seeds === undefined ? '' : seedsText(entry.seeds),
        },
      ];
    }),
    seeds: raw.seeds === undefined ? '' : seedsText(raw.seeds),
    iterations: raw.iterations === undefined ? '' : String(raw.iterations),
    backend: raw.backend === 'webgpu' ? 'webgpu' : 'reference',
    init: typeof raw.init === 'string' ? raw.init : 'uniform',
  };
}
