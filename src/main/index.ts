/**
 * Desktop entry (Electron). Start-up: log file → WebGPU switches → app:// scheme → single-instance
 * lock → ready: open the database (a refusal is shown once in a dialog and the app quits — never a
 * crash loop) → services → IPC handlers (workbench + desktop) → menu → the one window. MDP files
 * handed over by the OS (file association, `open-file` on macOS, a second launch) open in the page.
 */
import { BrowserWindow, app, dialog, ipcMain } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseOpenError, openDatabase, resolveDatabasePath, userDataDirectory, type WorkbenchDatabase } from './db';
import { forwardEvents, registerIpcHandlers } from './ipc/registerIpc';
import { createWorkbenchService, leaseMsFromEnv } from './services';
import { APP_VERSION } from './version';
import { registerAppScheme, serveAppProtocol } from './window/appProtocol';
import { createMainWindow, guardWebContents } from './window/mainWindow';
import { DesktopShell, WINDOW_BACKGROUND } from './window/desktopShell';
import { logRendererConsole, startLogging } from './window/logging';

const here = dirname(fileURLToPath(import.meta.url));
const preloadPath = join(here, '../preload/index.cjs');
const rendererDir = join(here, '../renderer');
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;

// WebGPU on Linux still sits behind these switches in Chromium.
if (process.platform === 'linux') {
  app.commandLine.appendSwitch('enable-unsafe-webgpu');
  app.commandLine.appendSwitch('enable-features', 'Vulkan');
}
// Same data folder as browser mode and the CLI (see db/paths.ts).
const userDataDir = userDataDirectory();
app.setPath('userData', userDataDir);
startLogging();
registerAppScheme();

let db: WorkbenchDatabase | undefined;
const desktopShell = new DesktopShell({ userDataDir, devServerUrl });
desktopShell.queueFiles(DesktopShell.filesInArgv(process.argv));
// macOS hands files over by event (Finder, the Dock), possibly before 'ready'
app.on('open-file', (event, path) => {
  event.preventDefault();
  if (app.isReady() && BrowserWindow.getAllWindows().length) void desktopShell.openPath(path);
  else desktopShell.queueFiles([path]);
});

function openWindow(): void {
  const win = createMainWindow({ preloadPath, devServerUrl, userDataDir, backgroundColor: WINDOW_BACKGROUND });
  desktopShell.guardClose(win);
  logRendererConsole(win.webContents);
  win.webContents.once('did-finish-load', () => desktopShell.flushPendingFiles());
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    for (const path of DesktopShell.filesInArgv(argv, workingDirectory)) void desktopShell.openPath(path);
  });
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, devServerUrl));
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => db?.close());

  void app.whenReady().then(() => {
    const dbPath = resolveDatabasePath(process.argv, process.env);
    try {
      db = openDatabase(dbPath);
    } catch (e) {
      const message = e instanceof DatabaseOpenError ? e.message : `Cannot open the workbench database ${dbPath}: ${String(e)}`;
      console.error(message);
      dialog.showErrorBox('Wasserstein Workbench cannot start', message);
      app.exit(1);
      return;
    }
    const service = createWorkbenchService(db, { version: APP_VERSION, transport: 'electron' }, { sweepIntervalMs: leaseMsFromEnv() / 2 });
    registerIpcHandlers(ipcMain, service, devServerUrl);
    forwardEvents(service, () => BrowserWindow.getAllWindows(), devServerUrl);
    desktopShell.registerIpc();
    serveAppProtocol(rendererDir);
    desktopShell.refreshMenu();
    openWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
  });
}
