/** The catalogue of specs by method id and the typed options object of each method. */
import type { MethodId } from './ids';
import type { MethodSpec } from './types';
import { gaussianW2NewtonSpec, type GaussianW2NewtonOptions } from './gaussianW2Newton';
import { gaussianW2Spec, type GaussianW2Options } from './gaussianW2';
import { jkoSinkhornSpec, type JkoSinkhornOptions } from './jkoSinkhorn';
import { klTrpoSpec, type KlTrpoOptions } from './klTrpo';
import { langevinSpec, type LangevinOptions } from './langevin';
import { npgSpec, type NpgOptions } from './npg';
import { otTrpoSpec, type OtTrpoOptions } from './otTrpo';
import { policyIterationSpec, type PolicyIterationOptions } from './policyIteration';
import { softmaxPgSpec, type SoftmaxPgOptions } from './softmaxPg';
import { softValueIterationSpec, type SoftValueIterationOptions } from './softValueIteration';
import { valueIterationSpec, type ValueIterationOptions } from './valueIteration';
import { wassersteinFlowSpec, type WassersteinFlowOptions } from './wassersteinFlow';
import { wpoActorSpec, type WpoActorOptions } from './wpoActor';
import { wpoSongSpec, type WpoSongOptions } from './wpoSong';

export type {
  GaussianW2NewtonOptions,
  GaussianW2Options,
  JkoSinkhornOptions,
  KlTrpoOptions,
  LangevinOptions,
  NpgOptions,
  OtTrpoOptions,
  PolicyIterationOptions,
  SoftmaxPgOptions,
  SoftValueIterationOptions,
  ValueIterationOptions,
  WassersteinFlowOptions,
  WpoActorOptions,
  WpoSongOptions,
};


/** The typed options object of each method. */
export interface OptionsById {
  'wasserstein-flow': WassersteinFlowOptions;
  langevin: LangevinOptions;
  'jko-sinkhorn': JkoSinkhornOptions;
  'ot-trpo': OtTrpoOptions;
  'wpo-song': WpoSongOptions;
  'gaussian-w2': GaussianW2Options;
  'gaussian-w2-newton': GaussianW2NewtonOptions;
  'wpo-actor': WpoActorOptions;
  npg: NpgOptions;
  'kl-trpo': KlTrpoOptions;
  'softmax-pg': SoftmaxPgOptions;
  'soft-value-iteration': SoftValueIterationOptions;
  'value-iteration': ValueIterationOptions;
  'policy-iteration': PolicyIterationOptions;
}

/** Parsed options of some method (narrow with the run's method id). */
export type AnyMethodOptions = OptionsById[MethodId];

export const SPECS: { readonly [M in MethodId]: MethodSpec<OptionsById[M]> } = {
  'wasserstein-flow': wassersteinFlowSpec,
  langevin: langevinSpec,
  'jko-sinkhorn': jkoSinkhornSpec,
  'ot-trpo': otTrpoSpec,
  'wpo-song': wpoSongSpec,
  'gaussian-w2': gaussianW2Spec,
  'gaussian-w2-newton': gaussianW2NewtonSpec,
  'wpo-actor': wpoActorSpec,
  npg: npgSpec,
  'kl-trpo': klTrpoSpec,
  'softmax-pg': softmaxPgSpec,
  'soft-value-iteration': softValueIterationSpec,
  'value-iteration': valueIterationSpec,
  'policy-iteration': policyIterationSpec,
};

export function methodSpec<M extends MethodId>(id: M): MethodSpec<OptionsById[M]> {
  return SPECS[id] as MethodSpec<OptionsById[M]>;
}
