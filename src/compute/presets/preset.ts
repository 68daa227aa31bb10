/**
 * A preset is a named, parameterisable MDP document. Presets are ordinary documents (they go through
 * `compileMdp` like anything a user designs), so the designer can open, edit and save them.
 *
 * Canvas positions: states carry (x, y) in design-view units (pixels at zoom 1, y pointing down);
 * grid worlds put cell (row, col) at x = CELL * col + MARGIN, y = CELL * row + MARGIN.
 */
import type { MdpDocument, StateSpec } from '../../shared/mdp/types';

export type PresetCategory = 'bandit' | 'classic' | 'gymnasium' | 'continuous' | 'family';

export interface PresetParam {
  key: string;
  label: string;
  help: string;
  default: number;
  min: number;
  max: number;
  integer?: boolean;
}

export interface Preset {
  id: string;
  title: string;
  description: string;
  category: PresetCategory;
  /** the numeric parameters build() accepts (empty when fixed) */
  params: readonly PresetParam[];
  /** build the document; missing params take their defaults; out-of-range params throw a RangeError */
  build(params?: Readonly<Record<string, number>>): MdpDocument;
}

export const CELL = 80;
export const MARGIN = 40;

/**
 * A preset parameter that is unknown, not a number, or out of range; or a preset spec that cannot be
 * parsed. A RangeError, so callers that catch those keep working; the message names the preset and
 * the parameter and is meant to be shown as it is (CLI, designer form, sweep specs).
 */
export class PresetParamError extends RangeError {
  constructor(
    message: string,
    readonly preset: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'PresetParamError';
  }
}

/** Fill defaults and check ranges; throws PresetParamError naming the parameter. */
export function resolvePresetParams(
  id: string,
  spec: readonly PresetParam[],
  given: Readonly<Record<string, number>> = {},
): Record<string, number> {
  const known = new Set(spec.map((p) => p.key));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      throw new PresetParamError(`preset '${id}': unknown parameter '${key}' (known: ${[...known].join(', ') || 'none'})`, id, key);
    }
  }
  const out: Record<string, number> = {};
  for (const p of spec) {
    const v = Object.prototype.hasOwnProperty.call(given, p.key) ? given[p.key] : p.default;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new PresetParamError(`preset '${id}': parameter '${p.key}' must be a finite number, got ${String(v)}`, id, p.key);
    }
    if (p.integer && !Number.isInteger(v)) throw new PresetParamError(`preset '${id}': parameter '${p.key}' must be an integer, got ${v}`, id, p.key);
    if (v < p.min || v > p.max) {
      throw new PresetParamError(`preset '${id}': parameter '${p.key}' = ${v} is outside [${p.min}, ${p.max}]`, id, p.key);
    }
    out[p.key] = v;
  }
  return out;
}

/** States of a rows x cols grid world, row-major (s = row * cols + col), labelled by `label`. */
export function gridStates(rows: number, cols: number, label: (row: number, col: number) => string): StateSpec[] {
  const out: StateSpec[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out.push({ label: label(r, c), x: CELL * c + MARGIN, y: CELL * r + MARGIN });
  }
  return out;
}

/** States on a horizontal line. */
export function lineStates(n: number, label: (s: number) => string): StateSpec[] {
  return Array.from({ length: n }, (_, s) => ({ label: label(s), x: CELL * s + MARGIN, y: MARGIN }));
}

/**
 * Compass moves as 2-D action positions (x to the right, y up): up (0, 1), right (1, 0), down (0, -1),
 * left (-1, 0). With the squared Euclidean cost, turning 90 degrees costs 2 and reversing costs 4.
 */
export const COMPASS = {
  up: [0, 1],
  right: [1, 0],
  down: [0, -1],
  left: [-1, 0],
} as const satisfies Record<string, readonly [number, number]>;

/** A number written into a formula so that it reads back exactly. */
export function lit(x: number): string {
  const s = String(x);
  return x < 0 ? `(${s})` : s;
}

/** The one-hot distribution on `s` over `n` states. */
export function pointMass(n: number, s: number): number[] {
  const v = new Array<number>(n).fill(0);
  v[s] = 1;
  return v;
}
