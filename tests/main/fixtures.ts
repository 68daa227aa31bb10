import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MdpDocument } from '../../src/shared/mdp/types';
import type { IterationMetrics } from '../../src/shared/methods';

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix = 'wwb-main-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Two states, two actions, every (s, a) with a complete outcome list. */
export function twoStateMdp(name = 'two-state'): MdpDocument {
  return {
    format: 'wasserstein-workbench/mdp',
    version: 1,
    name,
    states: [{ label: 's0' }, { label: 's1' }],
    actions: { kind: 'discrete', labels: ['stay', 'move'], positions: [[0], [1]] },
    gamma: 0.9,
    initial: [1, 0],
    rewards: { kind: 'table', values: [[0, 1], [1, 0]] },
    transitions: {
      kind: 'table',
      entries: [
        { s: 0, a: 0, next: 0, p: 1 },
        { s: 0, a: 1, next: 1, p: 1 },
        { s: 1, a: 0, next: 1, p: 1 },
        { s: 1, a: 1, next: 0, p: 1 },
      ],
    },
  };
}

export function point(iteration: number, over: Partial<IterationMetrics> = {}): IterationMetrics {
  return {
    iteration,
    J: 1 + iteration,
    Jplain: 1 + iteration,
    gap: 1 / (1 + iteration),
    tv: 0.5,
    entropy: 0.6,
    transportCost: 0.01,
    kl: null,
    trustSlack: null,
    trustViolated: null,
    lambda: null,
    evalResidual: 1e-12,
    policyChange: iteration === 0 ? null : 1 / (1 + iteration),
    t: null,
    wallMs: iteration * 2,
    ...over,
  };
}
