/**
 * The catalogue of methods (ALGORITHMS.md §§2–7) as data: stable ids, titles, typed options with
 * defaults and ranges. It crosses processes (the renderer builds forms from it, the database stores the
 * ids, the CLI parses `--set key=value` against it); the mathematics lives in `src/compute`.
 * Option keys are the symbols of ALGORITHMS.md.
 */

export const METHOD_IDS = [
  'wasserstein-flow',
  'langevin',
  'jko-sinkhorn',
  'ot-trpo',
  'wpo-song',
  'gaussian-w2',
  'gaussian-w2-newton',
  'wpo-actor',
  'npg',
  'kl-trpo',
  'softmax-pg',
  'soft-value-iteration',
  'value-iteration',
  'policy-iteration',
] as const;

export type MethodId = (typeof METHOD_IDS)[number];

export type MethodFamily = 'wasserstein' | 'kl' | 'exact';

/** What a method needs of the action space. */
export type ActionRequirement = 'any' | 'grid' | 'box';

export interface NumberOption {
  key: string;
  kind: 'number';
  label: string;
  help: string;
  default: number;
  min?: number;
  max?: number;
  /** min is exclusive */
  minExclusive?: boolean;
  integer?: boolean;
}

export interface ChoiceOption {
  key: string;
  kind: 'choice';
  label: string;
  help: string;
  default: string;
  choices: readonly string[];
}

export type MethodOption = NumberOption | ChoiceOption;

export interface MethodInfo {
  id: MethodId;
  title: string;
  family: MethodFamily;
  /** ALGORITHMS.md section */
  section: string;
  summary: string;
  actions: ActionRequirement;
  /** whether tau > 0 is required (true), allowed (false) */
  needsTau: boolean;
  options: MethodOption[];
  /** default number of iterations for a run */
  iterations: number;
}

export type MethodOptions = Record<string, number | string>;

const num = (
  key: string,
  label: string,
  def: number,
  help: string,
  extra: Partial<NumberOption> = {},
): NumberOption => ({ key, kind: 'number', label, help, default: def, ...extra });

const tauOpt = (def: number) =>
  num('tau', 'tau (entropy)', def, 'Entropy regularisation strength tau >= 0 (KL to the reference mu).', { min: 0 });

const gammaOverride = num('gamma', 'gamma', NaN, 'Discount; NaN keeps the MDP\'s own gamma.', {
  min: 0,
  max: 0.999999,
});

const weighting: ChoiceOption = {
  key: 'weighting',
  kind: 'choice',
  label: 'state weighting w(s)',
  help: "'uniform': w(s)=1 (paper 000); 'occupancy': w(s)=d^pi(s)/(1-gamma) (unweighted metric).",
  default: 'uniform',
  choices: ['uniform', 'occupancy'],
};

