/**
 * `mdps:*` — designs, stored as their JSON document plus the sizes the lists show.
 *
 * Content hash: every stored document carries the sha-256 of its canonical JSON (`mdpContentHash`).
 * `mdps:save` without an id returns the stored MDP whose hash is equal instead of storing a copy (ten
 * `wwb run --mdp preset:X --db F` share one MDP row). Saving with an id updates that row (and its hash).
 */
import { createHash } from 'node:crypto';
import { WorkbenchApiError, type MdpRecord, type MdpSummary } from '../../shared/api';
import type { MdpDocument } from '../../shared/mdp/types';
import { checkMdpDocument } from './mdpDocument';
import { notFound, type CallsOf, type HandlerMap, type ServiceContext } from './context';

interface MdpRow {
  id: number;
  name: string;
  document?: string;
  states: number;
  actions: number;
  action_kind: 'discrete' | 'box';
  preset: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * JSON with the keys of every object sorted and no whitespace: two documents that differ only in key
 * order or formatting give the same text. Arrays keep their order (it is meaningful: states, outcomes).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha-256 (hex) of the canonical JSON of an MDP document. */
export function mdpContentHash(document: unknown): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}

/** Hash the documents stored before schema version 3 (content_hash NULL). Returns how many. */
export function backfillMdpHashes(sql: ServiceContext['sql']): number {
  const rows = sql.prepare<[], { id: number; document: string }>('SELECT id, document FROM mdps WHERE content_hash IS NULL').all();
  if (!rows.length) return 0;
  const set = sql.prepare('UPDATE mdps SET content_hash = ? WHERE id = ?');
  sql.transaction(() => {
    for (const r of rows) {
      let hash: string;
      try {
        hash = mdpContentHash(JSON.parse(r.document));
      } catch {
        continue; // an unreadable document never matches
      }
      set.run(hash, r.id);
    }
  })();
  return rows.length;
}

const SUMMARY_COLUMNS = 'id, name, states, actions, action_kind, preset, created_at, updated_at';

function toSummary(r: MdpRow): MdpSummary {
  return {
    id: r.id,
    name: r.name,
    states: r.states,
    actions: r.actions,
    actionKind: r.action_kind,
    preset: r.preset,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function createMdpHandlers(ctx: ServiceContext): HandlerMap<CallsOf<'mdps'>> {
  const { sql } = ctx;
  const list = sql.prepare<[], MdpRow>(`SELECT ${SUMMARY_COLUMNS} FROM mdps ORDER BY updated_at DESC, id DESC`);
  const get = sql.prepare<[number], MdpRow>(`SELECT ${SUMMARY_COLUMNS}, document FROM mdps WHERE id = ?`);
  const insert = sql.prepare(
    `INSERT INTO mdps (name, document, states, actions, action_kind, preset, created_at, updated_at, content_hash)
     VALUES (@name, @document, @states, @actions, @actionKind, @preset, @now, @now, @hash)`,
  );
  const update = sql.prepare(
    `UPDATE mdps SET name = @name, document = @document, states = @states, actions = @actions,
       action_kind = @actionKind, preset = @preset, updated_at = @now, content_hash = @hash WHERE id = @id`,
  );
  const byHash = sql.prepare<[string], number>('SELECT id FROM mdps WHERE content_hash = ? ORDER BY id LIMIT 1').pluck();
  const runCount = sql.prepare<[number], number>('SELECT count(*) FROM runs WHERE mdp_id = ?').pluck();
  const del = sql.prepare('DELETE FROM mdps WHERE id = ?');

  const read = (id: number): MdpRecord => {
    const row = get.get(id);
    if (!row) throw notFound('MDP', id);
    return { ...toSummary(row), document: JSON.parse(row.document!) as MdpDocument };
  };

  return {
    'mdps:list': () => list.all().map(toSummary),
    'mdps:get': ({ id }) => read(id),
    'mdps:save': ({ id, document, preset }) => {
      const checked = checkMdpDocument(document);
      if (!checked.ok)
        throw new WorkbenchApiError('invalid-payload', `the MDP document '${document.name}' is not valid`, checked.problems);
      const params = {
        name: document.name,
        document: JSON.stringify(document),
        ...checked.facts,
        now: ctx.now(),
        hash: mdpContentHash(document),
      };
      let savedId: number;
      if (id === undefined) {
        const same = byHash.get(params.hash);
        if (same !== undefined) return read(same);
        savedId = Number(insert.run({ ...params, preset: preset ?? null }).lastInsertRowid);
      } else {
        const existing = get.get(id);
        if (!existing) throw notFound('MDP', id);
        // `preset` left out keeps the stored one; null clears it
        update.run({ ...params, id, preset: preset === undefined ? existing.preset : preset });
        savedId = id;
      }
      const record = read(savedId);
      ctx.events.emit('onMdpsChanged', { ids: [savedId] });
      return record;
    },
    'mdps:delete': ({ id }) => {
      const runs = runCount.get(id) ?? 0;
      if (runs > 0)
        throw new WorkbenchApiError('conflict', `MDP ${id} has ${runs} run${runs === 1 ? '' : 's'}; delete them before the MDP`);
      const deleted = del.run(id).changes > 0;
      if (deleted) ctx.events.emit('onMdpsChanged', { ids: [id] });
      return { deleted };
    },
  };
}
