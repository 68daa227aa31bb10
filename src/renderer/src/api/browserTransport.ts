/**
 * Browser-mode transport: the same `WorkbenchApi` carried over the local HTTP/WebSocket bridge that
 * `out/main/serve.js` serves on 127.0.0.1. Calls are `POST /api/call/<channel>` with a bearer token;
 * events arrive on a reconnecting WebSocket at `/api/events`. Only `workbenchClient.ts` constructs this.
 *
 * The secret arrives once in the URL fragment (`#token=...`), is kept in sessionStorage (so a reload of
 * the tab still works) and is removed from the visible URL at once.
 */
import {
  CALL_NAMES,
  WorkbenchApiError,
  type ApiErrorBody,
  type CallName,
  type CallPayload,
  type CallResult,
  type EventName,
  type WorkbenchApi,
  type WorkbenchEvents,
} from '../../../shared/api';
import {
  AUTH_HEADER,
  AUTH_SCHEME,
  HTTP_CALL_PATH,
  HTTP_EVENTS_PATH,
  TOKEN_FRAGMENT_KEY,
  WS_BEARER_PREFIX,
  WS_EVENTS_PROTOCOL,
  isApiErrorCode,
} from '../../../shared/wire';

const TOKEN_KEY = 'wwb.token';

/** Read `#token=` from the fragment (then strip it from the address bar) or from sessionStorage. */
export function takeToken(loc: Location = window.location, store: Storage = window.sessionStorage): string | null {
  const hash = loc.hash.startsWith('#') ? loc.hash.slice(1) : loc.hash;
  const params = new URLSearchParams(hash);
  const fromHash = params.get(TOKEN_FRAGMENT_KEY);
  if (fromHash) {
    store.setItem(TOKEN_KEY, fromHash);
    params.delete(TOKEN_FRAGMENT_KEY);
    const rest = params.toString();
    history.replaceState(history.state, '', `${loc.pathname}${loc.search}${rest ? `#${rest}` : ''}`);
    return fromHash;
  }
  return store.getItem(TOKEN_KEY);
}

function toApiError(status: number, body: unknown): WorkbenchApiError {
  if (body && typeof body === 'object' && 'message' in body) {
    const b = body as Partial<ApiErrorBody>;
    const code = isApiErrorCode(b.code) ? b.code : 'internal';
    return new WorkbenchApiError(code, String(b.message), Array.isArray(b.details) ? b.details.map(String) : []);
  }
  const code: ApiErrorBody['code'] =
    status === 401 || status === 403 ? 'unauthorized' : status === 404 ? 'not-found' : status === 413 ? 'too-large' : status === 502 || status === 503 || status === 504 ? 'unavailable' : 'internal';
  return new WorkbenchApiError(code, `HTTP ${status}`);
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface BrowserTransportOptions {
  baseUrl?: string;
  token: string | null;
  onConnectionChange?: (state: ConnectionState) => void;
}

/** Build a WorkbenchApi over fetch + WebSocket. */
export function createBrowserApi(opts: BrowserTransportOptions): WorkbenchApi {
  const base = opts.baseUrl ?? window.location.origin;
  const token = opts.token;
  const listeners = new Map<EventName, Set<(data: unknown) => void>>();

  async function call<C extends CallName>(channel: C, payload: CallPayload<C>): Promise<CallResult<C>> {
    if (!token) {
      throw new WorkbenchApiError('unauthorized', 'No access token: open the URL printed by the server (it ends in #token=...).');
    }
    const body = JSON.stringify(payload ?? {});
    let res: Response;
    try {
      res = await fetch(`${base}${HTTP_CALL_PATH}${channel}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [AUTH_HEADER]: `${AUTH_SCHEME} ${token}` },
        body,
        // small calls survive page unload (used to mark runs interrupted on reload)
        keepalive: body.length < 16_000,
      });
    } catch (err) {
      throw new WorkbenchApiError('unavailable', `The workbench server is unreachable (${(err as Error).message}).`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      // the connection dropped while the answer was on its way (the server stopped)
      throw new WorkbenchApiError('unavailable', `The workbench server went away during ${channel} (${(err as Error).message}).`);
    }
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (!res.ok) throw toApiError(res.status, { code: 'internal', message: text.slice(0, 300) });
        throw new WorkbenchApiError('internal', `Malformed response from ${channel}`);
      }
    }
    if (!res.ok) throw toApiError(res.status, parsed);
    return parsed as CallResult<C>;
  }

  // ---- events: one reconnecting WebSocket, opened lazily on the first subscription ----
  let socket: WebSocket | null = null;
  let retry = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  function dispatch(raw: string): void {
    let msg: { event?: string; data?: unknown };
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    if (!msg || typeof msg.event !== 'string') return;
    const set = listeners.get(msg.event as EventName);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(msg.data);
      } catch (err) {
        console.error(`listener for ${msg.event} failed`, err);
      }
    }
  }

  function connect(): void {
    if (!token || socket) return;
    const url = new URL(HTTP_EVENTS_PATH, base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    opts.onConnectionChange?.('connecting');
    const ws = new WebSocket(url.toString(), [WS_EVENTS_PROTOCOL, `${WS_BEARER_PREFIX}${token}`]);
    socket = ws;
    ws.onopen = () => {
      retry = 0;
      opts.onConnectionChange?.('open');
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') dispatch(ev.data);
    };
    ws.onclose = () => {
      socket = null;
      opts.onConnectionChange?.('closed');
      if (listeners.size === 0) return;
      const delay = Math.min(10_000, 250 * 2 ** retry++);
      reconnectTimer = setTimeout(() => {
        reconnectTimer = null;
        connect();
      }, delay);
    };
    ws.onerror = () => {
      /* onclose follows and schedules the reconnect */
    };
  }

  const api: Record<string, unknown> = {
    transport: 'browser',
    on<E extends EventName>(event: E, listener: (data: WorkbenchEvents[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const fn = listener as (data: unknown) => void;
      set.add(fn);
      if (!socket && !reconnectTimer) connect();
      return () => {
        set.delete(fn);
        if (set.size === 0) listeners.delete(event);
      };
    },
  };
  for (const name of CALL_NAMES) {
    api[name] = (payload: unknown) => call(name, payload as never);
  }
  return Object.freeze(api) as unknown as WorkbenchApi;
}
