/**
 * What makes the window behave like a desktop app, on the main side: the application menu (rebuilt
 * whenever the renderer reports its command state), File → Open Recent and the OS recent documents,
 * native open / save dialogs behind the desktop contract calls, the context menu, the theme
 * (nativeTheme + the window background), the close guard while runs are active, and the log file.
 *
 * Every desktop call is checked like the workbench calls: the sender must be the app's own top-level
 * page and the payload must pass DESKTOP_CALL_SCHEMAS.
 */
import { BrowserWindow, Menu, app, dialog, ipcMain, nativeTheme, shell, type IpcMainInvokeEvent, type MenuItemConstructorOptions } from 'electron';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import {
  DESKTOP_CALL_NAMES,
  MAX_OPEN_FILE_BYTES,
  type DesktopCallName,
  type DesktopCalls,
  type DesktopEventName,
  type DesktopEvents,
  type OpenedFile,
  type ThemePreference,
} from '../../shared/api';
import { IPC_DESKTOP_EVENT_CHANNEL, validateDesktopPayload } from '../../shared/apiSchemas';
import { DOCS_URL, METHODS_DOC_URL, commandDescriptor, methodDocUrl, type CommandId } from '../../shared/commands';
import { isSafeExternalUrl } from '../security/externalUrl';
import { buildMenuTemplate, type MenuState } from '../menu/appMenu';
import { isTrustedSender } from '../ipc/registerIpc';
import { loadRecent, saveRecent, withRecent } from './recentFiles';
import { logFilePath } from './logging';

/** Links out go through the one choke point (https, allow-listed hosts). */
export function openExternalSafely(url: string): void {
  if (isSafeExternalUrl(url)) void shell.openExternal(url);
  else console.warn(`[workbench] refused to open ${url.slice(0, 200)}`);
}

export const WINDOW_BACKGROUND = { light: '#f4f5f7', dark: '#16181b' } as const;

const MDP_FILTERS = [
  { name: 'MDP files', extensions: ['mdp.json', 'json'] },
  { name: 'All files', extensions: ['*'] },
];

type Handler<C extends DesktopCallName> = (payload: DesktopCalls[C][0], event: IpcMainInvokeEvent) => Promise<DesktopCalls[C][1]> | DesktopCalls[C][1];

export interface DesktopShellOptions {
  userDataDir: string;
  devServerUrl?: string;
}

export class DesktopShell {
  private state: MenuState = { enabled: {}, theme: 'system' };
  private activeRuns = 0;
  private recent: string[];
  private closeConfirmed = false;
  /** files handed over before the page could take them (OS open at launch, second instance) */
  private pendingFiles: string[] = [];

  constructor(private readonly options: DesktopShellOptions) {
    this.recent = loadRecent(options.userDataDir);
  }

  // -------------------------------------------------------------------------------------------------
  // menu

