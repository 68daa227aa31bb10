/**
 * The WebGPU backend sees the method specs' defaults: for every method it runs, a session started with
 * the options parsed from `{}` reads every option from that parsed object and no other key (so it has
 * no defaults of its own), on a real Dawn adapter.
 */
import { describe, expect, it } from 'vitest';
import { compileMdp } from '../../src/shared/mdp/compile';
import { METHODS, methodSpec, parseMethodOptions } from '../../src/shared/methods';
import { ESTIMATOR_KEYS } from '../../src/shared/methodSpecs';
import { presetById } from '../../src/compute/presets';
import { createWebGpuSession, WEBGPU_METHODS } from '../../src/compute/webgpu/session';
import type { RunSpec } from '../../src/compute/types';
import { gpuContext } from './gpu';

describe('WebGPU sessions read their options from the parsed spec object only', () => {
  for (const info of METHODS.filter((m) => WEBGPU_METHODS.includes(m.id))) {
    it(info.id, async () => {
      const compiled = compileMdp(presetById(methodSpec(info.id).actions === 'box' ? 'bandit-quadratic' : 'frozenlake-4x4')!.build());
      if (!compiled.ok) throw new Error('preset does not compile');
      const parsed = parseMethodOptions(info.id, {});
      if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('; '));
      const read = new Set<string>();
      const options = new Proxy(parsed.options as object, {
        get(target, key, receiver) {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key, receiver);
        },
        has(target, key) {
          const present = Reflect.has(target, key);
          if (typeof key === 'string' && present) read.add(key);
          return present;
        },
      });
      const spec = { method: info.id, options, init: null, seed: 1 } as unknown as RunSpec;
      const session = await createWebGpuSession(await gpuContext(), compiled.mdp, spec, { batch: 2 });
      try {
        const rows = await session.nextBatch(2);
        expect(rows[0].iteration).toBe(0);
      } finally {
        session.dispose();
      }
      const keys = info.options.map((o) => o.key);
      expect([...read].filter((k) => !keys.includes(k)), 'keys read outside the spec').toEqual([]);
      // the default estimator is exact: the sampling options (rollouts, horizon, ...) are read only by a
      // sampled run's estimator (tests/sampled/webgpu.test.ts); 'estimator' itself must be read
      expect(read.has('estimator') || !keys.includes('estimator'), 'the estimator choice is read').toBe(true);
      const sampling = ESTIMATOR_KEYS.filter((k) => k !== 'estimator');
      expect(keys.filter((k) => !read.has(k) && !sampling.includes(k)), 'options the GPU session never reads').toEqual([]);
    });
  }
});
