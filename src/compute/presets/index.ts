/**
 * The preset catalogue: every built-in MDP, by stable id. Each builds a native document that compiles
 * without errors (tested).
 *
 * A preset spec may carry parameters as a query string, `id?key=value&key=value`, e.g.
 * `gridworld?size=8&slip=0.2` or `garnet?S=50&N=4&branching=3&seed=1`; `presetById` resolves such a
 * spec to a preset whose build() uses those values (explicit build() arguments still win).
 */
import { bandit2d, banditBimodal, banditCosine, banditQuadratic } from './bandits';
import { chain, gridworld, nav1d } from './classic';
import { frozenLakeRandom, garnet, gridworldGenerator, randomBandit } from './families';
import { cliffWalking, frozenLake4x4, frozenLake8x8, taxi } from './gymnasiumToyText';
import { PresetParamError, resolvePresetParams, type Preset } from './preset';

export type { Preset, PresetCategory, PresetParam } from './preset';
export { resolvePresetParams, PresetParamError } from './preset';
export { taxiDecode, taxiEncode, frozenLakeDocument, FROZEN_LAKE_MAPS, TAXI_LOCATIONS, TAXI_MAP } from './gymnasiumToyText';
export { randomFrozenLakeMap, REWARD_LAWS } from './families';

export const PRESETS: readonly Preset[] = [
  banditQuadratic,
  banditBimodal,
  banditCosine,
  bandit2d,
  randomBandit,
  chain,
  gridworld,
  gridworldGenerator,
  nav1d,
  frozenLake4x4,
  frozenLake8x8,
  frozenLakeRandom,
  cliffWalking,
  taxi,
  garnet,
];

const BY_ID = new Map(PRESETS.map((p) => [p.id, p]));

/** `id` and its numeric parameters from a spec `id?key=value&...`; throws PresetParamError on bad syntax. */
export function parsePresetSpec(spec: string): { id: string; params: Record<string, number> } {
  const q = spec.indexOf('?');
  const id = (q < 0 ? spec : spec.slice(0, q)).trim();
  const params: Record<string, number> = {};
  if (q < 0) return { id, params };
  const query = spec.slice(q + 1);
  if (query.length > 2000) throw new PresetParamError(`preset '${id}': the parameter string is longer than 2000 characters`, id);
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new PresetParamError(`preset '${id}': expected key=value, got '${part}'`, id);
    let key: string;
    let raw: string;
    try {
      key = decodeURIComponent(part.slice(0, eq)).trim();
      raw = decodeURIComponent(part.slice(eq + 1)).trim();
    } catch {
      throw new PresetParamError(`preset '${id}': '${part}' is not valid URL encoding`, id);
    }
    if (Object.prototype.hasOwnProperty.call(params, key)) throw new PresetParamError(`preset '${id}': parameter '${key}' is given twice`, id, key);
    const v = raw === '' ? NaN : Number(raw);
    if (!Number.isFinite(v)) throw new PresetParamError(`preset '${id}': parameter '${key}' must be a finite number, got '${raw}'`, id, key);
    params[key] = v;
  }
  return { id, params };
}

/** The canonical spec of a preset and parameters: `id` alone when every value is the default. */
export function presetSpec(id: string, params: Readonly<Record<string, number>>): string {
  const base = BY_ID.get(id);
  const parts = Object.entries(params)
    .filter(([k, v]) => base?.params.find((p) => p.key === k)?.default !== v)
    .map(([k, v]) => `${encodeURIComponent(k)}=${v}`);
  return parts.length ? `${id}?${parts.join('&')}` : id;
}

/**
 * The preset named by `spec` (`id` or `id?key=value&...`): undefined when the id is unknown; a
 * PresetParamError (a RangeError with a message naming the preset and parameter) when a parameter is
 * unknown, not a number or out of range. The returned preset's build() applies the spec's parameters.
 */
export function presetById(spec: string): Preset | undefined {
  const direct = BY_ID.get(spec);
  if (direct) return direct;
  const { id, params } = parsePresetSpec(spec);
  const base = BY_ID.get(id);
  if (!base) return undefined;
  resolvePresetParams(id, base.params, params);
  return {
    ...base,
    id: spec,
    params: base.params.map((p) => (Object.prototype.hasOwnProperty.call(params, p.key) ? { ...p, default: params[p.key] } : p)),
    build: (given) => base.build({ ...params, ...given }),
  };
}
