/**
 * Run membership: every run belongs to one experiment, by default its MDP's default experiment (one per
 * MDP, `is_default = 1`, created on demand). Shared by experiments:*, runs:* and bundle:import.
 */
import { randomBytes } from 'node:crypto';
import type { SqliteDatabase } from '../db';
import { notFound } from './context';

/** A new random 128-bit id (hex), as migration 0006 gives the rows it fills. */
export const newUid = (): string => randomBytes(16).toString('hex');

/** The name of an MDP's default experiment. */
export const defaultExperimentName = (mdpName: string): string => `Default: ${mdpName}`.slice(0, 200);

/**
 * The id of the MDP's default experiment, created when it does not exist yet. Returns `created` so the
 * caller can announce it (onExperimentsChanged) once its transaction has committed.
 */
export function defaultExperimentFor(sql: SqliteDatabase, mdpId: number, now: string): { id: number; created: boolean } {
  const found = sql.prepare<[number], number>('SELECT id FROM experiments WHERE mdp_id = ? AND is_default = 1').pluck().get(mdpId);
  if (found !== undefined) return { id: found, created: false };
  const name = sql.prepare<[number], string>('SELECT name FROM mdps WHERE id = ?').pluck().get(mdpId);
  if (name === undefined) throw notFound('MDP', mdpId);
  const id = Number(
    sql
      .prepare("INSERT INTO experiments (name, notes, mdp_id, created_at, is_default, uid) VALUES (?, '', ?, ?, 1, ?)")
      .run(defaultExperimentName(name), mdpId, now, newUid()).lastInsertRowid,
  );
  return { id, created: true };
}


/**
 * Rows written without the services (raw SQL into a shard database, an older build's process on the same
 * file) may lack a uid or an experiment: give them theirs when a service opens the database. Returns how
 * many runs were filed under a default experiment.
 */
export function backfillMembership(sql: SqliteDatabase, now: string): number {
  return sql.transaction(() => {
    sql.prepare('UPDATE experiments SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL').run();
    sql.prepare('UPDATE runs SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL').run();
    const orphans = sql.prepare<[], { id: number; mdp_id: number }>('SELECT id, mdp_id FROM runs WHERE experiment_id IS NULL').all();
    const move = sql.prepare('UPDATE runs SET experiment_id = ? WHERE id = ?');
    for (const r of orphans) move.run(defaultExperimentFor(sql, r.mdp_id, now).id, r.id);
    return orphans.length;
  })();
}
