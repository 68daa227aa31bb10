/** §7 NPG / policy mirror descent in the KL geometry (entropy-regularised). */
import { effectiveGamma, gammaOption, requireTau, tauOption } from './common';
import type { MethodSpec, OptionIssue } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface NpgOptions extends EstimatorOptions {
  tau: number;
  gamma?: number;
  eta: number;
}

export const npgSpec: MethodSpec<NpgOptions> = {
  id: 'npg',
  title: 'NPG / policy mirror descent (KL)',
  family: 'kl',
  section: '§7',
  doc: 'docs/methods.md#npg',
  summary: 'pi <- pi^(1-alpha) (mu exp(Q/tau))^alpha, alpha = eta tau/(1-gamma); linear rate 1 - eta tau.',
  actions: 'any',
  tau: 'required',
  iterations: 200,
  convergence: 'gap J* - J below 1e-11 of the problem scale (linear rate 1 - eta tau)',
  gapTolerance: 1e-11,
  options: {
    tau: tauOption(0.1),
    gamma: gammaOption,
    eta: { kind: 'number', label: 'eta (step)', help: 'Step size; alpha = eta tau / (1 - gamma) must lie in (0, 1] (0.05: alpha = 0.5 at gamma = 0.99, tau = 0.1).', unit: '', default: 0.05, min: 0, minExclusive: true, max: 1e12 },
    ...estimatorOptions,
  },
  checks: (o, facts) => {
    const issues: OptionIssue[] = requireTau('npg', o.tau);
    const gamma = effectiveGamma(o.gamma, facts);
    if (gamma !== undefined && o.tau > 0) {
      const alpha = (o.eta * o.tau) / (1 - gamma);
      if (!(alpha > 0 && alpha <= 1 + 1e-12))
        issues.push({
          key: 'eta',
          message: `npg: option 'eta' must lie in (0, ${Number(((1 - gamma) / o.tau).toPrecision(6))}] at gamma ${gamma}, tau ${o.tau} (alpha = eta tau/(1 - gamma) must lie in (0, 1]), got ${o.eta} (alpha = ${alpha.toPrecision(4)})`,
        });
    }
    issues.push(...estimatorChecks('npg', o, facts));
    return issues;
  },
};
