/** The preset catalogue as the Design view shows it: grouped entries and a builder. */
import { PRESETS, presetById, type PresetCategory } from '../../../compute/presets';
import type { MdpDocument } from '../../../shared/mdp/types';

export interface PresetEntry {
  id: string;
  title: string;
  description: string;
  group: string;
}

const GROUP: Record<PresetCategory, string> = {
  bandit: 'Bandits',
  classic: 'Classic tabular',
  gymnasium: 'Gymnasium toy text',
  continuous: 'Continuous actions',
  family: 'Random families & generators',
};

export const PRESET_ENTRIES: PresetEntry[] = PRESETS.map((p) => ({
  id: p.id,
  title: p.title,
  description: p.description,
  group: GROUP[p.category] ?? p.category,
}));

export function buildPreset(id: string): MdpDocument {
  const p = presetById(id);
  if (!p) throw new Error(`unknown preset '${id}'`);
  return structuredClone(p.build());
}
