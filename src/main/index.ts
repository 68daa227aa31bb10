/**
 * Desktop entry (Electron). Start-up: WebGPU switches → app:// scheme → single-instance lock →
 * ready: open the database (a refusal is shown once in a dialog and the app quits — never a crash
 * loop) → services → IPC handlers → menu → the one window.
 */
import { BrowserWindow, Menu, app, dialog, ipcMain } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseOpenError, openDatabase, resolveDatabasePath, userDataDirectory, type WorkbenchDatabase } from './db';
import { forwardEvents, registerIpcHandlers } from './ipc/registerIpc';
import { createWorkbenchService } from './services';
import { APP_VERSION } from './version';
import { registerAppScheme, serveAppProtocol } from './window/appProtocol';
import { buildAppMenu } from './window/menu';
import { createMainWindow, guardWebContents } from './window/mainWindow';

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
app.setPath('userData', userDataDirectory());
registerAppScheme();

let db: WorkbenchDatabase | undefined;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
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
    const service = createWorkbenchService(db, { version: APP_VERSION, transport: 'electron' });
    registerIpcHandlers(ipcMain, service, devServerUrl);
    forwardEvents(service, () => BrowserWindow.getAllWindows(), devServerUrl);
    serveAppProtocol(rendererDir);
    Menu.setApplicationMenu(buildAppMenu());
    createMainWindow({ preloadPath, devServerUrl });
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createMainWindow({ preloadPath, devServerUrl });
    });
  });
}
