/**
 * Gymnasium's toy-text environments as native documents, transition for transition:
 * FrozenLake-v1 (4x4 and 8x8, is_slippery = True by default), CliffWalking-v0 and Taxi-v3. Each follows
 * the environment's own construction of `P` and `initial_state_distrib`; gamma is ours (Gymnasium has
 * none). Exporting one of these with `exportGymnasium` gives Gymnasium's P up to the merging of repeated
 * outcomes.
 */
import { MDP_FORMAT, MDP_FORMAT_VERSION, type MdpDocument, type StateSpec, type TransitionEntry } from '../../shared/mdp/types';
import { COMPASS, MARGIN, gridStates, pointMass, resolvePresetParams, type Preset, type PresetParam } from './preset';

// ---------------------------------------------------------------------------------------------------
// FrozenLake

export const FROZEN_LAKE_MAPS = {
  '4x4': ['SFFF', 'FHFH', 'FFFH', 'HFFG'],
  '8x8': ['SFFFFFFF', 'FFFFFFFF', 'FFFHFFFF', 'FFFFFHFF', 'FFFHFFFF', 'FHHFFFHF', 'FHFFHFHF', 'FFFHFFFG'],
} as const;

/** FrozenLake action order: 0 = left, 1 = down, 2 = right, 3 = up. */
export const FROZEN_LAKE_ACTIONS = ['left', 'down', 'right', 'up'] as const;

const frozenParams: readonly PresetParam[] = [
  {
    key: 'slippery',
    label: 'slippery (1 = yes)',
    help: "Gymnasium's is_slippery: 1 = the intended direction and the two perpendicular ones with 1/3 each; 0 = deterministic.",
    default: 1,
    min: 0,
    max: 1,
    integer: true,
  },
  { key: 'gamma', label: 'gamma', help: 'Discount (Gymnasium has none).', default: 0.99, min: 0, max: 0.999999 },
];

/**
 * Gymnasium's construction: for a cell of kind S or F and action a, the outcomes are the moves in
 * directions (a - 1) mod 4, a, (a + 1) mod 4 with probability 1/3 each (slippery) or a alone; a move off
 * the map stays put; entering H or G terminates, entering G pays 1. H and G themselves are terminal
 * (Gymnasium writes them as [(1.0, s, 0, True)]). Initial distribution: uniform over S cells.
 */
export function frozenLakeDocument(map: readonly string[], slippery: boolean, gamma: number, name: string): MdpDocument {
  const nrow = map.length;
  const ncol = map[0].length;
  const idx = (r: number, c: number) => r * ncol + c;
  const move = (r: number, c: number, a: number): [number, number] => {
    if (a === 0) return [r, Math.max(c - 1, 0)];
    if (a === 1) return [Math.min(r + 1, nrow - 1), c];
    if (a === 2) return [r, Math.min(c + 1, ncol - 1)];
    return [Math.max(r - 1, 0), c];
  };
  const entries: TransitionEntry[] = [];
  const terminalStates: number[] = [];
  const starts: number[] = [];
  for (let r = 0; r < nrow; r++) {
    for (let c = 0; c < ncol; c++) {
      const s = idx(r, c);
      const letter = map[r][c];
      if (letter === 'S') starts.push(s);
      if (letter === 'G' || letter === 'H') {
        terminalStates.push(s);
        continue;
      }
      for (let a = 0; a < 4; a++) {
        const dirs = slippery ? [(a + 3) % 4, a, (a + 1) % 4] : [a];
        for (const b of dirs) {
          const [nr, nc] = move(r, c, b);
          const next = idx(nr, nc);
          const nl = map[nr][nc];
          const e: TransitionEntry = { s, a, next, p: slippery ? 1 / 3 : 1 };
          if (nl === 'G' || nl === 'H') e.terminated = true;
          if (nl === 'G') e.reward = 1;
          entries.push(e);
        }
      }
    }
  }
  const initial = new Array<number>(nrow * ncol).fill(0);
  for (const s of starts) initial[s] = 1 / starts.length;
  return {
    format: MDP_FORMAT,
    version: MDP_FORMAT_VERSION,
    name,
    description:
      `Gymnasium FrozenLake-v1 (${nrow}x${ncol}, is_slippery=${slippery ? 'True' : 'False'}): reach G without falling ` +
      'into a hole H; reward 1 on reaching G; actions 0=left 1=down 2=right 3=up at the compass points.',
    states: gridStates(nrow, ncol, (r, c) => `${map[r][c]} (${r},${c})`),
    actions: {
      kind: 'discrete',
      labels: [...FROZEN_LAKE_ACTIONS],
      positions: FROZEN_LAKE_ACTIONS.map((a) => [...COMPASS[a]]),
    },
    gamma,
    initial,
    rewards: { kind: 'table', values: Array.from({ length: nrow * ncol }, () => [0, 0, 0, 0]) },
    transitions: { kind: 'table', entries },
    terminalStates,
  };
}

