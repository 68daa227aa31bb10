/**
 * Which frames may call the IPC handlers: the app's own top-level page, served from the app:// origin
 * (production) or the electron-vite dev server (development) — never a subframe, a file:// page, a
 * data: URL or any remote site that a bug might have navigated to.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'workbench';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export function isTrustedAppUrl(raw: unknown, devServerUrl?: string): boolean {
  if (typeof raw !== 'string') return false;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && !url.username && !url.password) return true;
  if (devServerUrl) {
    try {
      const dev = new URL(devServerUrl);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === dev.origin;
    } catch {
      return false;
    }
  }
  return false;
}
