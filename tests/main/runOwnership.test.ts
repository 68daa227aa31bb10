/**
 * Run ownership on a real SQLite file: migration 0003 from a version-2 database with data, run ids
 * never reused, leases (recovery and the sweep touch only expired runs, two services on one file keep
 * each other's runs, the owner re-claims a lapsed run), idempotent appends and MDP reuse by content hash.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase, SCHEMA_VERSION, type WorkbenchDatabase } from '../../src/main/db';
import { createWorkbenchService, mdpContentHash, canonicalJson, type WorkbenchService } from '../../src/main/services';
import { WorkbenchApiError } from '../../src/shared/api';
import { point, tempDir, twoStateMdp } from './fixtures';

let dir: string;
let cleanup: () => void;
const opened: WorkbenchDatabase[] = [];
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  cleanup();
});

function open(file = 'wb.sqlite', migrations = MIGRATIONS): WorkbenchDatabase {
  const db = openDatabase(join(dir, file), { migrations });
  opened.push(db);
  return db;
}

/** A settable clock shared by services, so leases expire without waiting. */
function clock(startMs = Date.parse('2026-01-01T00:00:00Z')) {
  let t = startMs;
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

const runPayload = (mdpId: number) => ({
  mdpId,
  method: 'ot-trpo' as const,
  options: { eps: 0.2 },
  backend: 'reference' as const,
  seed: 1,
  maxIterations: 1000,
});

function conflict(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WorkbenchApiError);
    expect((e as WorkbenchApiError).code).toBe('conflict');
    return (e as WorkbenchApiError).message;
  }
  throw new Error('expected a conflict');
}

describe('migration 0003 (run ownership)', () => {
  it('upgrades a version-2 database with data: ids, traces and snapshots kept; foreign keys valid; ids never reused', () => {
    const v2 = open('wb.sqlite', MIGRATIONS.slice(0, 2));
    expect(v2.schemaVersion).toBe(2);
    const sql = v2.sqlite;
    const now = '2025-06-01T00:00:00.000Z';
    sql
      .prepare(`INSERT INTO mdps (id, name, document, states, actions, action_kind, created_at, updated_at) VALUES (1, 'two-state', ?, 2, 2, 'discrete', ?, ?)`)
      .run(JSON.stringify(twoStateMdp()), now, now);
    const insertRun = sql.prepare(
      `INSERT INTO runs (id, mdp_id, method, options, backend, seed, max_iterations, status, iterations, last_iteration, created_at)
       VALUES (?, 1, 'ot-trpo', '{}', 'reference', 1, 10, ?, ?, ?, ?)`,
    );
    insertRun.run(1, 'completed', 3, 2, now);
    insertRun.run(4, 'running', 2, 1, now);
    insertRun.run(7, 'completed', 1, 0, now);
    const insertPoint = sql.prepare('INSERT INTO trace_points (run_id, iteration, J, policy_change) VALUES (?, ?, ?, ?)');
    for (const [run, n] of [[1, 3], [4, 2], [7, 1]]) for (let i = 0; i < n; i++) insertPoint.run(run, i, run * 10 + i, i ? 0.1 : null);
    sql.prepare('INSERT INTO policy_snapshots (run_id, iteration, S, N, policy) VALUES (4, 1, 1, 1, ?)').run(Buffer.from(new Float64Array([1]).buffer));
    v2.close();
    opened.length = 0;

    const db = open();
    expect(db.applied[0]).toBe('0003_run_ownership.sql');
    expect(db.schemaVersion).toBe(SCHEMA_VERSION);
    expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.sqlite.pragma('foreign_key_check')).toEqual([]);
    const service = createWorkbenchService(db, { version: 't', transport: 'browser' });
    // the v2 'running' run has no lease: recovered as interrupted, its trace kept
    expect(service.recoveredRunIds).toEqual([4]);
    expect(service.call('runs:list', {}).map((r) => [r.id, r.status, r.iterations])).toEqual([
      [7, 'completed', 1],
      [4, 'interrupted', 2],
      [1, 'completed', 3],
    ]);
    const [t1, t4] = service.call('runs:trace', { ids: [1, 4] });
    expect(t1.columns.J).toEqual([10, 11, 12]);
    expect(t4.columns.policyChange).toEqual([null, 0.1]);
    expect(service.call('runs:snapshots', { id: 4 })).toHaveLength(1);
    // the v2 document got its content hash
    expect(db.sqlite.prepare('SELECT content_hash FROM mdps WHERE id = 1').pluck().get()).toBe(mdpContentHash(twoStateMdp()));

    // the largest id is deleted; the next run gets a new id, never 7 again
    expect(service.call('runs:delete', { id: 7 })).toEqual({ deleted: true });
    expect(db.sqlite.prepare('SELECT count(*) FROM trace_points WHERE run_id = 7').pluck().get()).toBe(0);
    const next = service.call('runs:create', runPayload(1));
    expect(next.id).toBe(8);
    service.call('runs:delete', { id: next.id });
    expect(service.call('runs:create', runPayload(1)).id).toBe(9);
    // deleting still cascades (the foreign keys point at the rebuilt table)
    service.call('runs:delete', { id: 4 });
    expect(db.sqlite.prepare('SELECT count(*) FROM policy_snapshots').pluck().get()).toBe(0);
    // the new status is accepted
    const s = service.call('runs:create', runPayload(1));
    service.call('runs:start', { id: s.id });
    expect(service.call('runs:finish', { id: s.id, status: 'stalled', error: 'no progress in 100 iterations' }).status).toBe('stalled');
  });
});

