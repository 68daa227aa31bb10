/** §5 WPO without mass splitting (plain objective, decision D3). */
import type { MethodSpec } from './types';
import { otTrustRegionChecks, otTrustRegionOptions, type OtTrpoOptions } from './otTrpo';

/** The same options as OT-TRPO (one definition, in otTrpo.ts). */
export type WpoSongOptions = OtTrpoOptions;

export const wpoSongSpec: MethodSpec<WpoSongOptions> = {
  id: 'wpo-song',
  title: 'WPO without mass splitting',
  family: 'wasserstein',
  section: '§5',
  doc: 'docs/methods.md#wpo-song',
  summary: 'Same lambda*, every (s,j) moves all its mass to the lowest-index maximiser; may exceed eps.',
  actions: 'any',
  tau: 'refused',
  iterations: 50,
  convergence: 'gap J* - J below 1e-11 of the problem scale (plain objective)',
  gapTolerance: 1e-11,
  options: otTrustRegionOptions,
  checks: otTrustRegionChecks('wpo-song'),
};
