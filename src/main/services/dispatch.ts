/**
 * The one place a call from outside enters the services — shared by the Electron IPC handlers, the
 * browser-mode HTTP bridge and `service.invoke`. Order: known channel → payload size → schema
 * (src/shared/apiSchemas.ts) → handler. Every failure becomes an ApiErrorBody; nothing is thrown.
 */
import { WorkbenchApiError, type ApiErrorBody, type CallName } from '../../shared/api';
import { MAX_PAYLOAD_DEPTH, isCallName, jsonByteLength, payloadDepth, payloadSizeProblem, validateCallPayload } from '../../shared/apiSchemas';
import type { HandlerMap } from './context';
import { ERROR_HTTP_STATUS } from '../../shared/wire';

export type CallOutcome = { ok: true; result: unknown } | { ok: false; error: ApiErrorBody };

const fail = (code: ApiErrorBody['code'], message: string, details?: string[]): CallOutcome => ({
  ok: false,
  error: details && details.length ? { code, message, details } : { code, message },
});

/** SQLite error codes that mean "the request contradicts stored data", not a bug. */
const CONFLICT_CODES = new Set([
  'SQLITE_CONSTRAINT_FOREIGNKEY',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_CHECK',
]);

export function toErrorBody(e: unknown): ApiErrorBody {
  if (e instanceof WorkbenchApiError)
    return e.details.length ? { code: e.code, message: e.message, details: e.details } : { code: e.code, message: e.message };
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === 'string' && CONFLICT_CODES.has(code)) return { code: 'conflict', message };
  if (code === 'SQLITE_BUSY') return { code: 'internal', message: `the database is busy (another process holds a lock): ${message}` };
  return { code: 'internal', message };
}

export function invokeCall(
  handlers: HandlerMap<CallName>,
  channel: string,
  payload: unknown,
  options: { payloadBytes?: number } = {},
): CallOutcome {
  if (!isCallName(channel)) return fail('unknown-channel', `unknown channel '${String(channel).slice(0, 100)}'`);
  // before anything walks it recursively (JSON.stringify for the size, a handler)
  if (payloadDepth(payload) > MAX_PAYLOAD_DEPTH)
    return fail('invalid-payload', `invalid payload for ${channel}`, [`payload: nested deeper than ${MAX_PAYLOAD_DEPTH} levels of objects and arrays`]);
  const tooLarge = payloadSizeProblem(options.payloadBytes ?? jsonByteLength(payload));
  if (tooLarge) return fail('too-large', tooLarge);
  const problems = validateCallPayload(channel, payload);
  if (problems.length) return fail('invalid-payload', `invalid payload for ${channel}`, problems);
  try {
    const handler = handlers[channel] as (p: unknown) => unknown;
    return { ok: true, result: handler(payload ?? {}) };
  } catch (e) {
    const body = toErrorBody(e);
    if (body.code === 'internal') console.error(`[workbench] ${channel} failed:`, e);
    return { ok: false, error: body };
  }
}

/** HTTP status of each error code (browser mode): the table in src/shared/wire.ts. */
export function httpStatusFor(code: ApiErrorBody['code']): number {
  return ERROR_HTTP_STATUS[code] ?? 500;
}
