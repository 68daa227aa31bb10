/**
 * The one option parser: a loose record (form text already trimmed, `--set key=value` strings, a JSON
 * payload) against the method's spec → the typed options object, or every problem as {key, message}.
 *
 * Rules: unknown keys are errors; an absent key takes the spec's default, or stays absent when the
 * option has none (gamma: the MDP's own; jko-sinkhorn's eta/eps: derived from the problem); `null` is
 * read as absent (JSON has no other way to say "not given"); numbers may arrive as strings; each value
 * must be finite, an integer where required, and inside its range. The cross-checks run once every
 * option is individually valid, with the facts of the MDP when the caller knows it.
 */
import { METHOD_IDS, type MethodId } from './ids';
import type { MdpFacts, MethodSpec, NumberOptionSpec, OptionIssue, OptionSpec } from './types';
import { SPECS, type OptionsById } from './specs';

export type ParseResult<M extends MethodId = MethodId> = { ok: true; options: OptionsById[M] } | { ok: false; errors: OptionIssue[] };

/** The range of a number option as an interval: "(0, 1]", "[1, ∞) integer". */
/** A range bound as people write it: 1e12 rather than 1000000000000. */
function bound(x: number): string {
  return Math.abs(x) >= 1e6 && Number.isInteger(Math.log10(Math.abs(x))) ? `${x < 0 ? '-' : ''}1e${Math.log10(Math.abs(x))}` : String(x);
}

export function formatRange(o: OptionSpec): string {
  if (o.kind === 'choice') return `one of ${o.choices.join(', ')}`;
  const lo = o.min === undefined ? '(−∞' : `${o.minExclusive ? '(' : '['}${bound(o.min)}`;
  const hi = o.max === undefined ? '∞)' : `${bound(o.max)}${o.maxExclusive ? ')' : ']'}`;
  return `${lo}, ${hi}${o.integer ? ' integer' : ''}`;
}

function inRange(o: NumberOptionSpec, v: number): boolean {
  if (o.min !== undefined && (o.minExclusive ? !(v > o.min) : !(v >= o.min))) return false;
  if (o.max !== undefined && (o.maxExclusive ? !(v < o.max) : !(v <= o.max))) return false;
  return true;
}

export function parseMethodOptions<M extends MethodId>(id: M, given: Readonly<Record<string, unknown>>, facts: MdpFacts = {}): ParseResult<M> {
  if (!(METHOD_IDS as readonly string[]).includes(id))
    return { ok: false, errors: [{ key: '', message: `unknown method '${String(id)}' (known: ${METHOD_IDS.join(', ')})` }] };
  const spec = SPECS[id] as unknown as MethodSpec<Record<string, number | string | undefined>>;
  const specs = spec.options as Record<string, OptionSpec>;
  const errors: OptionIssue[] = [];
  const out: Record<string, number | string> = {};
  const keys = Object.keys(specs);
  for (const key of Object.keys(given)) {
    if (!keys.includes(key)) errors.push({ key, message: `${id}: unknown option '${key}' (known: ${keys.join(', ')})` });
  }
  for (const key of keys) {
    const o = specs[key];
    const raw = given[key];
    if (raw === undefined || raw === null || raw === '') {
      if (o.default !== undefined) out[key] = o.default;
      continue;
    }
    if (o.kind === 'choice') {
      if (typeof raw !== 'string' || !o.choices.includes(raw)) errors.push({ key, message: `${id}: option '${key}' must be one of ${o.choices.join(', ')}, got ${JSON.stringify(raw)}` });
      else out[key] = raw;
      continue;
    }
    const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      errors.push({ key, message: `${id}: option '${key}' must be a finite number in ${formatRange(o)}, got ${JSON.stringify(raw)}` });
      continue;
    }
    if ((o.integer && !Number.isInteger(v)) || !inRange(o, v)) {
      errors.push({ key, message: `${id}: option '${key}' must lie in ${formatRange(o)}, got ${v}` });
      continue;
    }
    out[key] = v;
  }
  if (errors.length) return { ok: false, errors };
  const checked = spec.checks?.(out, facts) ?? [];
  if (checked.length) return { ok: false, errors: checked };
  return { ok: true, options: out as unknown as OptionsById[M] };
}
