/**
 * The `app` fixture: a page showing the workbench, on whichever target the project names.
 *  - browser: a Chromium page opened at the URL the global setup's server printed;
 *  - electron: the desktop app via `_electron.launch` with its own temporary database, or a skip with a
 *    clear message when the Electron binary is not installed.
 */
import { fileURLToPath } from 'node:url';
import { test as base, expect, _electron, type Page, type ElectronApplication } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkbenchApp } from './pages/WorkbenchApp';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ELECTRON_SKIP_MESSAGE = 'Electron binary not present (it cannot be downloaded here): skipping the desktop target';

export function electronAvailable(): boolean {
  return existsSync(join(ROOT, 'node_modules/electron/dist'));
}

/** A short random suffix so that specs sharing one database never collide. */
export function uid(): string {
  return Math.random().toString(36).slice(2, 7);
}

interface Fixtures {
  app: WorkbenchApp;
  target: 'browser' | 'electron';
  /** runs first: skips the electron project when the binary is not installed */
  electronGate: void;
}

let electronApp: ElectronApplication | null = null;

export const test = base.extend<Fixtures>({
  electronGate: [
    async ({}, use, testInfo) => {
      testInfo.skip(testInfo.project.name === 'electron' && !electronAvailable(), ELECTRON_SKIP_MESSAGE);
      await use();
    },
    { auto: true },
  ],
  target: async ({}, use, testInfo) => {
    await use(testInfo.project.name === 'electron' ? 'electron' : 'browser');
  },
  page: async ({ page, target }, use) => {
    if (target === 'browser') {
      await use(page);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'wwb-e2e-electron-'));
    electronApp = await _electron.launch({
      cwd: ROOT,
      args: [join(ROOT, 'out/main/index.js'), '--db', join(dir, 'e2e.sqlite')],
      env: { ...process.env, WWB_E2E: '1' },
    });
    const win: Page = await electronApp.firstWindow();
    await win.setViewportSize({ width: 1440, height: 900 }).catch(() => undefined);
    await use(win);
    await electronApp.close();
    electronApp = null;
    rmSync(dir, { recursive: true, force: true });
  },
  app: async ({ page, target }, use) => {
    const app = new WorkbenchApp(page);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    if (target === 'browser') {
      const url = process.env.WORKBENCH_URL;
      if (!url) throw new Error('WORKBENCH_URL is not set: the global setup did not start the server.');
      await page.goto(url);
    }
    await app.waitReady();
    await use(app);
    expect(errors, 'uncaught page errors').toEqual([]);
  },
});

export { expect };
