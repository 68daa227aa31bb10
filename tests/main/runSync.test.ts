/**
 * The page's run streaming (src/renderer/src/api/runSync.ts) against the real services on a real
 * SQLite file, through a transport that can go down or lose responses like a killed server: nothing
 * computed is dropped, retries are harmless, finish comes after the last batch, a full queue holds the
 * worker, and a run whose lease lapsed while the server was away is re-claimed.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type WorkbenchDatabase } from '../../src/main/db';
import { createWorkbenchService, type WorkbenchService } from '../../src/main/services';
import { CALL_NAMES, WorkbenchApiError, type WorkbenchApi } from '../../src/shared/api';
import { RunSync, type SyncState } from '../../src/shared/runSync';
import { point, tempDir, twoStateMdp } from './fixtures';

let dir: string;
let cleanup: () => void;
let db: WorkbenchDatabase;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  db = openDatabase(join(dir, 'wb.sqlite'));
});
afterEach(() => {
  db.close();
  cleanup();
});

/**
 * The services behind a JSON transport with faults: `down` refuses every call as unreachable; `loseNext`
 * lets the next n calls reach the services but loses their responses (the server died after storing).
 */
function flakyApi(service: WorkbenchService) {
  const link = { down: false, loseNext: 0, calls: [] as string[] };
  const api: Record<string, unknown> = {};
  for (const name of CALL_NAMES) {
    api[name] = async (payload: unknown) => {
      await new Promise((r) => setTimeout(r, 1));
      link.calls.push(name);
      if (link.down) throw new WorkbenchApiError('unavailable', 'The workbench server is unreachable (connection refused).');
      const outcome = service.invoke(name, JSON.parse(JSON.stringify(payload)));
      if (link.loseNext > 0) {
        link.loseNext--;
        throw new WorkbenchApiError('unavailable', 'The workbench server went away during the call.');
      }
      if (!outcome.ok) throw new WorkbenchApiError(outcome.error.code, outcome.error.message, outcome.error.details ?? []);
      return outcome.result;
    };
  }
  return { api: api as unknown as WorkbenchApi, link };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function newRun(service: WorkbenchService, owner: string) {
  const mdp = service.call('mdps:save', { document: twoStateMdp() });
  return service.call('runs:create', { mdpId: mdp.id, method: 'ot-trpo', options: {}, backend: 'reference', seed: 1, maxIterations: 100_000, owner });
}

describe('RunSync', () => {
  it('stores every batch in order through outages and lost responses, then finishes', async () => {
    const service = createWorkbenchService(db, { version: 't', transport: 'browser' });
    const { api, link } = flakyApi(service);
    const owner = 'page:test:0:aaaaaa';
    const run = newRun(service, owner);
    const states: SyncState[] = [];
    const sync = new RunSync({ api, runId: run.id, owner, retryDelayMs: () => 3, maxBatchPoints: 64, onState: (s) => states.push(s) });
    sync.start();
    let it = 0;
    let snapshotAt = -1;
    for (let b = 0; b < 60; b++) {
      if (b === 10) link.loseNext = 2; // stored, answers lost: the retries must not duplicate or conflict
      if (b === 20) link.down = true; // the server is killed ...
      if (b === 35) link.down = false; // ... and back
      const batch = Array.from({ length: 1 + (b % 7) }, () => point(it++));
      sync.points(batch);
      if (b === 40) sync.snapshot((snapshotAt = it - 1), [0.5, 0.5, 1, 0]);
      await sleep(b % 3);
    }
    expect(states.some((s) => s.connection === 'retrying')).toBe(true);
    const done = await sync.finish({ status: 'completed', diagnostics: { stopReason: 'max iterations' } });
    expect(done).toMatchObject({ status: 'completed', iterations: it, owner });
    const [trace] = service.call('runs:trace', { ids: [run.id] });
    expect(trace.iteration).toEqual(Array.from({ length: it }, (_, i) => i));
    expect(service.call('runs:snapshots', { id: run.id }).map((s) => s.iteration)).toEqual([snapshotAt]);
    expect(sync.state).toMatchObject({ connection: 'online', computed: it, stored: it, queued: 0 });
    // finish was the last call, after the last append
    expect(link.calls.lastIndexOf('runs:finish')).toBeGreaterThan(link.calls.lastIndexOf('runs:appendTrace'));
  });

  it('holds the worker while the queue is over its bound and lets it go once drained', async () => {
    const service = createWorkbenchService(db, { version: 't', transport: 'browser' });
    const { api, link } = flakyApi(service);
    const owner = 'page:test:0:bbbbbb';
    const run = newRun(service, owner);
    const holds: boolean[] = [];
    const sync = new RunSync({ api, runId: run.id, owner, retryDelayMs: () => 5, maxQueuedPoints: 100, onBackpressure: (h) => holds.push(h) });
    sync.start();
    link.down = true;
    for (let i = 0; i < 150; i++) sync.points([point(i)]);
    expect(holds).toEqual([true]);
    expect(sync.state).toMatchObject({ held: true, queued: 150, stored: 0 });
    link.down = false;
    await sync.idle();
    expect(holds).toEqual([true, false]);
    expect(sync.state).toMatchObject({ held: false, queued: 0, stored: 150 });
    sync.dispose();
  });

  it('re-claims its run when the lease lapsed while the server was away', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const now = () => new Date(t);
    const service = createWorkbenchService(db, { version: 't', transport: 'browser' }, { now, leaseMs: 1000 });
    const { api, link } = flakyApi(service);
    const owner = 'page:test:0:cccccc';
    const run = newRun(service, owner);
    const sync = new RunSync({ api, runId: run.id, owner, retryDelayMs: () => 3 });
    sync.start();
    sync.points([point(0), point(1)]);
    await sync.idle();
    link.down = true;
    sync.points([point(2), point(3)]);
    await sleep(20);
    t += 5000; // down for longer than the lease: a restarted server's recovery interrupts the run
    expect(service.sweepExpiredLeases()).toEqual([run.id]);
    expect(service.call('runs:get', { id: run.id }).status).toBe('interrupted');
    link.down = false;
    sync.retryNow();
    const done = await sync.finish({ status: 'completed' });
    expect(done).toMatchObject({ status: 'completed', iterations: 4, error: null });
    sync.dispose();
  });
});