function frozenLakePreset(size: '4x4' | '8x8'): Preset {
  const id = `frozenlake-${size}`;
  return {
    id,
    title: `FrozenLake ${size}`,
    description:
      `Gymnasium FrozenLake-v1, map ${size}, slippery: the intended direction and the two perpendicular ones ` +
      'with probability 1/3 each; reward 1 on reaching the goal; holes and goal terminate.',
    category: 'gymnasium',
    params: frozenParams,
    build(given) {
      const { slippery, gamma } = resolvePresetParams(id, frozenParams, given);
      return frozenLakeDocument(FROZEN_LAKE_MAPS[size], slippery === 1, gamma, `FrozenLake ${size}`);
    },
  };
}

export const frozenLake4x4 = frozenLakePreset('4x4');
export const frozenLake8x8 = frozenLakePreset('8x8');

// ---------------------------------------------------------------------------------------------------
// CliffWalking

/** CliffWalking action order: 0 = up, 1 = right, 2 = down, 3 = left. */
export const CLIFF_WALKING_ACTIONS = ['up', 'right', 'down', 'left'] as const;

const gammaOnly: readonly PresetParam[] = [
  { key: 'gamma', label: 'gamma', help: 'Discount (Gymnasium has none).', default: 0.99, min: 0, max: 0.999999 },
];

/**
 * Gymnasium CliffWalking-v0: a 4 x 12 grid, s = row * 12 + col, start 36 = (3, 0), goal 47 = (3, 11),
 * cliff (3, 1..10). Every state (cliff and goal included, as in Gymnasium's P) and action gives one
 * outcome: the clamped move; into the cliff: back to the start with reward -100 (not terminated);
 * otherwise reward -1, terminated when the move enters the goal. Actions 0=up 1=right 2=down 3=left sit
 * at the compass points (0,1), (1,0), (0,-1), (-1,0): a 90-degree turn costs 2, a reversal 4 (squared
 * distance), which is what lets an OT trust region move mass from "right" to "up" more cheaply than to
 * "left" (paper 004's CliffWalking example).
 */
