/**
 * Random families of problems, each instance fixed by its parameters and a seed, so that a sweep can
 * vary the problem and not only the run's seed:
 *  - Garnet(S, N, b): every (s, j) reaches b distinct next states drawn uniformly, with Dirichlet(1, ..., 1)
 *    probabilities; rewards r(s, j) drawn from a law (uniform, Gaussian, Bernoulli);
 *  - random bandits: one state, K arms on a line with means from a law, times a scale (an inverse
 *    temperature: under an entropy weight tau the regularised optimum is mu exp(scale * r / tau) / Z);
 *  - FrozenLake on a random map (Gymnasium's generate_random_map recipe with our own generator);
 *  - a grid world generator: size, walls, holes, slip, rewards, start and goal.
 */
import { MDP_FORMAT, MDP_FORMAT_VERSION, type MdpDocument, type StateSpec, type TransitionEntry } from '../../shared/mdp/types';
import { frozenLakeDocument } from './gymnasiumToyText';
import { CELL, COMPASS, MARGIN, PresetParamError, pointMass, resolvePresetParams, type Preset, type PresetParam } from './preset';
import { normalFrom, sampleDistinct, seededUniform } from './random';

const seedParam: PresetParam = { key: 'seed', label: 'seed', help: 'Instance seed: the same seed gives the same instance.', default: 1, min: 0, max: 2 ** 31 - 1, integer: true };
const gammaParam = (def: number): PresetParam => ({ key: 'gamma', label: 'gamma', help: 'Discount factor.', default: def, min: 0, max: 0.999999 });

/** Reward laws of the random families, by their numeric code. */
export const REWARD_LAWS = ['uniform [0, 1)', 'standard normal', 'Bernoulli(1/2)'] as const;
const lawParam: PresetParam = {
  key: 'law',
  label: 'reward law',
  help: 'Law of each reward: 0 = uniform on [0, 1), 1 = standard normal, 2 = Bernoulli(1/2) in {0, 1}.',
  default: 0,
  min: 0,
  max: REWARD_LAWS.length - 1,
  integer: true,
};

function rewardDraw(law: number, u: () => number): () => number {
  if (law === 1) return normalFrom(u);
  if (law === 2) return () => (u() < 0.5 ? 0 : 1);
  return u;
}

/** Unstructured states: on a circle up to 60, on a square grid beyond (the designer can re-lay them out). */
function circleOrGrid(S: number): StateSpec[] {
  if (S <= 60) {
    const R = Math.max(CELL, (S * CELL) / (2 * Math.PI));
    return Array.from({ length: S }, (_, s) => ({
      label: `s${s}`,
      x: Math.round(MARGIN + R + R * Math.cos((2 * Math.PI * s) / S - Math.PI / 2)),
      y: Math.round(MARGIN + R + R * Math.sin((2 * Math.PI * s) / S - Math.PI / 2)),
    }));
  }
  const cols = Math.ceil(Math.sqrt(S));
  return Array.from({ length: S }, (_, s) => ({ label: `s${s}`, x: MARGIN + (s % cols) * CELL, y: MARGIN + Math.floor(s / cols) * CELL }));
}

// ---------------------------------------------------------------------------------------------------
// Garnet

const garnetParams: readonly PresetParam[] = [
  { key: 'S', label: 'states S', help: 'Number of states.', default: 20, min: 1, max: 10_000, integer: true },
  { key: 'N', label: 'actions N', help: 'Number of actions per state.', default: 4, min: 1, max: 64, integer: true },
  { key: 'branching', label: 'branching b', help: 'Distinct next states of every (s, a); at most S.', default: 3, min: 1, max: 10_000, integer: true },
  lawParam,
  seedParam,
  gammaParam(0.9),
];

/**
 * Garnet (Archibald et al.): for every (s, j), b distinct next states uniformly at random, with
 * probabilities e_i / sum e for e_i ~ Exp(1) (a uniform draw from the simplex, all strictly positive);
 * r(s, j) i.i.d. from the chosen law; rho0 uniform. Draw order: for s, for j: the b states, their
 * weights, then the reward, so an instance depends only on (S, N, b, law, seed).
 */
