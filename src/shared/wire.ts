/**
 * The wire names of the contract, in one place for both transports (Electron IPC: src/preload and
 * src/main/ipc; browser mode: src/main/server and src/renderer/src/api/browserTransport.ts): paths,
 * header and subprotocol names, the error codes and their HTTP statuses. Pure constants, no imports.
 *
 * Browser mode:
 *  - calls: `POST ${HTTP_CALL_PATH}<channel>` with header `${AUTH_HEADER}: ${AUTH_SCHEME} <token>` and the
 *    JSON payload as body → 200 + JSON result, or an ApiErrorBody with the status of its code;
 *  - events: `new WebSocket('ws://' + location.host + HTTP_EVENTS_PATH, [WS_EVENTS_PROTOCOL, WS_BEARER_PREFIX + token])`;
 *    the server acknowledges WS_EVENTS_PROTOCOL only (the bearer offer is a credential, never echoed);
 *    messages are JSON `{ event: EventName, data }`;
 *  - the token comes from the launch URL's fragment `#${TOKEN_FRAGMENT_KEY}=<hex>`.
 * Electron: calls use the call name as the IPC channel; main → renderer events travel on IPC_EVENT_CHANNEL
 * as (eventName, data).
 */

export const IPC_EVENT_CHANNEL = 'workbench:event';

export const HTTP_CALL_PATH = '/api/call/';
export const HTTP_EVENTS_PATH = '/api/events';
export const WS_EVENTS_PROTOCOL = 'workbench-events';
export const WS_BEARER_PREFIX = 'bearer.';
export const AUTH_HEADER = 'Authorization';
export const AUTH_SCHEME = 'Bearer';
export const TOKEN_FRAGMENT_KEY = 'token';

/**
 * Every error code a call can fail with, and its HTTP status in browser mode. 'unavailable' never
 * crosses the wire from the server: the client reports it when the server cannot be reached at all.
 */
export const ERROR_HTTP_STATUS = {
  'invalid-payload': 400,
  unauthorized: 401,
  'not-found': 404,
  'unknown-channel': 404,
  conflict: 409,
  'too-large': 413,
  internal: 500,
  unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof ERROR_HTTP_STATUS;

export const ERROR_CODES = Object.keys(ERROR_HTTP_STATUS) as ApiErrorCode[];

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_HTTP_STATUS, code);
}

/** Error codes a client may retry (the call may succeed later unchanged). */
export const RETRYABLE_ERROR_CODES: readonly ApiErrorCode[] = ['unavailable', 'internal'];
