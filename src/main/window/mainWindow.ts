/**
 * The one window: context isolation, sandbox, no Node in the renderer, the CJS preload; navigation
 * and window.open denied; permissions denied by default; CSP on the dev server's responses (the app://
 * protocol sets it on its own).
 */
import { BrowserWindow, session, type Session } from 'electron';
import { contentSecurityPolicy } from '../security/csp';
import { APP_ORIGIN, isTrustedAppUrl } from '../security/senderFrame';

export interface MainWindowOptions {
  preloadPath: string;
  /** electron-vite dev server (ELECTRON_RENDERER_URL) or undefined in production */
  devServerUrl?: string;
}

/** Deny every permission request and check (notifications, media, geolocation, ...). */
export function lockDownSession(ses: Session, devServerUrl?: string): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  if (devServerUrl) {
    const csp = contentSecurityPolicy({ devServerUrl });
    const origin = new URL(devServerUrl).origin;
    ses.webRequest.onHeadersReceived((details, callback) => {
      if (!details.url.startsWith(origin)) return callback({ responseHeaders: details.responseHeaders });
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
    });
  }
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  lockDownSession(session.defaultSession, options.devServerUrl);
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Wasserstein Workbench',
    backgroundColor: '#1e1f22',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  const target = options.devServerUrl ?? `${APP_ORIGIN}/index.html`;
  void win.loadURL(target);
  return win;
}

/** For every web contents the app ever creates: no new windows, no navigation away, no webviews. */
export function guardWebContents(contents: Electron.WebContents, devServerUrl?: string): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedAppUrl(url, devServerUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isTrustedAppUrl(url, devServerUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
