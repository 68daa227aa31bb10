/** What every per-domain handler map gets: the database, the event hub and a clock. */
import { WorkbenchApiError, type CallName, type CallPayload, type CallResult } from '../../shared/api';
import type { SqliteDatabase, WorkbenchDatabase } from '../db';
import type { WorkbenchEventHub } from './events';

export interface ServiceContext {
  readonly db: WorkbenchDatabase;
  readonly sql: SqliteDatabase;
  readonly events: WorkbenchEventHub;
  /** ISO-8601 UTC */
  now(): string;
  /** the clock in ms since the epoch (the same clock as `now`) */
  nowMs(): number;
  /**
   * Who this service computes for when a call names no owner: "<kind>:<host>:<pid>:<random>" (the CLI's
   * and the app's own runs). Pages in browser mode pass their own owner with their run calls.
   */
  readonly owner: string;
  /** how long a run's lease lasts after each renewal, ms */
  readonly leaseMs: number;
  /** the app version, recorded on every run this service creates */
  readonly appVersion: string;
}

/** A typed handler map for some of the calls (Beekeeper-style): key = channel, value = its handler. */
export type HandlerMap<C extends CallName> = { [K in C]: (payload: CallPayload<K>) => CallResult<K> };

export type CallsOf<Prefix extends string> = Extract<CallName, `${Prefix}:${string}`>;

export function notFound(what: string, id: number): WorkbenchApiError {
  return new WorkbenchApiError('not-found', `${what} ${id} does not exist`);
}

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
