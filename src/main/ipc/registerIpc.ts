/**
 * Electron transport, main side: one ipcMain.handle per CALL_NAMES entry. Each handler first checks
 * the sender frame (the app's own top-level page, `isTrustedAppUrl`), then hands the payload to
 * `service.invoke` — the same size check, schema and handlers as browser mode. Handlers resolve with a
 * CallOutcome envelope ({ok, result} | {ok: false, error: ApiErrorBody}) because Electron drops custom
 * error fields when a handler throws; the preload unwraps it.
 */
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import { CALL_NAMES } from '../../shared/api';
import { IPC_EVENT_CHANNEL } from '../../shared/wire';
import type { CallOutcome, WorkbenchService } from '../services';
import { isTrustedAppUrl } from '../security/senderFrame';

export function isTrustedSender(event: IpcMainInvokeEvent, devServerUrl?: string): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isTrustedAppUrl(frame.url, devServerUrl);
}

export function registerIpcHandlers(ipcMain: IpcMain, service: WorkbenchService, devServerUrl?: string): () => void {
  for (const channel of CALL_NAMES) {
    ipcMain.handle(channel, (event, payload: unknown): CallOutcome => {
      if (!isTrustedSender(event, devServerUrl))
        return { ok: false, error: { code: 'unauthorized', message: `${channel}: the calling frame is not the workbench app` } };
      return service.invoke(channel, payload);
    });
  }
  return () => {
    for (const channel of CALL_NAMES) ipcMain.removeHandler(channel);
  };
}

/** Push every service event to the app's windows (only those showing the app's own page). */
export function forwardEvents(service: WorkbenchService, windows: () => BrowserWindow[], devServerUrl?: string): () => void {
  return service.events.subscribe((event, data) => {
    for (const win of windows()) {
      if (win.isDestroyed()) continue;
      const wc = win.webContents;
      if (isTrustedAppUrl(wc.getURL(), devServerUrl)) wc.send(IPC_EVENT_CHANNEL, event, data);
    }
  });
}
