/**
 * Small hand-made MDPs: a chain, a slippery grid world, and a continuous-action navigation task.
 */
import { MDP_FORMAT, MDP_FORMAT_VERSION, type MdpDocument, type TransitionEntry } from '../../shared/mdp/types';
import { COMPASS, PresetParamError, gridStates, lineStates, lit, pointMass, resolvePresetParams, type Preset, type PresetParam } from './preset';

// ---------------------------------------------------------------------------------------------------
// chain

const chainParams: readonly PresetParam[] = [
  { key: 'states', label: 'states', help: 'Number of states in the chain.', default: 8, min: 2, max: 1000, integer: true },
  { key: 'slip', label: 'slip probability', help: 'Probability that a move goes the other way.', default: 0.1, min: 0, max: 0.5 },
];

/**
 * Chain of S states 0..S-1 on a line; actions left (position -1) and right (+1). A move goes the
 * intended way with probability 1 - slip and the other way with probability slip (walls keep you in
 * place). Reward 1 for choosing right in the last state (you stay there), and a small distractor reward
 * 0.1 for choosing left in state 0. Start in state 0. With gamma = 0.95 the far reward wins.
 */
export const chain: Preset = {
  id: 'chain',
  title: 'Chain',
  description:
    'States 0..S-1 on a line, actions left/right that slip the other way with a small probability. Reward 1 for ' +
    '"right" in the last state, a distractor 0.1 for "left" in state 0; start at state 0.',
  category: 'classic',
  params: chainParams,
  build(given): MdpDocument {
    const { states: S, slip } = resolvePresetParams('chain', chainParams, given);
    const entries: TransitionEntry[] = [];
    const values: number[][] = [];
    for (let s = 0; s < S; s++) {
      const left = Math.max(s - 1, 0);
      const right = Math.min(s + 1, S - 1);
      for (const [a, intended, other] of [
        [0, left, right],
        [1, right, left],
      ] as const) {
        entries.push({ s, a, next: intended, p: 1 - slip });
        if (slip > 0) entries.push({ s, a, next: other, p: slip });
      }
      values.push([s === 0 ? 0.1 : 0, s === S - 1 ? 1 : 0]);
    }
    return {
      format: MDP_FORMAT,
      version: MDP_FORMAT_VERSION,
      name: `Chain (${S} states)`,
      description: chain.description,
      states: lineStates(S, (s) => `c${s}`),
      actions: { kind: 'discrete', labels: ['left', 'right'], positions: [[-1], [1]] },
      gamma: 0.95,
      initial: pointMass(S, 0),
      rewards: { kind: 'table', values },
      transitions: { kind: 'table', entries },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// grid world

const gridParams: readonly PresetParam[] = [
  { key: 'size', label: 'size', help: 'The grid is size x size cells.', default: 5, min: 3, max: 30, integer: true },
  {
    key: 'slip',
    label: 'slip probability',
    help: 'Probability of moving perpendicular to the intended direction (split evenly between the two sides).',
    default: 0.2,
    min: 0,
    max: 0.9,
  },
];

/** Actions of the grid world, in order, with their compass positions. */
export const GRIDWORLD_ACTIONS = ['up', 'right', 'down', 'left'] as const;

/**
 * size x size grid, row 0 at the top, state s = row * size + col. Start top-left (0, 0); goal bottom-
 * right (+1 on entering, terminated); two pits at (1, size-2) and (size-2, 1) (-1 on entering,
 * terminated); -0.01 per step otherwise. Actions 0 = up, 1 = right, 2 = down, 3 = left, placed at the
 * compass points (0,1), (1,0), (0,-1), (-1,0), so with the squared distance cost a 90-degree turn costs 2
 * and a reversal 4. A move goes the intended way with probability 1 - slip and to each perpendicular
 * side with slip / 2; moves off the grid stay put. Goal and pits are terminal states.
 */
export const gridworld: Preset = {
  id: 'gridworld',
  title: 'Grid world (slippery)',
  description:
    'A size x size grid: start top-left, goal bottom-right (+1), two pits (-1), -0.01 per step, moves slip ' +
    'sideways with the given probability. Actions up/right/down/left sit at the compass points, so turning ' +
    'costs 2 and reversing 4 under the squared transport cost.',
  category: 'classic',
  params: gridParams,
  build(given): MdpDocument {
    const { size: n, slip } = resolvePresetParams('gridworld', gridParams, given);
    const idx = (r: number, c: number) => r * n + c;
    const goal = idx(n - 1, n - 1);
    const pits = new Set([idx(1, n - 2), idx(n - 2, 1)]);
    const delta: Record<number, [number, number]> = { 0: [-1, 0], 1: [0, 1], 2: [1, 0], 3: [0, -1] };
    const entries: TransitionEntry[] = [];
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const s = idx(r, c);
        if (s === goal || pits.has(s)) continue;
        for (let a = 0; a < 4; a++) {
          const moves: [number, number][] = [
            [a, 1 - slip],
            [(a + 1) % 4, slip / 2],
            [(a + 3) % 4, slip / 2],
          ];
          for (const [b, p] of moves) {
            if (p === 0) continue;
            const nr = Math.min(Math.max(r + delta[b][0], 0), n - 1);
            const nc = Math.min(Math.max(c + delta[b][1], 0), n - 1);
            const next = idx(nr, nc);
            const e: TransitionEntry = { s, a, next, p };
            if (next === goal) {
              e.terminated = true;
              e.reward = 1;
            } else if (pits.has(next)) {
              e.terminated = true;
              e.reward = -1;
            }
            entries.push(e);
          }
        }
      }
    }
    const values = Array.from({ length: n * n }, (_, s) =>
      s === goal || pits.has(s) ? [0, 0, 0, 0] : [-0.01, -0.01, -0.01, -0.01],
    );
    return {
      format: MDP_FORMAT,
      version: MDP_FORMAT_VERSION,
      name: `Grid world ${n}x${n}`,
      description: gridworld.description,
      states: gridStates(n, n, (r, c) => {
        const s = idx(r, c);
        return s === 0 ? 'S' : s === goal ? 'G' : pits.has(s) ? `pit (${r},${c})` : `(${r},${c})`;
      }),
      actions: {
        kind: 'discrete',
        labels: [...GRIDWORLD_ACTIONS],
        positions: GRIDWORLD_ACTIONS.map((a) => [...COMPASS[a]]),
      },
      gamma: 0.95,
      initial: pointMass(n * n, 0),
      rewards: { kind: 'table', values },
      transitions: { kind: 'table', entries },
      terminalStates: [...pits, goal].sort((x, y) => x - y),
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// continuous-action navigation

const navParams: readonly PresetParam[] = [
  { key: 'states', label: 'states', help: 'Positions 0..S-1 on a line.', default: 9, min: 3, max: 200, integer: true },
  { key: 'target', label: 'target state', help: 'The state that pays reward 1 per step.', default: 6, min: 0, max: 199, integer: true },
  { key: 'n', label: 'cells n', help: 'Cells of the action box [-2, 2].', default: 32, min: 2, max: 1024, integer: true },
  { key: 'sigma', label: 'noise sigma', help: 'Standard deviation of the landing position.', default: 0.5, min: 0.05, max: 10 },
  { key: 'actionCost', label: 'action cost', help: 'Reward penalty per unit a^2.', default: 0.1, min: 0, max: 10 },
];

/**
 * Navigation on a line with a continuous action. States 0..S-1; the action a in [-2, 2] is the intended
 * displacement. The next state is drawn with weight exp(-(sn - s - a)^2 / (2 sigma^2)) over all states,
 * normalised (the Gaussian around the intended landing point s + a, cut to the line). Reward
 * [s == target] - actionCost * a^2: being at the target pays 1 per step, moving costs. Start at state 0.
 * The optimal policy drives towards the target with a displacement that shrinks to 0 on arrival.
 */
export const nav1d: Preset = {
  id: 'nav-1d',
  title: 'Navigation on a line (continuous action)',
  description:
    'States on a line, a continuous action a in [-2, 2] = intended displacement, Gaussian landing noise ' +
    '(transition weights by formula, normalised), reward 1 per step at the target minus actionCost * a^2.',
  category: 'continuous',
  params: navParams,
  build(given): MdpDocument {
    const { states: S, target, n, sigma, actionCost } = resolvePresetParams('nav-1d', navParams, given);
    if (target >= S) throw new PresetParamError(`preset 'nav-1d': target ${target} must be a state index below ${S}`, 'nav-1d', 'target');
    return {
      format: MDP_FORMAT,
      version: MDP_FORMAT_VERSION,
      name: `Navigation on a line (${S} states)`,
      description: nav1d.description,
      states: lineStates(S, (s) => (s === target ? `target ${s}` : `x=${s}`)),
      actions: { kind: 'box', dim: 1, lo: [-2], hi: [2], n },
      gamma: 0.9,
      initial: pointMass(S, 0),
      rewards: { kind: 'formula', expr: `(s == ${target} ? 1 : 0) - ${lit(actionCost)} * a^2` },
      transitions: {
        kind: 'formula',
        weight: `exp(-(sn - s - a)^2 / (2 * ${lit(sigma)}^2))`,
        normalize: true,
      },
    };
  },
};