export const METHODS: readonly MethodInfo[] = [
  {
    id: 'wasserstein-flow',
    title: 'Wasserstein gradient flow (Fokker–Planck, Scharfetter–Gummel)',
    family: 'wasserstein',
    section: '§2',
    summary: 'Per-state Fokker–Planck flow driven by the soft Q-function; fixed point is the soft optimum.',
    actions: 'any',
    needsTau: true,
    iterations: 400,
    options: [
      tauOpt(0.1),
      gammaOverride,
      weighting,
      num('cfl', 'CFL number', 0.9, 'Explicit Euler step dt = cfl / max_i sum_k q(i->k); cfl <= 1 keeps masses non-negative.', { min: 0, max: 1, minExclusive: true }),
      num('dt', 'dt (0 = from CFL)', 0, 'Fixed time step; 0 derives it from the CFL number each step.', { min: 0 }),
      num('qEvery', 'Q re-evaluation period m', 1, 'Re-evaluate Q every m steps.', { min: 1, integer: true }),
    ],
  },
  {
    id: 'langevin',
    title: 'Langevin particles',
    family: 'wasserstein',
    section: '§3',
    summary: 'M particles per state, noisy gradient ascent on Phi, reflected at the box walls.',
    actions: 'box',
    needsTau: true,
    iterations: 400,
    options: [
      tauOpt(0.1),
      gammaOverride,
      num('particles', 'particles M per state', 2048, 'Number of particles per state.', { min: 1, integer: true, max: 1_000_000 }),
      num('dt', 'dt', 1e-3, 'Langevin time step.', { min: 0, minExclusive: true }),
      num('seed', 'seed', 1, 'Seed of the counter-based RNG (same stream on CPU and GPU).', { min: 0, integer: true }),
      num('qEvery', 'Q re-evaluation period m', 1, 'Re-evaluate Q every m steps.', { min: 1, integer: true }),
    ],
  },
  {
    id: 'jko-sinkhorn',
    title: 'Entropic JKO steps (Sinkhorn)',
    family: 'wasserstein',
    section: '§4',
    summary: 'Proximal steps in entropic W2 with Q frozen per step, solved by log-domain generalised Sinkhorn.',
    actions: 'any',
    needsTau: false,
    iterations: 100,
    options: [
      tauOpt(0.1),
      gammaOverride,
      num('eta', 'eta (step)', 0.05, 'JKO step size.', { min: 0, minExclusive: true }),
      num('eps', 'eps (entropic blur)', 0.01, 'Entropic regularisation of the transport cost.', { min: 0, minExclusive: true }),
      num('tol', 'Sinkhorn tolerance', 1e-9, 'Stop when |a (K b) - pi_k|_1 is below this.', { min: 0, minExclusive: true }),
      num('maxInner', 'max Sinkhorn iterations', 5000, 'Cap on inner iterations per JKO step.', { min: 1, integer: true }),
    ],
  },
  {
    id: 'ot-trpo',
    title: 'OT trust region (mass splitting)',
    family: 'wasserstein',
    section: '§5',
    summary: 'Exact dual of the OT trust-region problem; optimal mass-splitting update.',
    actions: 'any',
    needsTau: false,
    iterations: 50,
    options: [
      tauOpt(0),
      gammaOverride,
      num('eps', 'eps (radius)', 0.1, 'Trust-region radius on the average transport cost.', { min: 0, minExclusive: true }),
      num('tieTol', 'tie tolerance', 1e-9, 'Maximisers within this of the max are ties.', { min: 0 }),
    ],
  },
  {
    id: 'wpo-song',
    title: 'WPO without mass splitting',
    family: 'wasserstein',
    section: '§5',
    summary: 'Same lambda*, every (s,j) moves all its mass to the lowest-index maximiser; may exceed eps.',
    actions: 'any',
    needsTau: false,
    iterations: 50,
    options: [
      tauOpt(0),
      gammaOverride,
      num('eps', 'eps (radius)', 0.1, 'Trust-region radius on the average transport cost.', { min: 0, minExclusive: true }),
      num('tieTol', 'tie tolerance', 1e-9, 'Maximisers within this of the max are ties.', { min: 0 }),
    ],
  },
  {
    id: 'gaussian-w2',
    title: 'Gaussian policies, W2 gradient',
    family: 'wasserstein',
    section: '§6',
    summary: 'Per-state N(m, sigma^2) on the grid; gradient ascent in the flat W2 coordinates (m, sigma).',
    actions: 'box',
    needsTau: false,
    iterations: 300,
    options: [
      tauOpt(0.05),
      gammaOverride,
      weighting,
      num('eta', 'eta (step)', 0.05, 'Step size.', { min: 0, minExclusive: true }),
      num('sigma0', 'initial sigma', 0.5, 'Initial standard deviation (fraction-free, in action units).', { min: 0, minExclusive: true }),
      num('sigmaMin', 'minimum sigma', 0, 'Floor on sigma; 0 = half a grid cell.', { min: 0 }),
    ],
  },
  {
    id: 'gaussian-w2-newton',
    title: 'Gaussian policies, W2 Newton',
    family: 'wasserstein',
    section: '§6',
    summary: 'Damped Newton steps (H + lambda I) delta = -g in (m, sigma) coordinates.',
    actions: 'box',
    needsTau: false,
    iterations: 60,
    options: [
      tauOpt(0.05),
      gammaOverride,
      num('damping', 'initial damping lambda', 1e-3, 'Levenberg–Marquardt damping, raised until the step ascends.', { min: 0 }),
      num('sigma0', 'initial sigma', 0.5, 'Initial standard deviation.', { min: 0, minExclusive: true }),
      num('sigmaMin', 'minimum sigma', 0, 'Floor on sigma; 0 = half a grid cell.', { min: 0 }),
    ],
  },
  {
    id: 'wpo-actor',
    title: 'WPO actor (parametric Wasserstein policy update)',
    family: 'wasserstein',
    section: '§6',
    summary: 'theta <- theta + eta F^-1 E[J_theta(a)^T grad_a Q(s,a)] with exact quadrature on the grid.',
    actions: 'box',
    needsTau: false,
    iterations: 300,
    options: [
      tauOpt(0.05),
      gammaOverride,
      num('eta', 'eta (step)', 0.05, 'Step size.', { min: 0, minExclusive: true }),
      num('sigma0', 'initial sigma', 0.5, 'Initial standard deviation.', { min: 0, minExclusive: true }),
      num('fisherDamping', 'Fisher damping', 1e-6, 'Added to the Fisher matrix diagonal.', { min: 0 }),
    ],
  },
  {
    id: 'npg',
    title: 'NPG / policy mirror descent (KL)',
    family: 'kl',
    section: '§7',
    summary: 'pi <- pi^(1-alpha) (mu exp(Q/tau))^alpha, alpha = eta tau/(1-gamma); linear rate 1 - eta tau.',
    actions: 'any',
    needsTau: true,
    iterations: 200,
    options: [
      tauOpt(0.1),
      gammaOverride,
      num('eta', 'eta (step)', 0.05, 'Step size; alpha = eta tau / (1 - gamma) must lie in (0, 1] (0.05: alpha = 0.5 at gamma = 0.99, tau = 0.1).', { min: 0, minExclusive: true }),
    ],
  },
  {
    id: 'kl-trpo',
    title: 'KL trust region (exact TRPO step)',
    family: 'kl',
    section: '§7',
    summary: 'pi_new ∝ pi exp(A/beta), beta by bisection so that the average KL equals delta.',
    actions: 'any',
    needsTau: false,
    iterations: 50,
    options: [
      tauOpt(0),
      gammaOverride,
      num('delta', 'delta (KL radius)', 0.05, 'Average KL trust-region radius under d^pi.', { min: 0, minExclusive: true }),
    ],
  },
  {
    id: 'softmax-pg',
    title: 'Softmax policy gradient',
    family: 'kl',
    section: '§7',
    summary: 'Exact gradient d(s) pi(j|s) A(s,j) / (1-gamma) on the logits.',
    actions: 'any',
    needsTau: false,
    iterations: 500,
    options: [
      tauOpt(0),
      gammaOverride,
      num('eta', 'eta (step)', 1, 'Step size on the logits.', { min: 0, minExclusive: true }),
    ],
  },
  {
    id: 'soft-value-iteration',
    title: 'Soft value iteration (exact)',
    family: 'exact',
    section: '§1',
    summary: 'Q* = r + gamma P V*, V* = tau log sum mu exp(Q*/tau); contracts at rate gamma.',
    actions: 'any',
    needsTau: true,
    iterations: 100000,
    options: [tauOpt(0.1), gammaOverride, num('tol', 'tolerance', 1e-10, 'Stop when the sup-norm change of V is below tol.', { min: 0, minExclusive: true })],
  },
  {
    id: 'value-iteration',
    title: 'Value iteration (exact)',
    family: 'exact',
    section: '§1',
    summary: 'Bellman optimality iteration with tau = 0.',
    actions: 'any',
    needsTau: false,
    iterations: 100000,
    options: [gammaOverride, num('tol', 'tolerance', 1e-10, 'Stop when the sup-norm change of V is below tol.', { min: 0, minExclusive: true })],
  },
  {
    id: 'policy-iteration',
    title: 'Policy iteration (exact)',
    family: 'exact',
    section: '§1',
    summary: 'Exact evaluation and greedy (or soft, with tau > 0) improvement until the policy is stable.',
    actions: 'any',
    needsTau: false,
    iterations: 1000,
    options: [tauOpt(0), gammaOverride],
  },
];