describe('run leases', () => {
  it('two services on one file never end each other live runs; an expired lease is interrupted by the sweep', () => {
    const c = clock();
    const dbA = open();
    const a = createWorkbenchService(dbA, { version: 't', transport: 'browser' }, { now: c.now, leaseMs: 1000 });
    const mdp = a.call('mdps:save', { document: twoStateMdp() });
    const run = a.call('runs:create', runPayload(mdp.id));
    a.call('runs:start', { id: run.id });
    a.call('runs:appendTrace', { id: run.id, points: [point(0)] });
    expect(run.owner).toBe(a.owner);
    expect(a.owner).toMatch(/^browser:[^:]+:\d+:[0-9a-f]{12}$/);

    // a second server on the same file starts while the run is live
    c.advance(600);
    const dbB = open();
    const b = createWorkbenchService(dbB, { version: 't', transport: 'browser' }, { now: c.now, leaseMs: 1000 });
    expect(b.recoveredRunIds).toEqual([]);
    expect(b.sweepExpiredLeases()).toEqual([]);
    // B may not mark A's live run interrupted
    expect(conflict(() => b.call('runs:finish', { id: run.id, status: 'interrupted' }))).toMatch(/computed by browser:/);
    // A keeps appending, which renews the lease past B's sweeps
    for (let i = 1; i <= 5; i++) {
      c.advance(600);
      a.call('runs:appendTrace', { id: run.id, points: [point(i)] });
      expect(b.sweepExpiredLeases()).toEqual([]);
    }
    // A goes quiet (paused): heartbeats keep it
    c.advance(900);
    expect(a.call('runs:heartbeat', { id: run.id })).toMatchObject({ status: 'running', leaseMs: 1000, iterations: 6, lastIteration: 5 });
    c.advance(900);
    expect(b.sweepExpiredLeases()).toEqual([]);
    // A is killed: nobody renews; after the lease B's sweep interrupts the run, trace kept
    c.advance(200);
    expect(b.sweepExpiredLeases()).toEqual([run.id]);
    expect(b.call('runs:get', { id: run.id })).toMatchObject({ status: 'interrupted', iterations: 6, leaseExpiresAt: null });
  });

  it('the owner re-claims a run whose lease lapsed while it was away; others cannot', () => {
    const c = clock();
    const db = open();
    const s = createWorkbenchService(db, { version: 't', transport: 'browser' }, { now: c.now, leaseMs: 1000 });
    const mdp = s.call('mdps:save', { document: twoStateMdp() });
    const page = 'page:127.0.0.1:0:abc';
    const run = s.call('runs:create', { ...runPayload(mdp.id), owner: page });
    s.call('runs:start', { id: run.id, owner: page });
    s.call('runs:appendTrace', { id: run.id, owner: page, points: [point(0), point(1)] });
    c.advance(5000); // the server was down longer than the lease
    expect(s.sweepExpiredLeases()).toEqual([run.id]);
    // someone else cannot append to it
    expect(conflict(() => s.call('runs:appendTrace', { id: run.id, owner: 'page:x:0:other', points: [point(2)] }))).toMatch(/interrupted/);
    // its owner can: the run is running again, nothing lost
    expect(s.call('runs:appendTrace', { id: run.id, owner: page, points: [point(2)] })).toEqual({ stored: 1, iterations: 3, lastIteration: 2 });
    expect(s.call('runs:get', { id: run.id })).toMatchObject({ status: 'running', error: null, finishedAt: null });
    expect(s.call('runs:finish', { id: run.id, owner: page, status: 'completed' }).status).toBe('completed');
    // a retried finish (lost response) is harmless; another status is a conflict
    expect(s.call('runs:finish', { id: run.id, owner: page, status: 'completed' }).status).toBe('completed');
    conflict(() => s.call('runs:finish', { id: run.id, owner: page, status: 'failed' }));
  });

  it('appendTrace is idempotent for a batch already stored and refuses different values there', () => {
    const db = open();
    const s = createWorkbenchService(db, { version: 't', transport: 'browser' });
    const mdp = s.call('mdps:save', { document: twoStateMdp() });
    const run = s.call('runs:create', runPayload(mdp.id));
    s.call('runs:start', { id: run.id });
    const batch1 = [point(0), point(1, { kl: Infinity, trustViolated: true }), point(2, { J: NaN })];
    const batch2 = [point(3), point(4)];
    s.call('runs:appendTrace', { id: run.id, points: batch1 });
    // the response of batch1 was lost: the page sends it again, then again with batch2 coalesced
    expect(s.call('runs:appendTrace', { id: run.id, points: batch1 })).toEqual({ stored: 0, iterations: 3, lastIteration: 2 });
    expect(s.call('runs:appendTrace', { id: run.id, points: [...batch1.slice(1), ...batch2] })).toEqual({ stored: 2, iterations: 5, lastIteration: 4 });
    const [t] = s.call('runs:trace', { ids: [run.id] });
    expect(t.iteration).toEqual([0, 1, 2, 3, 4]);
    // a different value at a stored iteration is a conflict and stores nothing
    expect(conflict(() => s.call('runs:appendTrace', { id: run.id, points: [point(4, { J: 99 }), point(5)] }))).toMatch(
      /overlaps the stored trace .* different values \(last stored iteration 4\)/,
    );
    expect(s.call('runs:get', { id: run.id }).iterations).toBe(5);
  });
});

