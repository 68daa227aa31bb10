/**
 * The preset catalogue: every built-in MDP, by stable id. Each builds a native document that compiles
 * without errors (tested).
 */
import { bandit2d, banditBimodal, banditCosine, banditQuadratic } from './bandits';
import { chain, gridworld, nav1d } from './classic';
import { cliffWalking, frozenLake4x4, frozenLake8x8, taxi } from './gymnasiumToyText';
import type { Preset } from './preset';

export type { Preset, PresetCategory, PresetParam } from './preset';
export { resolvePresetParams } from './preset';
export { taxiDecode, taxiEncode, frozenLakeDocument, FROZEN_LAKE_MAPS, TAXI_LOCATIONS } from './gymnasiumToyText';

export const PRESETS: readonly Preset[] = [
  banditQuadratic,
  banditBimodal,
  banditCosine,
  bandit2d,
  chain,
  gridworld,
  nav1d,
  frozenLake4x4,
  frozenLake8x8,
  cliffWalking,
  taxi,
];

const BY_ID = new Map(PRESETS.map((p) => [p.id, p]));

export function presetById(id: string): Preset | undefined {
  return BY_ID.get(id);
}
