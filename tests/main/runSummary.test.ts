/**
 * runs:summary (Compare's summary table, computed in SQLite) against summariseRun (shared/stats) over the
 * full-resolution trace read back with runs:trace: the same statistics from every stored row, with
 * non-finite values, gaps in the numbering and trust violations.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkbenchApiError } from '../../src/shared/api';
import { openDatabase, type WorkbenchDatabase } from '../../src/main/db';
import { createWorkbenchService, type WorkbenchService } from '../../src/main/services';
import { summariseRun } from '../../src/shared/stats';
import { point, tempDir, twoStateMdp } from './fixtures';

let cleanup: () => void;
let db: WorkbenchDatabase;
let service: WorkbenchService;
beforeEach(() => {
  let dir: string;
  ({ dir, cleanup } = tempDir());
  db = openDatabase(join(dir, 'wb.sqlite'));
  service = createWorkbenchService(db, { version: '9.9.9', transport: 'browser' });
});
afterEach(() => {
  db.close();
  cleanup();
});

function newRun(mdpId: number) {
  return service.call('runs:create', { mdpId, method: 'ot-trpo', options: { eps: 0.2 }, backend: 'reference', seed: 1, maxIterations: 100_000, label: 'r' });
}

describe('runs:summary', () => {
  it('gives what summariseRun gives over the full trace, for every gap target', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const a = newRun(mdp.id);
    // a wavy decreasing gap with a spike, a NaN (stored as null) and an infinite J; every 7th update violated;
    // the last rows have no finite gap or J (the "final" value is the last finite one)
    const n = 3000;
    const pts = Array.from({ length: n }, (_, k) => {
      const i = 2 * k; // gaps in the numbering
      const gap = k === 1234 ? 5 : k === 2000 ? Number.NaN : k >= n - 2 ? Number.POSITIVE_INFINITY : Math.exp(-k / 200) * (1.5 + Math.sin(k / 9));
      const J = k === 999 ? Number.POSITIVE_INFINITY : k === n - 1 ? Number.NaN : 3 - gap * (k % 5 === 0 ? 1.1 : 1);
      return point(i, { gap, J, trustViolated: k % 7 === 3, wallMs: 0.5 * k });
    });
    for (let s = 0; s < n; s += 1000) service.call('runs:appendTrace', { id: a.id, points: pts.slice(s, s + 1000) });
    const b = newRun(mdp.id); // no rows at all
    const [full] = service.call('runs:trace', { ids: [a.id], metrics: ['J', 'gap', 'trustViolated', 'wallMs'] });
    const cols = { iteration: full.iteration, J: full.columns.J!, gap: full.columns.gap!, trustViolated: full.columns.trustViolated!, wallMs: full.columns.wallMs! };
    for (const target of [1e-6, 1e-3, 0.2, 1, 10, 0, -1]) {
      const [sa, sb] = service.call('runs:summary', { ids: [a.id, b.id], gapTarget: target });
      expect(sa.runId).toBe(a.id);
      expect(sa.total).toBe(n);
      const { runId: _id, total: _total, ...stats } = sa;
      expect(stats).toEqual(summariseRun(cols, target));
      expect(sb).toEqual({ runId: b.id, total: 0, finalJ: null, bestJ: null, finalGap: null, bestGap: null, itersToGap: null, timeToGapMs: null, violations: 0 });
    }
    // the spike and the infinities do not count; the last finite values are 2 rows before the end
    const [s] = service.call('runs:summary', { ids: [a.id], gapTarget: 1e-3 });
    expect(s.violations).toBe(pts.filter((p) => p.trustViolated === true).length);
    expect(s.finalGap).toBe(pts[n - 3].gap);
    expect(s.finalJ).toBe(pts[n - 3].J);
    expect(s.itersToGap).not.toBeNull();
    expect(s.timeToGapMs).toBe(0.5 * (s.itersToGap! / 2));
  });

  it('refuses an unknown run and a non-finite target with specific messages', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(WorkbenchApiError);
        return e as WorkbenchApiError;
      }
      throw new Error('expected a WorkbenchApiError');
    };
    expect(err(() => service.call('runs:summary', { ids: [424242], gapTarget: 1e-6 })).code).toBe('not-found');
    const bad = err(() => service.call('runs:summary', { ids: [1], gapTarget: Number.POSITIVE_INFINITY } as never));
    expect(bad.code).toBe('invalid-payload');
    expect(bad.message + (bad.details ?? []).join(' ')).toMatch(/gapTarget.*finite/);
  });
});
