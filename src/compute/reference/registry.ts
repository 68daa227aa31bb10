/** Every method of ALGORITHMS.md on the f64 reference backend, by its stable id. */
import type { MethodId } from '../../shared/methods';
import { MethodInputError } from '../types';
import type { ReferenceMethod } from './method';
import { gaussianW2Method, gaussianW2NewtonMethod } from './gaussianW2';
import { jkoSinkhorn } from './jkoSinkhorn';
import { klTrpoMethod } from './klTrustRegion';
import { langevin } from './langevin';
import { npgMethod } from './npg';
import { otTrpoMethod, wpoSongMethod } from './otTrustRegion';
import { policyIterationMethod } from './policyIterationMethod';
import { softValueIterationMethod } from './softValueIterationMethod';
import { valueIterationMethod } from './valueIterationMethod';
import { softmaxPgMethod } from './softmaxPg';
import { wassersteinFlow } from './wassersteinFlow';
import { wpoActorMethod } from './wpoActor';

const METHODS_BY_ID = Object.fromEntries(
  [
    wassersteinFlow,
    langevin,
    jkoSinkhorn,
    otTrpoMethod,
    wpoSongMethod,
    gaussianW2Method,
    gaussianW2NewtonMethod,
    wpoActorMethod,
    npgMethod,
    klTrpoMethod,
    softmaxPgMethod,
    softValueIterationMethod,
    valueIterationMethod,
    policyIterationMethod,
  ].map((m) => [m.id, m]),
) as Partial<Record<MethodId, ReferenceMethod>>;

export function referenceMethod(id: MethodId): ReferenceMethod {
  const method = METHODS_BY_ID[id];
  if (!method) throw new MethodInputError(`method '${id}' has no reference implementation`);
  return method;
}
