import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkbenchApiError, type EventName } from '../../src/shared/api';
import { openDatabase, SCHEMA_VERSION, type WorkbenchDatabase } from '../../src/main/db';
import { createWorkbenchService, traceStride, type WorkbenchService } from '../../src/main/services';
import { point, tempDir, twoStateMdp } from './fixtures';

let dir: string;
let cleanup: () => void;
let db: WorkbenchDatabase;
let service: WorkbenchService;
let events: { event: EventName; data: unknown }[];
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  db = openDatabase(join(dir, 'wb.sqlite'));
  service = createWorkbenchService(db, { version: '9.9.9', transport: 'browser' });
  events = [];
  service.events.subscribe((event, data) => events.push({ event, data }));
});
afterEach(() => {
  db.close();
  cleanup();
});

function apiError(fn: () => unknown): WorkbenchApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WorkbenchApiError);
    return e as WorkbenchApiError;
  }
  throw new Error('expected a WorkbenchApiError');
}

function newRun(mdpId: number, over: Record<string, unknown> = {}) {
  return service.call('runs:create', {
    mdpId,
    method: 'ot-trpo',
    options: { eps: 0.2 },
    backend: 'reference',
    seed: 1,
    maxIterations: 100,
    label: 'eps 0.2',
    ...over,
  });
}