export function methodInfo(id: string): MethodInfo | undefined {
  return METHODS.find((m) => m.id === id);
}

/** Fill defaults and check types and ranges; returns the complete options or a list of messages. */
export function resolveMethodOptions(
  id: MethodId,
  given: Record<string, unknown>,
): { ok: true; options: MethodOptions } | { ok: false; errors: string[] } {
  const info = methodInfo(id);
  if (!info) return { ok: false, errors: [`unknown method '${id}'`] };
  const errors: string[] = [];
  const out: MethodOptions = {};
  const known = new Set(info.options.map((o) => o.key));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) errors.push(`${id}: unknown option '${key}' (known: ${[...known].join(', ')})`);
  }
  for (const opt of info.options) {
    const raw = given[opt.key];
    if (raw === undefined) {
      out[opt.key] = opt.default;
      continue;
    }
    if (opt.kind === 'choice') {
      if (typeof raw !== 'string' || !opt.choices.includes(raw)) {
        errors.push(`${id}: option '${opt.key}' must be one of ${opt.choices.join(', ')}`);
      } else out[opt.key] = raw;
      continue;
    }
    const v = typeof raw === 'string' ? Number(raw) : raw;
    if (typeof v !== 'number' || (Number.isNaN(v) && !Number.isNaN(opt.default))) {
      errors.push(`${id}: option '${opt.key}' must be a number, got ${JSON.stringify(raw)}`);
      continue;
    }
    if (Number.isNaN(v)) {
      out[opt.key] = v;
      continue;
    }
    if (!Number.isFinite(v)) errors.push(`${id}: option '${opt.key}' must be finite`);
    else if (opt.integer && !Number.isInteger(v)) errors.push(`${id}: option '${opt.key}' must be an integer`);
    else if (opt.min !== undefined && (opt.minExclusive ? v <= opt.min : v < opt.min))
      errors.push(`${id}: option '${opt.key}' must be ${opt.minExclusive ? '>' : '>='} ${opt.min}, got ${v}`);
    else if (opt.max !== undefined && v > opt.max) errors.push(`${id}: option '${opt.key}' must be <= ${opt.max}, got ${v}`);
    else out[opt.key] = v;
  }
  return errors.length ? { ok: false, errors } : { ok: true, options: out };
}

