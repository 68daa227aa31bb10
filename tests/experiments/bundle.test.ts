/**
 * Experiments own their runs (default experiment per MDP, migration 0006 backfill, delete with or
 * without runs), bulk run actions, the stored init, and experiment bundles: export → import into a
 * fresh database gives identical traces and snapshots; a second import adds nothing; damaged or hostile
 * bundles are refused whole with a specific message and nothing stored. Real SQLite files throughout.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase, type WorkbenchDatabase } from '../../src/main/db';
import { bundleChecksum, createWorkbenchService, type WorkbenchService } from '../../src/main/services';
import { WorkbenchApiError, type EventName } from '../../src/shared/api';
import { validateCallPayload } from '../../src/shared/apiSchemas';
import { point, tempDir, twoStateMdp } from '../main/fixtures';

let dir: string;
let cleanup: () => void;
const open: WorkbenchDatabase[] = [];
function service(file = 'a.sqlite'): WorkbenchService {
  const db = openDatabase(join(dir, file));
  open.push(db);
  return createWorkbenchService(db, { version: '9.9.9', transport: 'browser' }, { recoverInterrupted: false });
}
beforeEach(() => ({ dir, cleanup } = tempDir('wwb-bundle-')));
afterEach(() => {
  for (const db of open.splice(0)) if (db.sqlite.open) db.close();
  cleanup();
});

const newRun = (s: WorkbenchService, mdpId: number, over: Record<string, unknown> = {}) =>
  s.call('runs:create', { mdpId, method: 'ot-trpo', options: { eps: 0.2 }, backend: 'reference', seed: 1, maxIterations: 10, ...over });

/** A finished run with `n` + 1 trace rows (one with an infinite KL) and two snapshots. */
function finishedRun(s: WorkbenchService, mdpId: number, over: Record<string, unknown> = {}, n = 5): number {
  const r = newRun(s, mdpId, over);
  s.call('runs:start', { id: r.id });
  const points = Array.from({ length: n + 1 }, (_, i) => point(i, { J: 1 + i / 7, kl: i === 2 ? Infinity : i === 0 ? null : i / 100, trustViolated: i === 3 ? true : null }));
  s.call('runs:appendTrace', { id: r.id, points });
  s.call('runs:addSnapshot', { id: r.id, iteration: 0, policy: [0.5, 0.5, 0.5, 0.5] });
  s.call('runs:addSnapshot', { id: r.id, iteration: n, policy: [0.25, 0.75, 1, 0] });
  s.call('runs:finish', { id: r.id, status: 'completed', diagnostics: { Jstar: 9.5 }, wallMs: 12 });
  return r.id;
}

function counts(s: WorkbenchService): Record<string, number> {
  const q = (t: string) => s.db.sqlite.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  return { mdps: q('mdps'), experiments: q('experiments'), runs: q('runs'), trace_points: q('trace_points'), policy_snapshots: q('policy_snapshots') };
}

