/**
 * The preset instances the oracle fixtures are computed on, and a fingerprint of a compiled MDP: the
 * fixture stores it, the tests recompute it, so a preset that changes makes its fixture fail loudly
 * ("regenerate") instead of comparing against the wrong problem.
 */
import type { TabularMdp } from '../../src/shared/mdp/types';

export interface OraclePreset {
  key: string;
  id: string;
  params: Record<string, number>;
}

export const ORACLE_PRESETS: readonly OraclePreset[] = [
  { key: 'frozenlake-4x4', id: 'frozenlake-4x4', params: { gamma: 0.95 } },
  { key: 'cliffwalking', id: 'cliffwalking', params: { gamma: 0.9 } },
  { key: 'taxi', id: 'taxi', params: { gamma: 0.99 } },
  { key: 'chain', id: 'chain', params: {} },
  { key: 'gridworld', id: 'gridworld', params: {} },
  { key: 'bandit-quadratic-64', id: 'bandit-quadratic', params: { n: 64 } },
];

/** sums that change when any reward, transition, start or cost entry changes */
export function fingerprint(m: TabularMdp): number[] {
  let r = 0;
  for (let i = 0; i < m.reward.length; i++) r += m.reward[i] * (1 + (i % 7));
  let p = 0;
  for (let e = 0; e < m.prob.length; e++) p += m.prob[e] * (1 + m.next[e]) * (1 + (e % 5));
  let c = 0;
  for (let i = 0; i < m.cost.length; i++) c += m.cost[i] * (1 + (i % 3));
  let s = 0;
  for (let i = 0; i < m.rho0.length; i++) s += m.rho0[i] * (1 + i);
  return [m.S, m.N, m.gamma, r, p, c, s, m.prob.length];
}
