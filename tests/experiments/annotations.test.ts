/** Run tags / notes / label, experiment rename and notes, the recorded app version and config hash, on a real SQLite file. */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type WorkbenchDatabase } from '../../src/main/db';
import { createWorkbenchService, type WorkbenchService } from '../../src/main/services';
import { WorkbenchApiError } from '../../src/shared/api';
import { validateCallPayload } from '../../src/shared/apiSchemas';
import { point, tempDir, twoStateMdp } from '../main/fixtures';

let dir: string;
let cleanup: () => void;
let db: WorkbenchDatabase;
let service: WorkbenchService;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  db = openDatabase(join(dir, 'wb.sqlite'));
  service = createWorkbenchService(db, { version: '9.9.9', transport: 'browser' });
});
afterEach(() => {
  db.close();
  cleanup();
});

const newRun = (mdpId: number, over: Record<string, unknown> = {}) =>
  service.call('runs:create', { mdpId, method: 'ot-trpo', options: { eps: 0.2 }, backend: 'reference', seed: 1, maxIterations: 10, ...over });

describe('run annotations', () => {
  it('label, tags and notes are stored, normalised and survive a reopen; other runs are untouched', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const a = newRun(mdp.id);
    const b = newRun(mdp.id, { seed: 2 });
    service.call('runs:appendTrace', { id: a.id, points: [point(0), point(1)] });
    const events: number[] = [];
    service.events.subscribe((e, d) => e === 'onRunChanged' && events.push((d as { id: number }).id));
    const updated = service.call('runs:update', { id: a.id, label: 'radius 0.2', tags: [' baseline ', 'sweep', 'baseline', ''], notes: '# why\nbecause' });
    expect(updated).toMatchObject({ label: 'radius 0.2', tags: ['baseline', 'sweep'], notes: '# why\nbecause', iterations: 2, status: 'queued' });
    expect(events).toEqual([a.id]);
    // a partial update changes only what it names
    expect(service.call('runs:update', { id: a.id, notes: '' })).toMatchObject({ label: 'radius 0.2', tags: ['baseline', 'sweep'], notes: '' });
    db.close();
    db = openDatabase(join(dir, 'wb.sqlite'));
    service = createWorkbenchService(db, { version: '9.9.9', transport: 'browser' }, { recoverInterrupted: false });
    expect(service.call('runs:get', { id: a.id })).toMatchObject({ label: 'radius 0.2', tags: ['baseline', 'sweep'] });
    expect(service.call('runs:get', { id: b.id })).toMatchObject({ label: '', tags: [], notes: '' });
    expect(service.call('runs:trace', { ids: [a.id] })[0].total).toBe(2);
  });

  it('records the app version and a config hash that ignores the backend and follows the question', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const a = newRun(mdp.id);
    expect(a.appVersion).toBe('9.9.9');
    expect(a.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(newRun(mdp.id, { backend: 'webgpu' }).configHash).toBe(a.configHash);
    // defaults filled in: the explicit default is the same question
    expect(newRun(mdp.id, { seed: 2 }).configHash).not.toBe(a.configHash);
    expect(newRun(mdp.id, { options: { eps: 0.3 } }).configHash).not.toBe(a.configHash);
    const other = service.call('mdps:save', { document: twoStateMdp('other') });
    expect(newRun(other.id).configHash).not.toBe(a.configHash);
  });

  it('moves a run between experiments; refuses unknown ids with a specific message; bad payloads are refused', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const a = newRun(mdp.id);
    const e = service.call('experiments:create', { name: 'radii' });
    expect(service.call('runs:update', { id: a.id, experimentId: e.id }).experimentId).toBe(e.id);
    expect(() => service.call('runs:update', { id: a.id, experimentId: 999 })).toThrow(/experiment 999 does not exist/);
    expect(() => service.call('runs:update', { id: 999, label: 'x' })).toThrow(WorkbenchApiError);
    expect(validateCallPayload('runs:update', { id: a.id, tags: ['x'.repeat(61)] }).join(' ')).toMatch(/tags\[0\]/);
    expect(validateCallPayload('runs:update', { id: a.id, colour: 'red' }).length).toBeGreaterThan(0);
  });

  it('experiments: rename and notes; delete keeps the runs (moved to the MDP default experiment)', () => {
    const mdp = service.call('mdps:save', { document: twoStateMdp() });
    const e = service.call('experiments:create', { name: 'first', notes: 'n' });
    const a = newRun(mdp.id, { experimentId: e.id });
    expect(service.call('experiments:update', { id: e.id, name: 'renamed' })).toMatchObject({ name: 'renamed', notes: 'n', runCount: 1 });
    expect(service.call('experiments:update', { id: e.id, notes: '**bold**' })).toMatchObject({ name: 'renamed', notes: '**bold**' });
    expect(() => service.call('experiments:update', { id: 77, name: 'x' })).toThrow(/experiment 77 does not exist/);
    expect(service.call('experiments:delete', { id: e.id })).toEqual({ deleted: true, runsDeleted: 0, runsMoved: 1 });
    const moved = service.call('runs:get', { id: a.id }).experimentId;
    expect(service.call('experiments:list', {}).find((x) => x.id === moved)).toMatchObject({ isDefault: true, mdpId: mdp.id });
  });
});
