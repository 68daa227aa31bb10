/** §3 Langevin particles: M particles per state, noisy gradient ascent on Phi, reflected at the box walls. */
import { gammaOption, requireTau, tauOption } from './common';
import type { MethodSpec, OptionIssue } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface LangevinOptions extends EstimatorOptions {
  tau: number;
  gamma?: number;
  particles: number;
  dt: number;
  qEvery: number;
}

export const langevinSpec: MethodSpec<LangevinOptions> = {
  id: 'langevin',
  title: 'Langevin particles',
  family: 'wasserstein',
  section: '§3',
  doc: 'docs/methods.md#langevin',
  summary: "M particles per state, noisy gradient ascent on Phi, reflected at the box walls; the run's seed drives the noise.",
  actions: 'box',
  tau: 'required',
  iterations: 400,
  convergence: 'none (stochastic): runs to its iteration budget; the histogram gap stays at the sampling-noise level',
  gapTolerance: 1e-2,
  options: {
    tau: tauOption(0.1),
    gamma: gammaOption,
    particles: { kind: 'number', label: 'particles M per state', help: 'Number of particles per state.', unit: 'particles', default: 2048, min: 1, max: 1_000_000, integer: true },
    dt: { kind: 'number', label: 'dt', help: 'Langevin time step; the noise moves a particle by sqrt(2 tau dt) per step.', unit: 'flow time', default: 1e-3, min: 0, minExclusive: true, max: 1 },
    qEvery: { kind: 'number', label: 'Q re-evaluation period m', help: 'Re-evaluate Q every m steps.', unit: 'steps', default: 1, min: 1, max: 1_000_000, integer: true },
    ...estimatorOptions,
  },
  checks: (o, facts) => {
    const issues: OptionIssue[] = requireTau('langevin', o.tau);
    // Stability: the noise step sqrt(2 tau dt) must stay within a quarter of the box, i.e.
    // dt <= width^2 / (32 tau); beyond it every step scatters the particles across the box.
    if (facts.box && o.tau > 0) {
      const limit = (facts.box.width * facts.box.width) / (32 * o.tau);
      if (o.dt > limit)
        issues.push({
          key: 'dt',
          message: `langevin: option 'dt' must lie in (0, ${limit.toPrecision(3)}] on this MDP (stability limit width^2/(32 tau), box width ${facts.box.width}, tau ${o.tau}), got ${o.dt}: each step would move a particle by sqrt(2 tau dt) = ${Math.sqrt(2 * o.tau * o.dt).toPrecision(3)}`,
        });
    }
    issues.push(...estimatorChecks('langevin', o, facts));
    return issues;
  },
};
