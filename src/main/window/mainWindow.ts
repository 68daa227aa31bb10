/**
 * The one window: context isolation, sandbox, no Node in the renderer, the CJS preload; navigation
 * and window.open denied; permissions denied by default; CSP on the dev server's responses (the app://
 * protocol sets it on its own). Its bounds and maximised state come back from the last session
 * (windowState.ts); its background follows the theme so that no light flash precedes a dark page.
 */
import { BrowserWindow, nativeTheme, screen, session, type Session } from 'electron';
import { contentSecurityPolicy } from '../security/csp';
import { APP_ORIGIN, isTrustedAppUrl } from '../security/senderFrame';
import { DEFAULT_SIZE, MIN_SIZE, loadWindowState, saveWindowState } from './windowState';

export interface MainWindowOptions {
  preloadPath: string;
  /** electron-vite dev server (ELECTRON_RENDERER_URL) or undefined in production */
  devServerUrl?: string;
  /** where window-state.json lives */
  userDataDir: string;
  backgroundColor: { light: string; dark: string };
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
  const saved = loadWindowState(
    options.userDataDir,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...(saved ? saved.bounds : DEFAULT_SIZE),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'Wasserstein Workbench',
    backgroundColor: nativeTheme.shouldUseDarkColors ? options.backgroundColor.dark : options.backgroundColor.light,
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
  win.once('ready-to-show', () => {
    if (saved?.maximized) win.maximize();
    win.show();
  });
  // remember the normal (unmaximised) bounds and whether the window was maximised
  const remember = (): void => {
    if (win.isDestroyed() || win.isMinimized() || win.isFullScreen()) return;
    saveWindowState(options.userDataDir, { bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = (): void => {
    clearTimeout(timer);
    timer = setTimeout(remember, 500);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('maximize', remember);
  win.on('unmaximize', remember);
  win.on('close', () => {
    clearTimeout(timer);
    remember();
  });
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
