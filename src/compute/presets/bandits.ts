/**
 * Continuous-action bandits: one state, gamma = 0, a box of actions discretised into n cells per axis,
 * rewards given by formula of the cell centre. With tau > 0 the optimum is the Gibbs measure
 * mu exp(r / tau) / Z on the grid (ALGORITHMS.md §1), which the flows and particle methods must reach.
 */
import { MDP_FORMAT, MDP_FORMAT_VERSION, type MdpDocument } from '../../shared/mdp/types';
import { MARGIN, resolvePresetParams, type Preset, type PresetParam } from './preset';

const nParam = (def: number, max: number): PresetParam => ({
  key: 'n',
  label: 'cells per axis n',
  help: 'The action box is discretised into n equal cells per axis (N = n^d actions).',
  default: def,
  min: 2,
  max,
  integer: true,
});

function bandit1d(title: string, expr: string, n: number, description: string): MdpDocument {
  return {
    format: MDP_FORMAT,
    version: MDP_FORMAT_VERSION,
    name: title,
    description,
    states: [{ label: 'bandit', x: MARGIN, y: MARGIN }],
    actions: { kind: 'box', dim: 1, lo: [-1], hi: [1], n },
    gamma: 0,
    initial: [1],
    rewards: { kind: 'formula', expr },
    transitions: { kind: 'formula', weight: '1' },
  };
}

function oneDimensional(id: string, title: string, expr: string, description: string): Preset {
  const params = [nParam(64, 1024)];
  return {
    id,
    title,
    description,
    category: 'bandit',
    params,
    build: (given) => bandit1d(title, expr, resolvePresetParams(id, params, given).n, description),
  };
}

export const banditQuadratic = oneDimensional(
  'bandit-quadratic',
  'Bandit: quadratic',
  '-(a - 0.3)^2',
  'One state, actions a in [-1, 1], reward r(a) = -(a - 0.3)^2: a single smooth peak at a = 0.3.',
);

export const banditBimodal = oneDimensional(
  'bandit-bimodal',
  'Bandit: two peaks',
  'exp(-(a + 0.5)^2 / 0.02) + 0.8 * exp(-(a - 0.5)^2 / 0.02)',
  'One state, actions a in [-1, 1], reward exp(-(a+0.5)^2/0.02) + 0.8 exp(-(a-0.5)^2/0.02): the global peak at ' +
    'a = -0.5 and a slightly lower one at a = 0.5, separated by a valley a local method must cross.',
);

export const banditCosine = oneDimensional(
  'bandit-cosine',
  'Bandit: cosine',
  'cos(6 * a)',
  'One state, actions a in [-1, 1], reward cos(6a): the maximum 1 at a = 0, minima -1 at a = +-pi/6 and local ' +
    'maxima cos(6) = 0.960 at the walls a = +-1, so mass started near a wall must cross a valley.',
);

const bandit2dParams = [nParam(32, 64)];

/**
 * A 2-D bandit on [-1, 1]^2 with the concave quadratic reward
 * r(a1, a2) = -((a1 - 0.3)^2 + (a1 - 0.3)(a2 + 0.2) + 2 (a2 + 0.2)^2):
 * its Hessian [[-2, -1], [-1, -4]] is negative definite, so the maximum at (0.3, -0.2) is unique, and the
 * cross term makes the level sets tilted ellipses (the axes are coupled).
 */
const BANDIT_2D_TITLE = 'Bandit: 2-D tilted quadratic';
const BANDIT_2D_DESCRIPTION =
  'One state, actions (a1, a2) in [-1, 1]^2, reward -((a1-0.3)^2 + (a1-0.3)(a2+0.2) + 2(a2+0.2)^2): a unique ' +
  'maximum at (0.3, -0.2) with tilted elliptic level sets.';

export const bandit2d: Preset = {
  id: 'bandit-2d',
  title: BANDIT_2D_TITLE,
  description: BANDIT_2D_DESCRIPTION,
  category: 'bandit',
  params: bandit2dParams,
  build(given) {
    const { n } = resolvePresetParams('bandit-2d', bandit2dParams, given);
    return {
      format: MDP_FORMAT,
      version: MDP_FORMAT_VERSION,
      name: BANDIT_2D_TITLE,
      description: BANDIT_2D_DESCRIPTION,
      states: [{ label: 'bandit', x: MARGIN, y: MARGIN }],
      actions: { kind: 'box', dim: 2, lo: [-1, -1], hi: [1, 1], n },
      gamma: 0,
      initial: [1],
      rewards: { kind: 'formula', expr: '-((a1 - 0.3)^2 + (a1 - 0.3) * (a2 + 0.2) + 2 * (a2 + 0.2)^2)' },
      transitions: { kind: 'formula', weight: '1' },
    };
  },
};
