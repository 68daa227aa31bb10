/**
 * The estimator option block in the method specs: which methods have it, defaults (absent = exact, so an
 * exact run's options object is unchanged), the specific messages for a horizon or rollout count of 0 or
 * missing, the refusal of a budget that does not fit in time with the figure it would need, and the
 * WebGPU backend's refusal (the session falls back to the reference backend by its rule).
 */
import { describe, expect, it } from 'vitest';
import { mdpFacts, methodSpec, parseMethodOptions, type MethodId } from '../../src/shared/methods';
import { MAX_TRANSITIONS_PER_UPDATE } from '../../src/shared/methodSpecs';
import { createSession } from '../../src/compute/session';
import { makeRunSpec } from '../../src/compute/run/spec';
import { preset, runRows } from './helpers';

const SAMPLED: MethodId[] = [
  'npg',
  'ot-trpo',
  'wpo-song',
  'kl-trpo',
  'softmax-pg',
  'wasserstein-flow',
  'langevin',
  'jko-sinkhorn',
  'wpo-actor',
  'gaussian-w2',
  'gaussian-w2-newton',
];

const messages = (id: MethodId, given: Record<string, unknown>, facts = {}): string[] => {
  const r = parseMethodOptions(id, given, facts);
  return r.ok ? [] : r.errors.map((e) => `${e.key}: ${e.message}`);
};

describe('estimator options', () => {
  it('every Q-consuming method has the block; absent means exact and adds no key', () => {
    for (const id of SAMPLED) {
      expect(Object.keys(methodSpec(id).options)).toEqual(expect.arrayContaining(['estimator', 'rollouts', 'horizon', 'batch', 'lambda', 'rewardStd']));
      const r = parseMethodOptions(id, {});
      expect(r.ok && 'estimator' in r.options).toBe(false);
    }
    expect('estimator' in methodSpec('value-iteration').options).toBe(false);
  });

  it('every method with the block runs sampled updates on the reference backend, with samples and the advantage error in its trace', () => {
    for (const id of SAMPLED) {
      const box = methodSpec(id).actions === 'box';
      const mdp = box ? preset('bandit-quadratic', { n: 16 }) : preset('frozenlake-4x4');
      const rows = runRows(mdp, id, { ...(box ? {} : { gamma: 0.9 }), estimator: 'monte-carlo', rollouts: 3, horizon: 20 }, 3, 5);
      expect(rows.length, id).toBe(4);
      expect(rows[0].samples, id).toBe(0);
      expect(rows[3].samples as number, id).toBeGreaterThan(rows[2].samples as number);
      expect(Number.isFinite(rows[3].estimatorRms), id).toBe(true);
      // gamma = 0 bandits: one step, the estimate is exact
      if (box) expect(rows[3].estimatorRms as number, id).toBeLessThan(1e-12);
      const td = runRows(mdp, id, { ...(box ? {} : { gamma: 0.9 }), estimator: 'td', batch: 200, lambda: 0.9 }, 3, 5);
      expect(td.length, `${id} td`).toBe(4);
      expect(td[3].samples, `${id} td`).toBe(600);
      expect(Number.isFinite(td[3].estimatorRms), `${id} td`).toBe(true);
    }
  });

  it('horizon 0, rollouts 0 and missing ones get their own messages', () => {
    expect(messages('npg', { estimator: 'monte-carlo', rollouts: 8, horizon: 0 })).toEqual([
      "horizon: npg: option 'horizon' is 0: a rollout of 0 steps sees no reward, so every estimate would be 0 (H >= 1)",
    ]);
    expect(messages('ot-trpo', { estimator: 'monte-carlo', rollouts: 0, horizon: 10 })).toEqual([
      "rollouts: ot-trpo: option 'rollouts' is 0: a Monte-Carlo estimate needs at least one rollout per state-action pair (M >= 1)",
    ]);
    expect(messages('wpo-song', { estimator: 'monte-carlo' })).toEqual([
      "rollouts: wpo-song: estimator 'monte-carlo' needs option 'rollouts' (M >= 1 rollouts per state-action pair per update)",
      "horizon: wpo-song: estimator 'monte-carlo' needs option 'horizon' (H >= 1 steps per rollout)",
    ]);
    expect(messages('npg', { estimator: 'gae' })[0]).toContain("option 'estimator' must be one of exact, monte-carlo, td");
    expect(messages('npg', { estimator: 'monte-carlo', rollouts: 2.5, horizon: 10 })[0]).toContain("option 'rollouts' must lie in [0, 1e9] integer");
  });

  it('a budget beyond the time limit is refused with the transitions it needs and the largest M that fits', () => {
    const taxi = preset('taxi');
    const facts = mdpFacts(taxi);
    const msg = messages('wpo-song', { estimator: 'monte-carlo', rollouts: 1000, horizon: 200 }, facts);
    const need = (taxi.S * taxi.N + 1) * 1000 * 200;
    expect(need).toBeGreaterThan(MAX_TRANSITIONS_PER_UPDATE);
    expect(msg).toEqual([
      `rollouts: wpo-song: the Monte-Carlo budget needs (S N + 1) M H = (500·6 + 1)·1000·200 = ${need.toExponential(3)} sampled transitions per update, above the limit 2.0e+8 (about 10 s per update); at horizon 200 use rollouts <= ${Math.floor(MAX_TRANSITIONS_PER_UPDATE / (3001 * 200))}`,
    ]);
    // the largest M it names fits
    expect(messages('wpo-song', { estimator: 'monte-carlo', rollouts: 333, horizon: 200 }, facts)).toEqual([]);
    // without the MDP the check waits for it (the form and main pass facts when they know the MDP)
    expect(messages('wpo-song', { estimator: 'monte-carlo', rollouts: 1000, horizon: 200 })).toEqual([]);
  });

  it('a sampled run on webgpu without a GPU: createSession continues on the reference backend and says why', async () => {
    const mdp = preset('frozenlake-4x4');
    const spec = makeRunSpec('npg', { gamma: 0.9, estimator: 'monte-carlo', rollouts: 2, horizon: 10 }, { mdp, seed: 3 });
    // no GPU here: the fallback reason is the missing implementation; the session still runs the sampled method
    const changes: string[] = [];
    const session = await createSession(mdp, spec, { backend: 'webgpu', gpu: null, onBackendChange: (c) => changes.push(`${c.backend}: ${c.reason}`) });
    const rows = await session.nextBatch(3);
    expect(session.backend).toBe('reference');
    expect(rows[2].samples).toBeGreaterThan(0);
    expect(changes.length).toBe(1);
    session.dispose();
  });
});
