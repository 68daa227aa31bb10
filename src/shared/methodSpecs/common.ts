/** Options and checks several methods share (tau, the gamma override, the state weighting). */
import type { ChoiceOptionSpec, MdpFacts, NumberOptionSpec, OptionIssue } from './types';

/** Methods that optimise the entropy-regularised objective (named in the refusal of tau > 0, decision D3). */
export const REGULARISED_METHODS = ['wasserstein-flow', 'langevin', 'jko-sinkhorn', 'npg'] as const;

export const tauOption = (def: number): NumberOptionSpec => ({
  kind: 'number',
  label: 'tau (entropy)',
  help: 'Entropy regularisation strength tau >= 0 (KL to the reference mu).',
  unit: 'reward units',
  default: def,
  min: 0,
});

/** The plain-objective methods keep a tau key only to refuse tau > 0 with a message. */
export const plainTauOption: NumberOptionSpec = {
  kind: 'number',
  label: 'tau (must be 0)',
  help: 'This method optimises the plain objective: tau must be 0 (use a regularised method for tau > 0).',
  unit: 'reward units',
  default: 0,
  min: 0,
};

export const gammaOption: NumberOptionSpec = {
  kind: 'number',
  label: 'gamma',
  help: "Discount override; leave it out to use the MDP's own gamma.",
  unit: '',
  absent: "the MDP's gamma",
  min: 0,
  max: 0.999999,
};

export const weightingOption: ChoiceOptionSpec = {
  kind: 'choice',
  label: 'state weighting w(s)',
  help: "'uniform': w(s)=1 (paper 000); 'occupancy': w(s)=d^pi(s)/(1-gamma) (unweighted metric).",
  unit: '',
  default: 'uniform',
  choices: ['uniform', 'occupancy'],
};

export function requireTau(method: string, tau: number): OptionIssue[] {
  return tau > 0 ? [] : [{ key: 'tau', message: `${method} needs tau > 0 (it optimises the entropy-regularised objective): option 'tau' must lie in (0, ∞), got ${tau}` }];
}

export function refuseTau(method: string, tau: number): OptionIssue[] {
  return tau === 0
    ? []
    : [
        {
          key: 'tau',
          message: `${method}: option 'tau' must be 0, got ${tau}: ${method} optimises the plain objective (tau > 0 needs a regularised method: ${REGULARISED_METHODS.join(', ')})`,
        },
      ];
}

/** The discount a run will use: the override when given, else the MDP's (undefined when unknown). */
export function effectiveGamma(gamma: number | undefined, facts: MdpFacts): number | undefined {
  return gamma ?? facts.gamma;
}