  refreshMenu(): void {
    const template = buildMenuTemplate(this.state, {
      isMac: process.platform === 'darwin',
      isPackaged: app.isPackaged,
      appName: app.name,
      recentFiles: this.recent,
      sendCommand: (id) => this.send('onMenuCommand', { id }),
      openRecent: (path) => void this.openPath(path),
      clearRecent: () => {
        this.recent = [];
        saveRecent(this.options.userDataDir, this.recent);
        app.clearRecentDocuments();
        this.refreshMenu();
      },
      runInMain: {
        'help.showLog': () => void this.showLog(),
        'help.docs': () => openExternalSafely(DOCS_URL),
        'help.methods': () => openExternalSafely(METHODS_DOC_URL),
      },
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  private window(): BrowserWindow | undefined {
    return BrowserWindow.getAllWindows().find((w) => !w.isDestroyed());
  }

  private send<E extends DesktopEventName>(event: E, data: DesktopEvents[E]): void {
    this.window()?.webContents.send(IPC_DESKTOP_EVENT_CHANNEL, event, data);
  }

  // -------------------------------------------------------------------------------------------------
  // files

  private remember(path: string): void {
    this.recent = withRecent(this.recent, path);
    saveRecent(this.options.userDataDir, this.recent);
    app.addRecentDocument(path);
    this.refreshMenu();
  }

  /** Read an MDP file for the renderer: size-capped, UTF-8; the file joins Recent. */
  async readMdpFile(path: string): Promise<OpenedFile> {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`${path} is not a file`);
    if (info.size > MAX_OPEN_FILE_BYTES) throw new Error(`${basename(path)} is ${info.size} bytes; the limit is ${MAX_OPEN_FILE_BYTES} bytes`);
    const text = await readFile(path, 'utf8');
    this.remember(path);
    return { path, name: basename(path), text };
  }

  /** Open a file from Recent, the OS (file association) or a second launch in the page. */
  async openPath(path: string): Promise<void> {
    try {
      this.send('onOpenFile', await this.readMdpFile(path));
    } catch (e) {
      this.recent = this.recent.filter((p) => p !== path);
      saveRecent(this.options.userDataDir, this.recent);
      this.refreshMenu();
      dialog.showErrorBox('Cannot open the file', e instanceof Error ? e.message : String(e));
    }
  }

  /** Paths of MDP files on a command line (file association: `wasserstein-workbench model.mdp.json`). */
  static filesInArgv(argv: readonly string[], cwd: string = process.cwd()): string[] {
    const out: string[] = [];
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--db') i++; // the database file is not a document
      else if (!a.startsWith('-') && extname(a).toLowerCase() === '.json') out.push(resolve(cwd, a));
    }
    return out;
  }

  queueFiles(paths: readonly string[]): void {
    this.pendingFiles.push(...paths);
  }

  /** After the page has loaded: open what the OS handed over. */
  flushPendingFiles(): void {
    for (const p of this.pendingFiles.splice(0)) void this.openPath(p);
  }

  async showLog(): Promise<void> {
    const error = await shell.openPath(logFilePath());
    if (error) dialog.showErrorBox('Cannot show the log file', `${logFilePath()}: ${error}`);
  }

  // -------------------------------------------------------------------------------------------------
  // theme and close guard

  applyTheme(theme: ThemePreference): void {
    nativeTheme.themeSource = theme;
    const bg = nativeTheme.shouldUseDarkColors ? WINDOW_BACKGROUND.dark : WINDOW_BACKGROUND.light;
    for (const w of BrowserWindow.getAllWindows()) if (!w.isDestroyed()) w.setBackgroundColor(bg);
  }

  /** Closing the window while runs compute asks first (the runs would be interrupted). */
  guardClose(win: BrowserWindow): void {
    win.on('close', (event) => {
      if (this.closeConfirmed || this.activeRuns === 0) return;
      event.preventDefault();
      const n = this.activeRuns;
      void dialog
        .showMessageBox(win, {
          type: 'warning',
          buttons: ['Keep running', 'Quit anyway'],
          defaultId: 0,
          cancelId: 0,
          title: 'Runs are still active',
          message: `${n} run${n === 1 ? ' is' : 's are'} still computing.`,
          detail: 'Quitting stops them; they are kept in the database as interrupted, with the iterations stored so far.',
        })
        .then(({ response }) => {
          if (response !== 1) return;
          this.closeConfirmed = true;
          win.close();
        });
    });
  }

  // -------------------------------------------------------------------------------------------------
  // IPC

  registerIpc(): void {
    const handlers: { [C in DesktopCallName]: Handler<C> } = {
      'desktop:openFile': async ({ title }, event) => {
        const win = BrowserWindow.fromWebContents(event.sender) ?? undefined;
        const opts = { title, properties: ['openFile' as const], filters: MDP_FILTERS };
        const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
        if (r.canceled || !r.filePaths[0]) return null;
        return this.readMdpFile(r.filePaths[0]);
      },
      'desktop:saveFile': async ({ title, suggestedName, text }, event) => {
        const win = BrowserWindow.fromWebContents(event.sender) ?? undefined;
        const opts = { title, defaultPath: suggestedName, filters: MDP_FILTERS };
        const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
        if (r.canceled || !r.filePath) return null;
        await writeFile(r.filePath, text, 'utf8');
        this.remember(r.filePath);
        return { path: r.filePath };
      },
      'desktop:syncState': ({ enabled, theme, activeRuns }) => {
        const themeChanged = theme !== this.state.theme;
        this.state = { enabled, theme };
        this.activeRuns = activeRuns;
        if (themeChanged) this.applyTheme(theme);
        this.refreshMenu();
        return {};
      },
      'desktop:contextMenu': ({ items, editable, hasSelection }, event) =>
        new Promise((resolve) => {
          let chosen: CommandId | null = null;
          const template: MenuItemConstructorOptions[] = [];
          if (editable) template.push({ role: 'cut', enabled: hasSelection }, { role: 'copy', enabled: hasSelection }, { role: 'paste' }, { role: 'selectAll' });
          else template.push({ role: 'copy', enabled: hasSelection }, { role: 'selectAll' });
          if (items.length) template.push({ type: 'separator' });
          for (const it of items) {
            const d = commandDescriptor(it.id);
            template.push({ label: d.title, enabled: it.enabled, accelerator: d.keys[0], registerAccelerator: false, click: () => (chosen = it.id) });
          }
          const win = BrowserWindow.fromWebContents(event.sender) ?? undefined;
          Menu.buildFromTemplate(template).popup({ window: win, callback: () => resolve({ chosen }) });
        }),
      'desktop:info': () => ({
        versions: { electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '', node: process.versions.node, v8: process.versions.v8 },
        logPath: logFilePath(),
      }),
      'desktop:showLog': async () => {
        await this.showLog();
        return {};
      },
      'desktop:openDocs': ({ page, anchor }) => {
        openExternalSafely(page === 'readme' ? DOCS_URL : anchor ? methodDocUrl(anchor) : METHODS_DOC_URL);
        return {};
      },
    };
    for (const channel of DESKTOP_CALL_NAMES) {
      ipcMain.handle(channel, async (event, payload: unknown) => {
        if (!isTrustedSender(event, this.options.devServerUrl))
          return { ok: false, error: { code: 'unauthorized', message: `${channel}: the calling frame is not the workbench app` } };
        const problems = validateDesktopPayload(channel, payload ?? {});
        if (problems.length) return { ok: false, error: { code: 'invalid-payload', message: `${channel}: invalid payload`, details: problems } };
        try {
          const handler = handlers[channel] as Handler<DesktopCallName>;
          return { ok: true, result: await handler((payload ?? {}) as never, event) };
        } catch (e) {
          console.error(`[workbench] ${channel} failed:`, e);
          return { ok: false, error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
        }
      });
    }
  }
}
