/** `experiments:*` — named groups of runs. Deleting one keeps its runs (their experiment becomes null). */
import type { ExperimentRecord } from '../../shared/api';
import { notFound, type CallsOf, type HandlerMap, type ServiceContext } from './context';

interface ExperimentRow {
  id: number;
  name: string;
  notes: string;
  mdp_id: number | null;
  created_at: string;
  run_count: number;
}

const toRecord = (r: ExperimentRow): ExperimentRecord => ({
  id: r.id,
  name: r.name,
  notes: r.notes,
  mdpId: r.mdp_id,
  createdAt: r.created_at,
  runCount: r.run_count,
});

const SELECT = `SELECT e.id, e.name, e.notes, e.mdp_id, e.created_at,
  (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS run_count FROM experiments e`;

export function createExperimentHandlers(ctx: ServiceContext): HandlerMap<CallsOf<'experiments'>> {
  const { sql } = ctx;
  const list = sql.prepare<[], ExperimentRow>(`${SELECT} ORDER BY e.id DESC`);
  const get = sql.prepare<[number], ExperimentRow>(`${SELECT} WHERE e.id = ?`);
  const mdpExists = sql.prepare<[number], number>('SELECT 1 FROM mdps WHERE id = ?').pluck();
  const insert = sql.prepare('INSERT INTO experiments (name, notes, mdp_id, created_at) VALUES (?, ?, ?, ?)');
  const del = sql.prepare('DELETE FROM experiments WHERE id = ?');
  const rename = sql.prepare('UPDATE experiments SET name = ? WHERE id = ?');
  const setNotes = sql.prepare('UPDATE experiments SET notes = ? WHERE id = ?');
  return {
    'experiments:list': () => list.all().map(toRecord),
    'experiments:create': ({ name, notes, mdpId }) => {
      if (mdpId != null && !mdpExists.get(mdpId)) throw notFound('MDP', mdpId);
      const id = Number(insert.run(name, notes ?? '', mdpId ?? null, ctx.now()).lastInsertRowid);
      return toRecord(get.get(id)!);
    },
    'experiments:update': ({ id, name, notes }) => {
      if (!get.get(id)) throw notFound('experiment', id);
      if (name !== undefined) rename.run(name, id);
      if (notes !== undefined) setNotes.run(notes, id);
      return toRecord(get.get(id)!);
    },
    'experiments:delete': ({ id }) => ({ deleted: del.run(id).changes > 0 }),
  };
}
