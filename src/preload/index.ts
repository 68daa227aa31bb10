/**
 * The preload (sandboxed, so bundled to CommonJS: out/preload/index.cjs). It exposes exactly the
 * contract as `window.workbench`: one wrapper per CALL_NAMES entry, `on(event, listener)` for
 * EVENT_NAMES only, and `transport: 'electron'`. It never exposes ipcRenderer or any Node capability.
 *
 * A failed call rejects with a plain object `{ name: 'WorkbenchApiError', code, message, details }`
 * (ApiErrorBody fields; plain because contextBridge drops the fields of Error instances).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CALL_NAMES,
  DESKTOP_CALL_NAMES,
  DESKTOP_EVENT_NAMES,
  EVENT_NAMES,
  type ApiErrorBody,
  type DesktopApi,
  type DesktopEventName,
  type EventName,
  type WorkbenchApi,
  type WorkbenchEvents,
} from '../shared/api';
import { IPC_DESKTOP_EVENT_CHANNEL, IPC_EVENT_CHANNEL } from '../shared/apiSchemas';

type Outcome = { ok: true; result: unknown } | { ok: false; error: ApiErrorBody };

const listeners = new Map<EventName, Set<(data: unknown) => void>>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: IpcRendererEvent, name: unknown, data: unknown) => {
  const set = listeners.get(name as EventName);
  if (!set) return;
  for (const l of [...set]) {
    try {
      l(data);
    } catch (e) {
      console.error('[workbench] event listener failed:', e);
    }
  }
});

function wrap(channel: string) {
  return async (payload: unknown): Promise<unknown> => {
    const outcome = (await ipcRenderer.invoke(channel, payload ?? {})) as Outcome;
    if (outcome.ok) return outcome.result;
    throw { name: 'WorkbenchApiError', code: outcome.error.code, message: outcome.error.message, details: outcome.error.details ?? [] };
  };
}

const api: Record<string, unknown> = {};
for (const channel of CALL_NAMES) api[channel] = wrap(channel);
api.on = <E extends EventName>(event: E, listener: (data: WorkbenchEvents[E]) => void): (() => void) => {
  if (!(EVENT_NAMES as readonly string[]).includes(event)) throw new Error(`unknown event '${String(event)}'`);
  if (typeof listener !== 'function') throw new Error('listener must be a function');
  let set = listeners.get(event);
  if (!set) listeners.set(event, (set = new Set()));
  const l = listener as (data: unknown) => void;
  set.add(l);
  return () => void set.delete(l);
};
api.transport = 'electron';

contextBridge.exposeInMainWorld('workbench', api as unknown as WorkbenchApi);

// Desktop-only calls (native dialogs, menu state, context menu): `window.workbenchDesktop`, one wrapper
// per DESKTOP_CALL_NAMES entry and `on` for DESKTOP_EVENT_NAMES only. Browser mode has no such object.
const desktopListeners = new Map<DesktopEventName, Set<(data: unknown) => void>>();
ipcRenderer.on(IPC_DESKTOP_EVENT_CHANNEL, (_event: IpcRendererEvent, name: unknown, data: unknown) => {
  for (const l of [...(desktopListeners.get(name as DesktopEventName) ?? [])]) {
    try {
      l(data);
    } catch (e) {
      console.error('[workbench] desktop event listener failed:', e);
    }
  }
});
const desktop: Record<string, unknown> = {};
for (const channel of DESKTOP_CALL_NAMES) desktop[channel] = wrap(channel);
desktop.on = (event: DesktopEventName, listener: (data: unknown) => void): (() => void) => {
  if (!(DESKTOP_EVENT_NAMES as readonly string[]).includes(event)) throw new Error(`unknown event '${String(event)}'`);
  if (typeof listener !== 'function') throw new Error('listener must be a function');
  let set = desktopListeners.get(event);
  if (!set) desktopListeners.set(event, (set = new Set()));
  set.add(listener);
  return () => void set.delete(listener);
};
contextBridge.exposeInMainWorld('workbenchDesktop', desktop as unknown as DesktopApi);