describe('workbench service', () => {
  it('app:info reports the database and schema', () => {
    const info = service.call('app:info', {});
    expect(info).toMatchObject({ version: '9.9.9', transport: 'browser', dbPath: join(dir, 'wb.sqlite'), schemaVersion: SCHEMA_VERSION });
  });

  it('saves, lists, updates and deletes MDPs, with events', () => {
    const saved = service.call('mdps:save', { document: twoStateMdp(), preset: 'two-state' });
    expect(saved).toMatchObject({ name: 'two-state', states: 2, actions: 2, actionKind: 'discrete', preset: 'two-state' });
    expect(saved.document.transitions).toEqual(twoStateMdp().transitions);
    expect(events).toEqual([{ event: 'onMdpsChanged', data: { ids: [saved.id] } }]);
    const updated = service.call('mdps:save', { id: saved.id, document: twoStateMdp('renamed') });
    expect(updated).toMatchObject({ id: saved.id, name: 'renamed', preset: 'two-state' });
    expect(service.call('mdps:list', {}).map((m) => m.name)).toEqual(['renamed']);
    expect(apiError(() => service.call('mdps:get', { id: 999 })).code).toBe('not-found');
    expect(apiError(() => service.call('mdps:save', { id: 999, document: twoStateMdp() })).code).toBe('not-found');
    expect(service.call('mdps:delete', { id: saved.id })).toEqual({ deleted: true });
    expect(service.call('mdps:delete', { id: saved.id })).toEqual({ deleted: false });
  });

  it('refuses an invalid MDP document with its problems, storing nothing', () => {
    const doc = twoStateMdp();
    doc.initial = [1];
    const err = apiError(() => service.call('mdps:save', { document: doc }));
    expect(err.code).toBe('invalid-payload');
    expect(err.details.join('\n')).toMatch(/initial/);
    expect(service.call('mdps:list', {})).toEqual([]);
  });

  it('round-trips a run: create, start, trace in batches, snapshots, finish, read back', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const exp = service.call('experiments:create', { name: 'radius sweep', mdpId: mdp.id });
    const run = newRun(mdp.id, { experimentId: exp.id });
    expect(run).toMatchObject({ status: 'queued', method: 'ot-trpo', mdpName: 'two-state', experimentId: exp.id, iterations: 0 });
    expect(run.options).toMatchObject({ eps: 0.2, tau: 0, tieTol: 1e-9 });
    expect('gamma' in run.options).toBe(false); // "use the MDP's gamma" is the key left out (D1)
    expect(run.backendSegments).toEqual([{ from: 0, backend: 'reference' }]);
    expect(service.call('runs:start', { id: run.id }).status).toBe('running');

    const batch1 = Array.from({ length: 50 }, (_, i) => point(i));
    const batch2 = Array.from({ length: 50 }, (_, i) => point(50 + i, { trustViolated: i % 2 === 0 }));
    expect(service.call('runs:appendTrace', { id: run.id, points: batch1 })).toEqual({ stored: 50, iterations: 50, lastIteration: 49 });
    expect(service.call('runs:appendTrace', { id: run.id, points: batch2 })).toEqual({ stored: 50, iterations: 100, lastIteration: 99 });

    // overlap and non-increasing batches are refused, nothing stored
    const overlap = apiError(() => service.call('runs:appendTrace', { id: run.id, points: [point(99)] }));
    expect(overlap.code).toBe('conflict');
    expect(overlap.message).toMatch(/overlaps.*last stored iteration 99/);
    const unordered = apiError(() => service.call('runs:appendTrace', { id: run.id, points: [point(101), point(100)] }));
    expect(unordered.message).toMatch(/strictly increase/);
    expect(service.call('runs:get', { id: run.id }).iterations).toBe(100);

    const withSeg = service.call('runs:recordBackend', { id: run.id, from: 60, backend: 'webgpu', reason: 'test' });
    expect(withSeg.backendSegments).toEqual([
      { from: 0, backend: 'reference' },
      { from: 60, backend: 'webgpu', reason: 'test' },
    ]);

    const policy = [0.25, 0.75, 1, 0];
    expect(service.call('runs:addSnapshot', { id: run.id, iteration: 99, policy })).toEqual({ stored: true });
    // the same snapshot again (a retry) is accepted, a different one at that iteration is not
    expect(service.call('runs:addSnapshot', { id: run.id, iteration: 99, policy })).toEqual({ stored: true });
    expect(apiError(() => service.call('runs:addSnapshot', { id: run.id, iteration: 99, policy: [0.5, 0.5, 1, 0] })).code).toBe('conflict');
    expect(apiError(() => service.call('runs:addSnapshot', { id: run.id, iteration: 98, policy: [1, 0] })).code).toBe('invalid-payload');
    expect(service.call('runs:snapshots', { id: run.id })).toEqual([{ runId: run.id, iteration: 99, S: 2, N: 2, policy }]);

    events.length = 0;
    const done = service.call('runs:finish', { id: run.id, status: 'completed', diagnostics: { converged: true }, wallMs: 1234 });
    expect(done).toMatchObject({ status: 'completed', error: null, wallMs: 1234, iterations: 100, diagnostics: { converged: true } });
    expect(done.finishedAt).not.toBeNull();
    expect(done.final).toMatchObject({ iteration: 99, J: 100 });
    expect(events).toEqual([{ event: 'onRunChanged', data: done }]);
    expect(apiError(() => service.call('runs:finish', { id: run.id, status: 'failed' })).code).toBe('conflict');
    expect(apiError(() => service.call('runs:appendTrace', { id: run.id, points: [point(100)] })).code).toBe('conflict');

    // full trace
    const [full] = service.call('runs:trace', { ids: [run.id] });
    expect(full.total).toBe(100);
    expect(full.iteration).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(full.columns.J?.[10]).toBe(11);
    expect(full.columns.kl?.[10]).toBeNull();
    expect(full.columns.trustViolated?.slice(50, 53)).toEqual([1, 0, 1]);

    // downsampled: at most maxPoints, first and last kept, selected metrics only
    const [small] = service.call('runs:trace', { ids: [run.id], metrics: ['J', 'gap'], maxPoints: 10 });
    expect(small.total).toBe(100);
    expect(small.iteration.length).toBeLessThanOrEqual(10);
    expect(small.iteration[0]).toBe(0);
    expect(small.iteration[small.iteration.length - 1]).toBe(99);
    expect(Object.keys(small.columns).sort()).toEqual(['J', 'gap']);
    expect(small.columns.J).toEqual(small.iteration.map((i) => i + 1));

    // lists and filters
    expect(service.call('runs:list', { experimentId: exp.id }).map((r) => r.id)).toEqual([run.id]);
    expect(service.call('runs:list', { status: 'running' })).toEqual([]);
    expect(service.call('experiments:list', {})[0]).toMatchObject({ id: exp.id, runCount: 1 });

    // an MDP with runs cannot be deleted; deleting the run cascades to its trace
    expect(apiError(() => service.call('mdps:delete', { id: mdp.id })).code).toBe('conflict');
    expect(service.call('runs:delete', { id: run.id })).toEqual({ deleted: true });
    expect(db.sqlite.prepare('SELECT count(*) FROM trace_points').pluck().get()).toBe(0);
    expect(db.sqlite.prepare('SELECT count(*) FROM policy_snapshots').pluck().get()).toBe(0);
  });

  it('validates run options and method requirements', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const bad = apiError(() => newRun(mdp.id, { options: { eps: -1, bogus: 1 } }));
    expect(bad.code).toBe('invalid-payload');
    expect(bad.details.join('\n')).toMatch(/bogus/);
    expect(bad.details.join('\n')).toMatch(/eps/);
    expect(apiError(() => newRun(mdp.id, { method: 'langevin', options: {} })).details.join('\n')).toMatch(/continuous action box/);
    expect(apiError(() => newRun(mdp.id, { method: 'npg', options: { tau: 0 } })).details.join('\n')).toMatch(/tau > 0/);
    expect(apiError(() => newRun(999)).code).toBe('not-found');
    expect(apiError(() => newRun(mdp.id, { experimentId: 999 })).code).toBe('not-found');
  });

  it('stores non-finite metrics as null and fails a "completed" run with a diagnostic', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const run = newRun(mdp.id);
    service.call('runs:start', { id: run.id });
    // NaN arrives over IPC; null arrives over JSON (JSON.stringify(NaN) === 'null')
    service.call('runs:appendTrace', { id: run.id, points: [point(0), point(1, { J: NaN }), point(2, { gap: null as unknown as number })] });
    const mid = service.call('runs:get', { id: run.id });
    expect(mid.diagnostics).toMatchObject({ nonFiniteMetric: 'J', nonFiniteIteration: 1 });
    const [trace] = service.call('runs:trace', { ids: [run.id], metrics: ['J', 'gap'] });
    expect(trace.columns.J).toEqual([1, null, 3]);
    expect(trace.columns.gap?.[2]).toBeNull();
    const done = service.call('runs:finish', { id: run.id, status: 'completed', diagnostics: { residual: NaN } });
    expect(done.diagnostics.residual).toBeNull();
    expect(done.status).toBe('failed');
    expect(done.error).toBe('non-finite J at iteration 1 (stored as null)');
  });

  it('marks queued and running runs interrupted when the service starts again after their lease, keeping their trace', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const running = newRun(mdp.id);
    service.call('runs:start', { id: running.id });
    service.call('runs:appendTrace', { id: running.id, points: [point(0), point(1), point(2)] });
    const queued = newRun(mdp.id);
    const finished = newRun(mdp.id);
    service.call('runs:finish', { id: finished.id, status: 'cancelled' });
    db.close(); // the app "crashes"

    db = openDatabase(join(dir, 'wb.sqlite'));
    // within the lease nothing is touched (the owner may still be computing elsewhere) ...
    const early = createWorkbenchService(db, { version: '9.9.9', transport: 'electron' });
    expect(early.recoveredRunIds).toEqual([]);
    // ... once it has expired, they are interrupted
    const later = new Date(Date.now() + early.leaseMs + 1000);
    const again = createWorkbenchService(db, { version: '9.9.9', transport: 'electron' }, { now: () => later });
    expect([...again.recoveredRunIds].sort()).toEqual([running.id, queued.id].sort());
    const r = again.call('runs:get', { id: running.id });
    expect(r).toMatchObject({ status: 'interrupted', iterations: 3 });
    expect(r.error).toMatch(/stopped/);
    expect(again.call('runs:trace', { ids: [running.id] })[0].total).toBe(3);
    expect(again.call('runs:get', { id: queued.id }).status).toBe('interrupted');
    expect(again.call('runs:get', { id: finished.id }).status).toBe('cancelled');
  });

  it('service.invoke validates like the transports and never throws', () => {
    expect(service.invoke('nope:nope', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    const bad = service.invoke('runs:get', { id: 'x', extra: 1 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    if (!bad.ok) expect(bad.error.details).toEqual(['id: expected a number, got string', 'extra: unknown property']);
    expect(service.invoke('runs:get', { id: 5 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(service.invoke('mdps:list', { }, { payloadBytes: 64 * 1024 * 1024 })).toMatchObject({ ok: false, error: { code: 'too-large' } });
  });

  it('downsamples a long trace in one range scan, keeping first and last', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const run = newRun(mdp.id);
    const n = 20_000;
    for (let start = 0; start < n; start += 5000)
      service.call('runs:appendTrace', { id: run.id, points: Array.from({ length: 5000 }, (_, i) => point(start + i)) });
    for (const maxPoints of [2, 3, 500, 1999, 20_000]) {
      const [t] = service.call('runs:trace', { ids: [run.id], metrics: ['gap'], maxPoints });
      expect(t.iteration.length).toBeLessThanOrEqual(maxPoints);
      expect(t.iteration[0]).toBe(0);
      expect(t.iteration.at(-1)).toBe(n - 1);
      for (let i = 1; i < t.iteration.length; i++) expect(t.iteration[i]).toBeGreaterThan(t.iteration[i - 1]);
    }
    // numbering with gaps takes the row-numbered path: same guarantees
    const gappy = newRun(mdp.id);
    service.call('runs:appendTrace', { id: gappy.id, points: Array.from({ length: 1000 }, (_, i) => point(3 * i + 7)) });
    const [g] = service.call('runs:trace', { ids: [gappy.id], metrics: ['J'], maxPoints: 50 });
    expect(g.total).toBe(1000);
    expect(g.iteration.length).toBeLessThanOrEqual(50);
    expect(g.iteration.length).toBeGreaterThan(40);
    expect(g.iteration[0]).toBe(7);
    expect(g.iteration.at(-1)).toBe(3 * 999 + 7);
    expect(g.columns.J).toEqual(g.iteration.map((i) => i + 1));
    expect(traceStride(10, 20)).toBe(1);
  });

  it('keeps a min/max envelope when downsampling: spikes between strided rows survive', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const n = 10_000;
    // a smooth gap with one upward and one downward spike at iterations no stride lands on
    const up = 4321;
    const down = 7777;
    const smooth = (i: number) => 1 / (2 + i);
    for (const offset of [0, 1]) {
      // offset 0: contiguous numbering; 1: every other iteration stored (the row-numbered path)
      const run = newRun(mdp.id);
      const its = Array.from({ length: n }, (_, k) => (offset ? 2 * k : k));
      const spikeUp = offset ? 2 * up : up;
      const spikeDown = offset ? 2 * down : down;
      for (let start = 0; start < n; start += 5000)
        service.call('runs:appendTrace', { id: run.id, points: its.slice(start, start + 5000).map((i) => point(i, { gap: i === spikeUp ? 50 : i === spikeDown ? 1e-9 : smooth(i) })) });
      const [plain] = service.call('runs:trace', { ids: [run.id], metrics: ['gap'], maxPoints: 600 });
      expect(plain.iteration).not.toContain(spikeUp);
      expect(plain.envelope).toBeUndefined();
      const [t] = service.call('runs:trace', { ids: [run.id], metrics: ['gap'], maxPoints: 600, envelope: 'gap' });
      expect(t.envelope).toBe('gap');
      expect(t.total).toBe(n);
      expect(t.iteration.length).toBeLessThanOrEqual(600);
      expect(t.iteration.length).toBeGreaterThan(350); // a decreasing curve: first (= max) and min per bucket
      expect(t.iteration[0]).toBe(its[0]);
      expect(t.iteration.at(-1)).toBe(its[n - 1]);
      for (let i = 1; i < t.iteration.length; i++) expect(t.iteration[i]).toBeGreaterThan(t.iteration[i - 1]);
      const at = (it: number) => t.columns.gap![t.iteration.indexOf(it)];
      expect(at(spikeUp)).toBe(50);
      expect(at(spikeDown)).toBe(1e-9);
      expect(Math.max(...(t.columns.gap as number[]))).toBe(50);
      // each kept row is a stored row, unchanged
      for (let i = 0; i < t.iteration.length; i += 37) {
        const it = t.iteration[i];
        if (it !== spikeUp && it !== spikeDown) expect(t.columns.gap![i]).toBe(smooth(it));
      }
      // a short trace is returned whole, without an envelope flag
      const [whole] = service.call('runs:trace', { ids: [run.id], metrics: ['gap'], maxPoints: n, envelope: 'gap' });
      expect(whole.iteration.length).toBe(n);
      expect(whole.envelope).toBeUndefined();
    }
    expect(traceStride(100, 10)).toBe(13);
  });
});