describe('experiments own their runs', () => {
  it('a run created without an experiment joins its MDP default experiment, made once per MDP', () => {
    const s = service();
    const events: EventName[] = [];
    s.events.subscribe((e) => events.push(e));
    const mdp = s.call('mdps:save', { document: twoStateMdp() });
    const a = newRun(s, mdp.id);
    const b = newRun(s, mdp.id, { seed: 2 });
    expect(a.experimentId).not.toBeNull();
    expect(b.experimentId).toBe(a.experimentId);
    const e = s.call('experiments:list', {}).find((x) => x.id === a.experimentId)!;
    expect(e).toMatchObject({ name: 'Default: two-state', isDefault: true, mdpId: mdp.id, runCount: 2 });
    expect(e.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(a.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(a.uid).not.toBe(b.uid);
    expect(events.filter((x) => x === 'onExperimentsChanged')).toHaveLength(1);
    // moving back with null means the MDP's default
    const other = s.call('experiments:create', { name: 'radii' });
    expect(s.call('runs:update', { id: a.id, experimentId: other.id }).experimentId).toBe(other.id);
    expect(s.call('runs:update', { id: a.id, experimentId: null }).experimentId).toBe(e.id);
  });

  it('migration 0006 files the runs of a version-5 database under one default experiment per MDP', () => {
    const path = join(dir, 'old.sqlite');
    const old = openDatabase(path, { migrations: MIGRATIONS.filter((m) => m.version <= 5) });
    const now = new Date().toISOString();
    const sql = old.sqlite;
    const doc = JSON.stringify(twoStateMdp());
    sql.prepare("INSERT INTO mdps (id, name, document, states, actions, action_kind, created_at, updated_at) VALUES (1, 'm1', ?, 2, 2, 'discrete', ?, ?), (2, 'm2', ?, 2, 2, 'discrete', ?, ?)").run(doc, now, now, doc, now, now);
    sql.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'kept', ?)").run(now);
    const run = sql.prepare("INSERT INTO runs (mdp_id, experiment_id, method, options, backend, seed, max_iterations, status, created_at) VALUES (?, ?, 'ot-trpo', '{}', 'reference', 1, 5, 'completed', ?)");
    run.run(1, null, now);
    run.run(1, null, now);
    run.run(2, null, now);
    run.run(2, 1, now);
    old.close();
    const s = service('old.sqlite');
    const exps = s.call('experiments:list', {});
    expect(exps.map((e) => [e.name, e.isDefault, e.runCount]).sort()).toEqual([
      ['Default: m1', true, 2],
      ['Default: m2', true, 1],
      ['kept', false, 1],
    ]);
    const runs = s.call('runs:list', {});
    expect(runs.every((r) => r.experimentId !== null && /^[0-9a-f]{32}$/.test(r.uid))).toBe(true);
    expect(new Set(runs.map((r) => r.uid)).size).toBe(4);
    expect(runs.every((r) => r.init === null)).toBe(true);
  });

  it('deleting an experiment keeps its runs (moved to their default) or deletes them, in one transaction', () => {
    const s = service();
    const m1 = s.call('mdps:save', { document: twoStateMdp('one') });
    const m2 = s.call('mdps:save', { document: twoStateMdp('two') });
    const e = s.call('experiments:create', { name: 'mixed', notes: '# radii' });
    const a = finishedRun(s, m1.id, { experimentId: e.id });
    const b = finishedRun(s, m2.id, { experimentId: e.id });
    const c = finishedRun(s, m1.id);
    expect(s.call('experiments:list', {}).find((x) => x.id === e.id)).toMatchObject({ runCount: 2, traceRows: 12 });
    const deleted: number[][] = [];
    s.events.subscribe((ev, d) => ev === 'onRunsDeleted' && deleted.push((d as { ids: number[] }).ids));
    expect(s.call('experiments:delete', { id: e.id })).toEqual({ deleted: true, runsDeleted: 0, runsMoved: 2 });
    const ra = s.call('runs:get', { id: a });
    const rb = s.call('runs:get', { id: b });
    expect(s.call('experiments:list', {}).find((x) => x.id === ra.experimentId)).toMatchObject({ isDefault: true, mdpId: m1.id, runCount: 2 });
    expect(s.call('experiments:list', {}).find((x) => x.id === rb.experimentId)).toMatchObject({ isDefault: true, mdpId: m2.id, runCount: 1 });
    expect(s.call('runs:trace', { ids: [a, b] }).map((t) => t.total)).toEqual([6, 6]);
    // the default experiment with runs: only with its runs
    const def1 = ra.experimentId!;
    expect(() => s.call('experiments:delete', { id: def1 })).toThrow(/default experiment of its MDP: its 2 runs have nowhere to go/);
    expect(s.call('runs:list', {})).toHaveLength(3);
    const before = counts(s);
    expect(s.call('experiments:delete', { id: def1, runs: 'delete' })).toEqual({ deleted: true, runsDeleted: 2, runsMoved: 0 });
    expect(deleted).toEqual([[a, c]]);
    const after = counts(s);
    expect(after).toMatchObject({ runs: 1, trace_points: before.trace_points - 12, policy_snapshots: before.policy_snapshots - 4 });
    expect(s.call('runs:get', { id: b }).iterations).toBe(6); // another run untouched
    expect(s.call('experiments:delete', { id: 999 })).toEqual({ deleted: false, runsDeleted: 0, runsMoved: 0 });
    expect(validateCallPayload('experiments:delete', { id: 1, runs: 'drop' })[0]).toMatch(/runs: expected one of "keep", "delete"/);
  });

  it('bulk: tags added / removed and runs moved in one call; bulk delete names what existed', () => {
    const s = service();
    const mdp = s.call('mdps:save', { document: twoStateMdp() });
    const ids = [finishedRun(s, mdp.id), finishedRun(s, mdp.id, { seed: 2 }), finishedRun(s, mdp.id, { seed: 3 })];
    s.call('runs:update', { id: ids[0], tags: ['old', 'keep'] });
    const e = s.call('experiments:create', { name: 'bulk' });
    const out = s.call('runs:updateMany', { ids: ids.slice(0, 2), addTags: ['sweep', ' new '], removeTags: ['old'], experimentId: e.id });
    expect(out.map((r) => [r.tags, r.experimentId])).toEqual([
      [['keep', 'sweep', 'new'], e.id],
      [['sweep', 'new'], e.id],
    ]);
    expect(() => s.call('runs:updateMany', { ids: [ids[2], 999], addTags: ['x'] })).toThrow(/run 999 does not exist/);
    expect(s.call('runs:get', { id: ids[2] }).tags).toEqual([]); // nothing changed
    expect(s.call('runs:deleteMany', { ids: [ids[0], ids[1], 999] })).toEqual({ deleted: 2, ids: [ids[0], ids[1]] });
    expect(s.call('runs:list', {}).map((r) => r.id)).toEqual([ids[2]]);
    expect(s.call('runs:trace', { ids: [ids[2]] })[0].total).toBe(6);
  });

  it('records the init: uniform, random with its seed, a given policy (validated) — runs:init returns it', () => {
    const s = service();
    const mdp = s.call('mdps:save', { document: twoStateMdp() });
    expect(newRun(s, mdp.id, { init: { kind: 'uniform' } }).init).toEqual({ kind: 'uniform' });
    expect(newRun(s, mdp.id, { seed: 7, init: { kind: 'random' } }).init).toEqual({ kind: 'random', seed: 7 });
    const p = newRun(s, mdp.id, { init: { kind: 'policy', policy: [0.1, 0.9, 1, 0], source: 'run 3' } });
    expect(s.call('runs:init', { id: p.id })).toEqual({ id: p.id, init: { kind: 'policy', source: 'run 3' }, policy: [0.1, 0.9, 1, 0] });
    expect(s.call('runs:init', { id: newRun(s, mdp.id).id })).toMatchObject({ init: null, policy: null });
    expect(() => newRun(s, mdp.id, { init: { kind: 'policy', policy: [0.5, 0.6, 1, 0] } })).toThrow(/init.policy: row of state 0 sums to 1.1/);
    expect(() => newRun(s, mdp.id, { init: { kind: 'policy', policy: [1, 0] } })).toThrow(/S \* N = 2 \* 2 = 4/);
    expect(validateCallPayload('runs:create', { mdpId: 1, method: 'ot-trpo', options: {}, backend: 'reference', seed: 1, maxIterations: 2, init: { kind: 'sideways' } })).toEqual([
      'init.kind: expected one of "uniform", "random", "policy", got "sideways"',
    ]);
  });
});

describe('experiment bundles', () => {
  function sourceWithExperiment(s: WorkbenchService) {
    const m1 = s.call('mdps:save', { document: twoStateMdp('cliff') });
    const m2 = s.call('mdps:save', { document: twoStateMdp('bandit') });
    const e = s.call('experiments:create', { name: 'radii sweep', notes: '## OT vs KL\n- **two** radii' });
    const a = finishedRun(s, m1.id, { experimentId: e.id, label: 'r=0.2', init: { kind: 'random', seed: 4 } });
    const b = finishedRun(s, m2.id, { experimentId: e.id, options: { eps: 0.05 }, init: { kind: 'policy', policy: [0.3, 0.7, 0.5, 0.5] } }, 9);
    s.call('runs:update', { id: a, tags: ['baseline'], notes: 'the *first*' });
    const active = newRun(s, m1.id, { experimentId: e.id }); // queued: not exported
    return { e, a, b, active: active.id, m1, m2 };
  }

  it('round trip: a fresh database gets the same traces, snapshots, configs, ids remapped; a second import adds nothing', () => {
    const src = service('src.sqlite');
    const { e, a, b, active } = sourceWithExperiment(src);
    const out = src.call('bundle:export', { experimentIds: [e.id] });
    expect(out).toMatchObject({ mdps: 2, experiments: 1, runs: 2, skippedActive: [active] });
    expect(out.fileName).toMatch(/^wwb-bundle-radii-sweep-\d{4}-\d{2}-\d{2}\.json$/);
    const parsed = JSON.parse(out.text);
    expect(parsed).toMatchObject({ format: 'wasserstein-workbench/bundle', formatVersion: 1, appVersion: '9.9.9' });
    expect(parsed.checksum).toBe(bundleChecksum(parsed.content));

    const dst = service('dst.sqlite');
    // an unrelated run first, so that ids differ
    const other = dst.call('mdps:save', { document: twoStateMdp('other') });
    finishedRun(dst, other.id);
    const events: EventName[] = [];
    dst.events.subscribe((ev) => events.push(ev));
    const first = dst.call('bundle:import', { text: out.text });
    expect(first).toMatchObject({ runsSkipped: 0, mdpsCreated: 2, mdpsReused: 0, experimentsCreated: 1, experimentsReused: 0 });
    expect(first.runIds).toHaveLength(2);
    expect(events.filter((x) => x === 'onRunChanged')).toHaveLength(2);
    const srcRuns = [a, b].map((id) => src.call('runs:get', { id }));
    const dstRuns = first.runIds.map((id) => dst.call('runs:get', { id }));
    expect(dstRuns.map((r) => r.id)).not.toEqual(srcRuns.map((r) => r.id));
    for (let i = 0; i < 2; i++) {
      const [x, y] = [srcRuns[i], dstRuns[i]];
      const pick = (r: typeof x) => ({ ...r, id: 0, experimentId: 0, mdpId: 0, owner: null, leaseExpiresAt: null });
      expect(pick(y)).toEqual(pick(x));
      const [tx] = src.call('runs:trace', { ids: [x.id] });
      const [ty] = dst.call('runs:trace', { ids: [y.id] });
      expect({ ...ty, runId: 0 }).toEqual({ ...tx, runId: 0 });
      expect(tx.columns.kl![2]).toBe(Infinity);
      expect(dst.call('runs:snapshots', { id: y.id }).map((s) => [s.iteration, s.policy])).toEqual(
        src.call('runs:snapshots', { id: x.id }).map((s) => [s.iteration, s.policy]),
      );
      expect(dst.call('runs:init', { id: y.id })).toEqual({ ...src.call('runs:init', { id: x.id }), id: y.id });
    }
    const imported = dst.call('experiments:list', {}).find((x) => x.name === 'radii sweep')!;
    expect(imported).toMatchObject({ notes: '## OT vs KL\n- **two** radii', runCount: 2, uid: e.uid });
    expect(dstRuns.every((r) => r.experimentId === imported.id)).toBe(true);

    const before = counts(dst);
    const second = dst.call('bundle:import', { text: out.text });
    expect(second).toMatchObject({ runIds: [], runsSkipped: 2, mdpsCreated: 0, mdpsReused: 2, experimentsCreated: 0, experimentsReused: 1 });
    expect(second.idMap).toEqual(first.idMap);
    expect(counts(dst)).toEqual(before);
    // and back into the source: everything is already there
    expect(src.call('bundle:import', { text: out.text })).toMatchObject({ runIds: [], runsSkipped: 2, mdpsCreated: 0 });
  });

  it('a single run travels with its (default) experiment; the default maps to the MDP default there', () => {
    const src = service('src.sqlite');
    const m = src.call('mdps:save', { document: twoStateMdp('solo') });
    const id = finishedRun(src, m.id);
    const out = src.call('bundle:export', { runIds: [id] });
    const dst = service('dst.sqlite');
    const dm = dst.call('mdps:save', { document: twoStateMdp('solo') });
    const mine = newRun(dst, dm.id); // the default experiment exists here already
    const r = dst.call('bundle:import', { text: out.text });
    expect(r).toMatchObject({ mdpsReused: 1, mdpsCreated: 0, experimentsReused: 1, experimentsCreated: 0 });
    expect(dst.call('runs:get', { id: r.runIds[0] }).experimentId).toBe(mine.experimentId);
    expect(() => src.call('bundle:export', {})).toThrow(/name the experiments and \/ or runs/);
    expect(() => src.call('bundle:export', { runIds: [777] })).toThrow(/run 777 does not exist/);
  });

  describe('damaged or hostile bundles are refused whole, nothing stored', () => {
    let text: string;
    let dst: WorkbenchService;
    let before: Record<string, number>;
    beforeEach(() => {
      const src = service('src.sqlite');
      const { e } = sourceWithExperiment(src);
      text = src.call('bundle:export', { experimentIds: [e.id] }).text;
      dst = service('dst.sqlite');
      before = counts(dst);
    });
    /** edit the parsed bundle; `reseal` recomputes the checksum (a hostile file, not a damaged one) */
    const edited = (f: (b: any) => void, reseal = true): string => {
      const b = JSON.parse(text);
      f(b);
      if (reseal) b.checksum = bundleChecksum(b.content);
      return JSON.stringify(b);
    };
    const refused = (t: string, message: RegExp): void => {
      let error: unknown;
      try {
        dst.call('bundle:import', { text: t });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WorkbenchApiError);
      expect((error as WorkbenchApiError).code).toBe('invalid-payload');
      expect((error as Error).message).toMatch(/^bundle refused, nothing was stored: /);
      expect((error as Error).message).toMatch(message);
      expect(counts(dst)).toEqual(before);
    };

    it.each([
      ['truncated file', (t: string) => t.slice(0, t.length - 100), /not valid JSON \(damaged or truncated\?\)/],
      ['not a bundle', () => JSON.stringify({ format: 'wasserstein-workbench/mdp' }), /not an experiment bundle: format is "wasserstein-workbench\/mdp"/],
      ['unknown format version', () => edited((b) => (b.formatVersion = 2)), /unknown bundle format version 2: this app \(bundle format 1\) cannot read it/],
      ['bad checksum (a trace value edited)', () => edited((b) => (b.content.runs[0].trace.columns.J[3] = 123), false), /the bundle is damaged: its checksum is sha256:[0-9a-f]{64} but its content hashes to/],
      ['wrong type', () => edited((b) => (b.content.runs[1].seed = 'one')), /content\.runs\[1\]\.seed: expected a number, got string/],
      ['NaN where a number must be', () => edited((b) => (b.content.runs[0].trace.columns.gap[1] = 'NaN')), /content\.runs\[0\]\.trace\.columns\.gap\[1\]: expected a number, null, "Infinity" or "-Infinity", got 'NaN'/],
      ['NaN in a policy', () => edited((b) => (b.content.runs[0].snapshots[0].policy[0] = 'NaN')), /content\.runs\[0\]\.snapshots\[0\]\.policy\[0\]: expected a number, got string/],
      ['a reference to a missing MDP', () => edited((b) => (b.content.runs[0].mdpKey = 42)), /content\.runs\[0\]\.mdpKey 42 names no MDP of the bundle/],
      ['a reference to a missing experiment', () => edited((b) => (b.content.runs[1].experimentKey = 9)), /content\.runs\[1\]\.experimentKey 9 names no experiment of the bundle/],
      ['huge: too many runs', () => edited((b) => (b.content.runs = Array.from({ length: 10_001 }, () => b.content.runs[0]))), /content\.runs: must have at most 10000 items, got 10001/],
      ['huge: a trace longer than its budget', () => edited((b) => (b.content.runs[0].maxIterations = 2)), /content\.runs\[0\]\.trace has 6 rows; a run of 2 iterations has at most 3/],
      ['columns that do not line up', () => edited((b) => b.content.runs[0].trace.columns.J.pop()), /content\.runs\[0\]\.trace\.columns\.J has 5 values for 6 rows/],
      ['a policy of the wrong size', () => edited((b) => b.content.runs[0].snapshots[0].policy.push(0)), /content\.runs\[0\]\.snapshots\[0\]\.policy has 5 values; its MDP needs S \* N = 4/],
      ['an MDP whose document does not match its hash', () => edited((b) => (b.content.mdps[0].document.gamma = 0.5)), /content\.mdps\[0\]\.contentHash does not match its document/],
      ['an invalid MDP document', () => edited((b) => { b.content.mdps[0].document.gamma = 0.5; b.content.mdps[0].document.transitions.entries[0].p = 0.5; }), /content\.mdps\[0\]\.document is not a valid MDP/],
      ['an unknown method', () => edited((b) => (b.content.runs[0].method = 'rm -rf')), /content\.runs\[0\]\.method: unknown method 'rm -rf'/],
      ['an unknown property', () => edited((b) => (b.content.runs[0].owner = 'me')), /content\.runs\[0\]\.owner: unknown property/],
      ['an active status', () => edited((b) => (b.content.runs[0].status = 'running')), /content\.runs\[0\]\.status: expected one of/],
      ['the same run twice', () => edited((b) => b.content.runs.push(b.content.runs[0])), /content\.runs\[2\]\.uid [0-9a-f]{32} is used twice/],
      ['deep nesting', () => edited((b) => { let x: any = {}; const root = x; for (let i = 0; i < 100; i++) x = x.a = {}; b.content.runs[0].diagnostics = root; }), /nested deeper than 64 levels/],
    ] as const)('%s', (_name, make, message) => refused(make(text), message));

    it('a fault half-way through storing (the trace of the second run) leaves nothing: one transaction', () => {
      // a fault the checks cannot foresee (a full disk, a lock): simulated by a trigger in this database
      dst.db.sqlite.exec("CREATE TRIGGER fault BEFORE INSERT ON trace_points WHEN NEW.iteration = 8 BEGIN SELECT RAISE(ABORT, 'simulated write fault'); END");
      expect(() => dst.call('bundle:import', { text })).toThrow(/simulated write fault/);
      expect(counts(dst)).toEqual(before);
      dst.db.sqlite.exec('DROP TRIGGER fault');
      expect(dst.call('bundle:import', { text }).runIds).toHaveLength(2);
    });
  });
});
