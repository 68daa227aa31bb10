/** The facts of a compiled MDP that the option cross-checks need (see MdpFacts). */
import type { TabularMdp } from '../mdp/types';
import type { MdpFacts } from './types';

export function mdpFacts(mdp: TabularMdp): MdpFacts {
  let maxCost = 0;
  for (let i = 0; i < mdp.cost.length; i++) if (mdp.cost[i] > maxCost) maxCost = mdp.cost[i];
  const grid = mdp.grid;
  let box: MdpFacts['box'] = null;
  if (grid) {
    let width = Infinity;
    let h = Infinity;
    for (let k = 0; k < grid.dim; k++) {
      width = Math.min(width, grid.hi[k] - grid.lo[k]);
      h = Math.min(h, grid.h[k]);
    }
    box = { width, h };
  }
  return { S: mdp.S, N: mdp.N, gamma: mdp.gamma, maxCost, box };
}