/** Per-iteration metrics of ALGORITHMS.md §8; null where a metric does not apply to the method. */
export interface IterationMetrics {
  iteration: number;
  /** J(pi) with the regulariser (tau > 0) */
  J: number;
  /** plain J(pi) (tau = 0 objective of the same policy) */
  Jplain: number;
  /** J* - J(pi_t), both regularised with the run's tau; >= 0 up to round-off */
  gap: number;
  /** average TV distance to pi* under d* */
  tv: number;
  /** average policy entropy under d^pi */
  entropy: number;
  /** the step's average transport cost (null for exact solvers' first row) */
  transportCost: number | null;
  /** the step's average KL(pi_new || pi_old) under d^pi_old */
  kl: number | null;
  /** eps - realised cost (trust-region methods) */
  trustSlack: number | null;
  trustViolated: boolean | null;
  lambda: number | null;
  /** policy-evaluation residual reached */
  evalResidual: number;
  /** the step's largest change of one policy entry, max_{s,j} |pi_new - pi_old| (null for row 0); the stall detector reads it */
  policyChange: number | null;
  /** continuous time of flows */
  t: number | null;
  /** wall time since the run started, ms */
  wallMs: number;
}

export const METRIC_KEYS = [
  'J',
  'Jplain',
  'gap',
  'tv',
  'entropy',
  'transportCost',
  'kl',
  'trustSlack',
  'trustViolated',
  'lambda',
  'evalResidual',
  'policyChange',
  't',
  'wallMs',
] as const;

export type MetricKey = (typeof METRIC_KEYS)[number];

export type ComputeBackendId = 'reference' | 'webgpu';