export const garnet: Preset = {
  id: 'garnet',
  title: 'Garnet (random MDP)',
  description:
    'Random MDP family Garnet(S, N, b): every state-action pair reaches b distinct random states with random ' +
    'probabilities; rewards i.i.d. from a law; seeded, so an instance is reproducible.',
  category: 'family',
  params: garnetParams,
  build(given) {
    const { S, N, branching: b, law, seed, gamma } = resolvePresetParams('garnet', garnetParams, given);
    if (b > S) throw new PresetParamError(`preset 'garnet': branching b = ${b} exceeds the number of states S = ${S}`, 'garnet', 'branching');
    const u = seededUniform(seed);
    const reward = rewardDraw(law, u);
    const entries: TransitionEntry[] = [];
    const values: number[][] = [];
    for (let s = 0; s < S; s++) {
      const row: number[] = [];
      for (let j = 0; j < N; j++) {
        const nexts = sampleDistinct(u, S, b).sort((x, y) => x - y);
        const w = nexts.map(() => -Math.log(1 - u()) + 1e-12);
        const total = w.reduce((x, y) => x + y, 0);
        nexts.forEach((next, i) => entries.push({ s, a: j, next, p: w[i] / total }));
        row.push(reward());
      }
      values.push(row);
    }
    const name = `Garnet S=${S} N=${N} b=${b} seed=${seed}`;
    return {
      format: MDP_FORMAT,
      version: MDP_FORMAT_VERSION,
      name,
      description: `${garnet.description} Reward law: ${REWARD_LAWS[law]}.`,
      states: circleOrGrid(S),
      actions: { kind: 'discrete', labels: Array.from({ length: N }, (_, j) => `a${j}`) },
      gamma,
      initial: new Array<number>(S).fill(1 / S),
      rewards: { kind: 'table', values },
      transitions: { kind: 'table', entries },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// random bandits

const banditParams: readonly PresetParam[] = [
  { key: 'arms', label: 'arms K', help: 'Number of arms (discrete actions on a line, x_j = j).', default: 10, min: 2, max: 4096, integer: true },
  lawParam,
  {
    key: 'scale',
    label: 'scale (inverse temperature)',
    help: 'Every mean is multiplied by this; with entropy weight tau the optimum is softmax(scale * r / tau), so it acts as 1 / temperature.',
    default: 1,
    min: 1e-6,
    max: 1e6,
  },
  seedParam,
];

/** One state, gamma 0, K arms at positions 0..K-1 (transport cost |j - k|^p), means scale * law draws. */
export const randomBandit: Preset = {
  id: 'random-bandit',
  title: 'Random bandit',
  description:
    'One state, K arms on a line with random means (uniform, normal or Bernoulli) times a scale that acts as an ' +
    'inverse temperature for the entropy-regularised optimum; seeded.',
  category: 'bandit',
  params: banditParams,
  build(given) {
    const { arms: K, law, scale, seed } = resolvePresetParams('random-bandit', banditParams, given);
    const u = seededUniform(seed);
    const draw = rewardDraw(law, u);
    const means = Array.from({ length: K }, () => scale * draw());
    return {
      format: MDP_FORMAT,
      version: MDP_FORMAT_VERSION,
      name: `Random bandit K=${K} seed=${seed}`,
      description: `${randomBandit.description} Law: ${REWARD_LAWS[law]}, scale ${scale}.`,
      states: [{ label: 'bandit', x: MARGIN, y: MARGIN }],
      actions: { kind: 'discrete', labels: Array.from({ length: K }, (_, j) => `arm ${j}`), positions: Array.from({ length: K }, (_, j) => [j]) },
      gamma: 0,
      initial: [1],
      rewards: { kind: 'table', values: [means] },
      transitions: { kind: 'table', entries: Array.from({ length: K }, (_, j) => ({ s: 0, a: j, next: 0, p: 1 })) },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// maps with a path

/** Is there a 4-neighbour path from `from` to `to` through cells where `open(r, c)`? */
function connected(rows: number, cols: number, open: (r: number, c: number) => boolean, from: [number, number], to: [number, number]): boolean {
  const seen = new Uint8Array(rows * cols);
  const queue: number[] = [from[0] * cols + from[1]];
  seen[queue[0]] = 1;
  while (queue.length) {
    const k = queue.pop()!;
    const r = Math.floor(k / cols), c = k % cols;
    if (r === to[0] && c === to[1]) return true;
    for (const [dr, dc] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
      const nr = r + dr, nc = c + dc;
      if (nr < 0 || nc < 0 || nr >= rows || nc >= cols) continue;
      const nk = nr * cols + nc;
      if (seen[nk] || !open(nr, nc)) continue;
      seen[nk] = 1;
      queue.push(nk);
    }
  }
  return false;
}

const MAP_ATTEMPTS = 200;

const frozenRandomParams: readonly PresetParam[] = [
  { key: 'size', label: 'size', help: 'The map is size x size.', default: 8, min: 3, max: 64, integer: true },
  { key: 'p', label: 'frozen probability', help: 'Probability that a cell is frozen (F) rather than a hole (H).', default: 0.8, min: 0.05, max: 1 },
  { key: 'slippery', label: 'slippery (1 = yes)', help: "Gymnasium's is_slippery.", default: 1, min: 0, max: 1, integer: true },
  seedParam,
  gammaParam(0.99),
];

/**
 * A random FrozenLake map as Gymnasium's generate_random_map builds it: S top-left, G bottom-right,
 * every other cell F with probability p and H otherwise, redrawn until G is reachable from S. The draws
 * come from our seeded generator, so a seed gives a different map than numpy's.
 */
export function randomFrozenLakeMap(size: number, p: number, seed: number): string[] {
  const u = seededUniform(seed);
  for (let attempt = 0; attempt < MAP_ATTEMPTS; attempt++) {
    const map = Array.from({ length: size }, (_, r) =>
      Array.from({ length: size }, (_, c) => (r === 0 && c === 0 ? 'S' : r === size - 1 && c === size - 1 ? 'G' : u() < p ? 'F' : 'H')).join(''),
    );
    if (connected(size, size, (r, c) => map[r][c] !== 'H', [0, 0], [size - 1, size - 1])) return map;
  }
  throw new PresetParamError(
    `preset 'frozenlake-random': no map with a path from S to G in ${MAP_ATTEMPTS} draws at p = ${p}; raise the frozen probability p`,
    'frozenlake-random',
    'p',
  );
}

export const frozenLakeRandom: Preset = {
  id: 'frozenlake-random',
  title: 'FrozenLake (random map)',
  description: 'FrozenLake on a random size x size map with a path from S to G (frozen cells with probability p); seeded.',
  category: 'gymnasium',
  params: frozenRandomParams,
  build(given) {
    const { size, p, slippery, seed, gamma } = resolvePresetParams('frozenlake-random', frozenRandomParams, given);
    return frozenLakeDocument(randomFrozenLakeMap(size, p, seed), slippery === 1, gamma, `FrozenLake random ${size}x${size} seed=${seed}`);
  },
};

// ---------------------------------------------------------------------------------------------------
// grid world generator

const genParams: readonly PresetParam[] = [
  { key: 'rows', label: 'rows', help: 'Rows of the grid.', default: 6, min: 2, max: 100, integer: true },
  { key: 'cols', label: 'columns', help: 'Columns of the grid.', default: 8, min: 2, max: 100, integer: true },
  { key: 'walls', label: 'wall fraction', help: 'Fraction of cells that are walls (not states; moving into one stays put).', default: 0.1, min: 0, max: 0.6 },
  { key: 'holes', label: 'hole fraction', help: 'Fraction of cells that are holes (terminal, hole reward on entering).', default: 0.05, min: 0, max: 0.5 },
  { key: 'slip', label: 'slip probability', help: 'Probability of moving to one of the two perpendicular sides instead.', default: 0.1, min: 0, max: 0.9 },
  { key: 'stepReward', label: 'step reward', help: 'Reward of every move that does not end in the goal or a hole.', default: -0.01, min: -1000, max: 1000 },
  { key: 'goalReward', label: 'goal reward', help: 'Reward on entering the goal (terminal).', default: 1, min: -1000, max: 1000 },
  { key: 'holeReward', label: 'hole reward', help: 'Reward on entering a hole (terminal).', default: -1, min: -1000, max: 1000 },
  { key: 'startRow', label: 'start row', help: 'Row of the start cell (0 = top).', default: 0, min: 0, max: 99, integer: true },
  { key: 'startCol', label: 'start column', help: 'Column of the start cell (0 = left).', default: 0, min: 0, max: 99, integer: true },
  { key: 'goalRow', label: 'goal row', help: 'Row of the goal cell; -1 = the last row.', default: -1, min: -1, max: 99, integer: true },
  { key: 'goalCol', label: 'goal column', help: 'Column of the goal cell; -1 = the last column.', default: -1, min: -1, max: 99, integer: true },
  seedParam,
  gammaParam(0.95),
];

/**
 * A rows x cols grid with random walls and holes (never on start or goal), redrawn until the goal is
 * reachable from the start around walls and holes. States are the non-wall cells in row-major order;
 * actions up/right/down/left at the compass points; a move goes the intended way with 1 - slip and to
 * each perpendicular side with slip / 2; a move off the grid or into a wall stays put. Entering the goal
 * pays goalReward and terminates, entering a hole pays holeReward and terminates, any other move pays
 * stepReward. Goal and holes are terminal states. Start: the start cell with probability 1.
 */
export const gridworldGenerator: Preset = {
  id: 'gridworld-gen',
  title: 'Grid world generator',
  description:
    'A generated grid: size, random walls and holes, slip, step/goal/hole rewards, start and goal cells; redrawn ' +
    'until the goal is reachable. Up to 100 x 100 (10^4 states).',
  category: 'family',
  params: genParams,
  build(given) {
    const q = resolvePresetParams('gridworld-gen', genParams, given);
    const { rows, cols, slip, seed } = q;
    const goal: [number, number] = [q.goalRow < 0 ? rows - 1 : q.goalRow, q.goalCol < 0 ? cols - 1 : q.goalCol];
    const start: [number, number] = [q.startRow, q.startCol];
    for (const [key, v, lim] of [['startRow', start[0], rows], ['startCol', start[1], cols], ['goalRow', goal[0], rows], ['goalCol', goal[1], cols]] as const) {
      if (v >= lim) throw new PresetParamError(`preset 'gridworld-gen': ${key} = ${v} is outside the grid (0..${lim - 1})`, 'gridworld-gen', key);
    }
    if (start[0] === goal[0] && start[1] === goal[1]) throw new PresetParamError(`preset 'gridworld-gen': the start and the goal are the same cell (${start[0]},${start[1]})`, 'gridworld-gen', 'goalRow');
    if (q.walls + q.holes > 0.8) throw new PresetParamError(`preset 'gridworld-gen': walls + holes = ${q.walls + q.holes} leaves too few open cells (at most 0.8)`, 'gridworld-gen', 'walls');
    const u = seededUniform(seed);
    const kind = new Uint8Array(rows * cols); // 0 open, 1 wall, 2 hole
    let found = false;
    for (let attempt = 0; attempt < MAP_ATTEMPTS && !found; attempt++) {
      for (let k = 0; k < rows * cols; k++) {
        const x = u();
        kind[k] = x < q.walls ? 1 : x < q.walls + q.holes ? 2 : 0;
      }
      kind[start[0] * cols + start[1]] = 0;
      kind[goal[0] * cols + goal[1]] = 0;
      found = connected(rows, cols, (r, c) => kind[r * cols + c] === 0, start, goal);
    }
    if (!found) {
      throw new PresetParamError(`preset 'gridworld-gen': no layout with a path from start to goal in ${MAP_ATTEMPTS} draws; lower walls or holes`, 'gridworld-gen', 'walls');
    }
    const stateOf = new Int32Array(rows * cols).fill(-1);
    const states: StateSpec[] = [];
    const goalK = goal[0] * cols + goal[1];
    const startK = start[0] * cols + start[1];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const k = r * cols + c;
        if (kind[k] === 1) continue;
        stateOf[k] = states.length;
        const label = k === startK ? 'start' : k === goalK ? 'goal' : kind[k] === 2 ? `hole (${r},${c})` : `(${r},${c})`;
        states.push({ label, x: CELL * c + MARGIN, y: CELL * r + MARGIN });
      }
    }
    const delta: [number, number][] = [[-1, 0], [0, 1], [1, 0], [0, -1]];
    const entries: TransitionEntry[] = [];
    const terminalStates: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const k = r * cols + c;
        const s = stateOf[k];
        if (s < 0) continue;
        if (k === goalK || kind[k] === 2) {
          terminalStates.push(s);
          continue;
        }
        for (let a = 0; a < 4; a++) {
          const outcomes = new Map<number, number>();
          for (const [b, p] of [[a, 1 - slip], [(a + 1) % 4, slip / 2], [(a + 3) % 4, slip / 2]] as const) {
            if (p === 0) continue;
            const nr = r + delta[b][0], nc = c + delta[b][1];
            const blocked = nr < 0 || nc < 0 || nr >= rows || nc >= cols || kind[nr * cols + nc] === 1;
            const next = blocked ? s : stateOf[nr * cols + nc];
            outcomes.set(next, (outcomes.get(next) ?? 0) + p);
          }
          for (const [next, p] of outcomes) {
            const e: TransitionEntry = { s, a, next, p };
            const isGoal = next === stateOf[goalK];
            const isHole = states[next].label.startsWith('hole');
            if (isGoal) {
              e.terminated = true;
              e.reward = q.goalReward;
            } else if (isHole) {
              e.terminated = true;
              e.reward = q.holeReward;
            } else if (q.stepReward !== 0) e.reward = q.stepReward;
            entries.push(e);
          }
        }
      }
    }
    const S = states.length;
    return {
      format: MDP_FORMAT,
      version: MDP_FORMAT_VERSION,
      name: `Generated grid ${rows}x${cols} seed=${seed}`,
      description: gridworldGenerator.description,
      states,
      actions: { kind: 'discrete', labels: ['up', 'right', 'down', 'left'], positions: [[...COMPASS.up], [...COMPASS.right], [...COMPASS.down], [...COMPASS.left]] },
      gamma: q.gamma,
      initial: pointMass(S, stateOf[startK]),
      rewards: { kind: 'table', values: Array.from({ length: S }, () => [0, 0, 0, 0]) },
      transitions: { kind: 'table', entries },
      terminalStates,
    };
  },
};
