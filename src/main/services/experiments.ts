/**
 * `experiments:*` — named groups of runs. Every run belongs to one experiment: a run created (or moved)
 * without one joins its MDP's default experiment (`is_default`, one per MDP, created here on demand;
 * migration 0006 filed the runs of earlier versions). Deleting an experiment either deletes its runs
 * (traces, snapshots) or keeps them, moved to their MDP's default experiment; the default experiment
 * itself can be deleted with its runs, or when it has none.
 */
import { WorkbenchApiError, type ExperimentRecord } from '../../shared/api';
import { defaultExperimentFor, newUid } from './membership';
import { loadRunRecord } from './runs';
import { notFound, type CallsOf, type HandlerMap, type ServiceContext } from './context';

interface ExperimentRow {
  id: number;
  name: string;
  notes: string;
  mdp_id: number | null;
  created_at: string;
  is_default: number;
  uid: string | null;
  run_count: number;
  trace_rows: number;
}

const toRecord = (r: ExperimentRow): ExperimentRecord => ({
  id: r.id,
  name: r.name,
  notes: r.notes,
  mdpId: r.mdp_id,
  createdAt: r.created_at,
  runCount: r.run_count,
  traceRows: r.trace_rows,
  isDefault: r.is_default === 1,
  uid: r.uid ?? '',
});

const SELECT = `SELECT e.id, e.name, e.notes, e.mdp_id, e.created_at, e.is_default, e.uid,
  (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS run_count,
  (SELECT coalesce(sum(r.iterations), 0) FROM runs r WHERE r.experiment_id = e.id) AS trace_rows FROM experiments e`;

export function createExperimentHandlers(ctx: ServiceContext): HandlerMap<CallsOf<'experiments'>> {
  const { sql } = ctx;
  const list = sql.prepare<[], ExperimentRow>(`${SELECT} ORDER BY e.id DESC`);
  const get = sql.prepare<[number], ExperimentRow>(`${SELECT} WHERE e.id = ?`);
  const mdpExists = sql.prepare<[number], number>('SELECT 1 FROM mdps WHERE id = ?').pluck();
  const insert = sql.prepare('INSERT INTO experiments (name, notes, mdp_id, created_at, is_default, uid) VALUES (?, ?, ?, ?, 0, ?)');
  const del = sql.prepare('DELETE FROM experiments WHERE id = ?');
  const rename = sql.prepare('UPDATE experiments SET name = ? WHERE id = ?');
  const setNotes = sql.prepare('UPDATE experiments SET notes = ? WHERE id = ?');
  const runsOf = sql.prepare<[number], { id: number; mdp_id: number }>('SELECT id, mdp_id FROM runs WHERE experiment_id = ? ORDER BY id');
  const deleteRun = sql.prepare('DELETE FROM runs WHERE id = ?');
  const moveRun = sql.prepare('UPDATE runs SET experiment_id = ? WHERE id = ?');

  const record = (id: number): ExperimentRecord => {
    const row = get.get(id);
    if (!row) throw notFound('experiment', id);
    return toRecord(row);
  };

  /** one transaction: the runs go (or move), then the experiment */
  const remove = sql.transaction((e: ExperimentRow, mode: 'keep' | 'delete') => {
    const runs = runsOf.all(e.id);
    const created: number[] = [];
    const moved: number[] = [];
    const deleted: number[] = [];
    if (mode === 'delete') {
      for (const r of runs) if (deleteRun.run(r.id).changes) deleted.push(r.id);
    } else {
      if (e.is_default === 1 && runs.length)
        throw new WorkbenchApiError(
          'conflict',
          `'${e.name}' is the default experiment of its MDP: its ${runs.length} run${runs.length === 1 ? '' : 's'} have nowhere to go; delete it with its runs, or move them to another experiment first`,
        );
      // the default experiments are made before this one goes (a default can never be the one deleted here)
      for (const r of runs) {
        const target = defaultExperimentFor(sql, r.mdp_id, ctx.now());
        if (target.created) created.push(target.id);
        moveRun.run(target.id, r.id);
        moved.push(r.id);
      }
    }
    del.run(e.id);
    return { created, moved, deleted };
  });

  return {
    'experiments:list': () => list.all().map(toRecord),
    'experiments:create': ({ name, notes, mdpId }) => {
      if (mdpId != null && !mdpExists.get(mdpId)) throw notFound('MDP', mdpId);
      const id = Number(insert.run(name, notes ?? '', mdpId ?? null, ctx.now(), newUid()).lastInsertRowid);
      ctx.events.emit('onExperimentsChanged', { ids: [id] });
      return record(id);
    },
    'experiments:update': ({ id, name, notes }) => {
      record(id);
      if (name !== undefined) rename.run(name, id);
      if (notes !== undefined) setNotes.run(notes, id);
      ctx.events.emit('onExperimentsChanged', { ids: [id] });
      return record(id);
    },
    'experiments:delete': ({ id, runs }) => {
      const row = get.get(id);
      if (!row) return { deleted: false, runsDeleted: 0, runsMoved: 0 };
      const out = remove.immediate(row, runs ?? 'keep');
      ctx.events.emit('onExperimentsChanged', { ids: [id, ...out.created] });
      if (out.deleted.length) ctx.events.emit('onRunsDeleted', { ids: out.deleted });
      for (const runId of out.moved) ctx.events.emit('onRunChanged', loadRunRecord(sql, runId));
      return { deleted: true, runsDeleted: out.deleted.length, runsMoved: out.moved.length };
    },
  };
}