export const cliffWalking: Preset = {
  id: 'cliffwalking',
  title: 'CliffWalking',
  description:
    'Gymnasium CliffWalking-v0: 4x12 grid, -1 per step, stepping into the cliff costs -100 and returns to the ' +
    'start, the episode ends at the goal. Actions up/right/down/left at the compass points.',
  category: 'gymnasium',
  params: gammaOnly,
  build(given) {
    const { gamma } = resolvePresetParams('cliffwalking', gammaOnly, given);
    const nrow = 4;
    const ncol = 12;
    const start = 36;
    const goal = 47;
    const isCliff = (r: number, c: number) => r === 3 && c >= 1 && c <= 10;
    const deltas: [number, number][] = [
      [-1, 0],
      [0, 1],
      [1, 0],
      [0, -1],
    ];
    const entries: TransitionEntry[] = [];
    for (let r = 0; r < nrow; r++) {
      for (let c = 0; c < ncol; c++) {
        const s = r * ncol + c;
        deltas.forEach(([dr, dc], a) => {
          const nr = Math.min(Math.max(r + dr, 0), nrow - 1);
          const nc = Math.min(Math.max(c + dc, 0), ncol - 1);
          if (isCliff(nr, nc)) {
            entries.push({ s, a, next: start, p: 1, reward: -100 });
            return;
          }
          const next = nr * ncol + nc;
          const e: TransitionEntry = { s, a, next, p: 1, reward: -1 };
          if (next === goal) e.terminated = true;
          entries.push(e);
        });
      }
    }
    return {
      format: MDP_FORMAT,
      version: MDP_FORMAT_VERSION,
      name: 'CliffWalking',
      description: cliffWalking.description,
      states: gridStates(nrow, ncol, (r, c) => {
        const s = r * ncol + c;
        return s === start ? 'start' : s === goal ? 'goal' : isCliff(r, c) ? `cliff (${r},${c})` : `(${r},${c})`;
      }),
      actions: {
        kind: 'discrete',
        labels: [...CLIFF_WALKING_ACTIONS],
        positions: CLIFF_WALKING_ACTIONS.map((a) => [...COMPASS[a]]),
      },
      gamma,
      initial: pointMass(nrow * ncol, start),
      rewards: { kind: 'table', values: Array.from({ length: nrow * ncol }, () => [0, 0, 0, 0]) },
      transitions: { kind: 'table', entries },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// Taxi

/** Gymnasium's Taxi map; walls are '|' between cells, ':' is passable. */
export const TAXI_MAP = [
  '+---------+',
  '|R: | : :G|',
  '| : | : : |',
  '| : : : : |',
  '| | : | : |',
  '|Y| : |B: |',
  '+---------+',
] as const;

/** R, G, Y, B as (row, col). */
export const TAXI_LOCATIONS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0, 4],
  [4, 0],
  [4, 3],
];

export const TAXI_ACTIONS = ['south', 'north', 'east', 'west', 'pickup', 'dropoff'] as const;

/** Gymnasium's encoding ((taxi_row * 5 + taxi_col) * 5 + pass_loc) * 4 + dest. */
export function taxiEncode(row: number, col: number, pass: number, dest: number): number {
  return ((row * 5 + col) * 5 + pass) * 4 + dest;
}

export function taxiDecode(s: number): { row: number; col: number; pass: number; dest: number } {
  const dest = s % 4;
  const pass = Math.floor(s / 4) % 5;
  const col = Math.floor(s / 20) % 5;
  const row = Math.floor(s / 100);
  return { row, col, pass, dest };
}

/**
 * Gymnasium Taxi-v3, deterministic: 500 states, 6 actions (0 south, 1 north, 2 east, 3 west, 4 pickup,
 * 5 dropoff). Reward -1 per step; pickup where the passenger is not: -10; dropoff with the passenger at
 * the destination: +20 and terminated; dropoff with the passenger at another of R/G/Y/B: the passenger
 * gets out there (-1); any other dropoff: -10. Moving east/west through a wall, or off the map, stays.
 * Initial distribution: uniform over the 300 states with the passenger waiting (pass < 4) somewhere
 * other than the destination. No action positions: the transport cost is the 0/1 cost (moving mass to
 * any other action costs 1), as the six actions have no natural geometry.
 */
export const taxi: Preset = {
  id: 'taxi',
  title: 'Taxi',
  description:
    'Gymnasium Taxi-v3: 500 states, 6 actions; pick the passenger up and drop them at the destination (+20), ' +
    '-1 per step, -10 for an illegal pickup/dropoff. 0/1 transport cost between actions.',
  category: 'gymnasium',
  params: gammaOnly,
  build(given) {
    const { gamma } = resolvePresetParams('taxi', gammaOnly, given);
    const entries: TransitionEntry[] = [];
    const initial = new Array<number>(500).fill(0);
    const states: StateSpec[] = new Array(500);
    const letters = ['R', 'G', 'Y', 'B'];
    const block = 110;
    for (let row = 0; row < 5; row++) {
      for (let col = 0; col < 5; col++) {
        for (let pass = 0; pass < 5; pass++) {
          for (let dest = 0; dest < 4; dest++) {
            const s = taxiEncode(row, col, pass, dest);
            states[s] = {
              label: `taxi (${row},${col}) passenger ${pass < 4 ? letters[pass] : 'in taxi'} to ${letters[dest]}`,
              x: MARGIN + col * block + dest * 20,
              y: MARGIN + row * block + pass * 20,
            };
            if (pass < 4 && pass !== dest) initial[s] = 1;
            for (let a = 0; a < 6; a++) {
              let nr = row;
              let nc = col;
              let np = pass;
              let reward = -1;
              let terminated = false;
              const atLoc = TAXI_LOCATIONS.findIndex(([lr, lc]) => lr === row && lc === col);
              if (a === 0) nr = Math.min(row + 1, 4);
              else if (a === 1) nr = Math.max(row - 1, 0);
              else if (a === 2) {
                if (TAXI_MAP[1 + row][2 * col + 2] === ':') nc = Math.min(col + 1, 4);
              } else if (a === 3) {
                if (TAXI_MAP[1 + row][2 * col] === ':') nc = Math.max(col - 1, 0);
              } else if (a === 4) {
                if (pass < 4 && atLoc === pass) np = 4;
                else reward = -10;
              } else {
                if (pass === 4 && atLoc === dest) {
                  np = dest;
                  terminated = true;
                  reward = 20;
                } else if (pass === 4 && atLoc >= 0) np = atLoc;
                else reward = -10;
              }
              const e: TransitionEntry = { s, a, next: taxiEncode(nr, nc, np, dest), p: 1, reward };
              if (terminated) e.terminated = true;
              entries.push(e);
            }
          }
        }
      }
    }
    const count = initial.reduce((x, y) => x + y, 0);
    return {
      format: MDP_FORMAT,
      version: MDP_FORMAT_VERSION,
      name: 'Taxi',
      description: taxi.description,
      states,
      actions: { kind: 'discrete', labels: [...TAXI_ACTIONS] },
      gamma,
      initial: initial.map((v) => v / count),
      rewards: { kind: 'table', values: Array.from({ length: 500 }, () => [0, 0, 0, 0, 0, 0]) },
      transitions: { kind: 'table', entries },
    };
  },
};
