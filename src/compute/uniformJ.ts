/**
 * J of the uniform policy, the zero of the normalised score (J - J_uniform) / (J* - J_uniform) that
 * `wwb stats` and Compare report: the exact policy evaluation of pi(j|s) = 1/N with the run's gamma and
 * tau (the same objective its J and J* use).
 */
import type { TabularMdp } from '../shared/mdp/types';
import { evaluatePolicy, policyObjective, uniformPolicy } from './reference/evaluation';

export function uniformPolicyJ(mdp: TabularMdp, gamma: number, tau: number): number {
  return policyObjective(mdp, evaluatePolicy(mdp, uniformPolicy(mdp), gamma, tau).V);
}
