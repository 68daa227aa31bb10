/**
 * The one module that touches `window.workbench`. In the Electron app the preload exposes the typed API
 * there; in browser mode (and in e2e) it is absent and the HTTP/WebSocket transport stands in. The rest
 * of the renderer imports `api` from here and never knows which transport it is on.
 */
import { WorkbenchApiError, type ApiErrorBody, type WorkbenchApi } from '../../../shared/api';
import { createBrowserApi, takeToken, type ConnectionState } from './browserTransport';
import { ref } from 'vue';

declare global {
  interface Window {
    workbench?: WorkbenchApi;
  }
}

/** Connection of the event channel (always 'open' on Electron, where IPC cannot drop). */
export const eventConnection = ref<ConnectionState>('open');

function resolveApi(): WorkbenchApi {
  const preload = window.workbench;
  if (preload) return wrapErrors(preload);
  return createBrowserApi({
    token: takeToken(),
    onConnectionChange: (s) => (eventConnection.value = s),
  });
}

/** Electron's IPC loses the error class; rebuild WorkbenchApiError from its fields. */
function wrapErrors(inner: WorkbenchApi): WorkbenchApi {
  const out: Record<string, unknown> = { transport: inner.transport, on: inner.on.bind(inner) };
  for (const key of Object.keys(inner) as (keyof WorkbenchApi)[]) {
    const fn = inner[key];
    if (typeof fn !== 'function' || key === 'on') continue;
    out[key] = async (payload: unknown) => {
      try {
        return await (fn as (p: unknown) => Promise<unknown>)(payload);
      } catch (err) {
        throw asApiError(err);
      }
    };
  }
  return Object.freeze(out) as unknown as WorkbenchApi;
}

/** Normalise anything thrown by a call into a WorkbenchApiError. */
export function asApiError(err: unknown): WorkbenchApiError {
  if (err instanceof WorkbenchApiError) return err;
  if (err && typeof err === 'object') {
    const e = err as Partial<ApiErrorBody> & { message?: string };
    // Electron prefixes "Error invoking remote method 'x': "; the preload may have put JSON behind it.
    const msg = String(e.message ?? err);
    const json = msg.indexOf('{');
    if (json >= 0) {
      try {
        const body = JSON.parse(msg.slice(json)) as Partial<ApiErrorBody>;
        if (body.code && body.message) return new WorkbenchApiError(body.code, body.message, body.details ?? []);
      } catch {
        /* not JSON */
      }
    }
    return new WorkbenchApiError((e.code as ApiErrorBody['code']) ?? 'internal', msg, Array.isArray(e.details) ? e.details : []);
  }
  return new WorkbenchApiError('internal', String(err));
}

/** Human-readable one-liner for any API error, with details. */
export function describeError(err: unknown): string {
  const e = asApiError(err);
  return e.details.length ? `${e.message}: ${e.details.join('; ')}` : e.message;
}

export const api: WorkbenchApi = resolveApi();