describe('MDP content hash', () => {
  it('canonical JSON ignores key order and formatting', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 'x' }] })).toBe('{"a":[1,{"c":"x","d":2}],"b":1}');
    expect(mdpContentHash({ a: 1, b: 2 })).toBe(mdpContentHash({ b: 2, a: 1 }));
    expect(mdpContentHash({ a: 1 })).not.toBe(mdpContentHash({ a: 2 }));
  });

  it('saving an identical document returns the stored MDP instead of a copy; an edited one is new', () => {
    const db = open();
    const s: WorkbenchService = createWorkbenchService(db, { version: 't', transport: 'browser' });
    const first = s.call('mdps:save', { document: twoStateMdp(), preset: 'two-state' });
    const reordered = JSON.parse(JSON.stringify(twoStateMdp()), (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    for (let i = 0; i < 10; i++) expect(s.call('mdps:save', { document: i % 2 ? reordered : twoStateMdp(), preset: 'two-state' }).id).toBe(first.id);
    expect(s.call('mdps:list', {})).toHaveLength(1);
    const other = s.call('mdps:save', { document: { ...twoStateMdp(), gamma: 0.8 } });
    expect(other.id).not.toBe(first.id);
    // updating by id re-hashes: the old content is then new again
    s.call('mdps:save', { id: first.id, document: { ...twoStateMdp(), gamma: 0.7 } });
    expect(s.call('mdps:save', { document: twoStateMdp() }).id).not.toBe(first.id);
    expect(s.call('mdps:list', {})).toHaveLength(3);
  });
});
