/**
 * `npm run bench:ui`: UI frame times in the real app (browser mode, Chromium) while long runs compute in
 * the worker. A benchmark run by Playwright: it prints figures and asserts nothing about time.
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';

export default defineConfig({
  testDir: '.',
  testMatch: /(uiFrames|designerFrames)\.bench\.ts$/,
  timeout: 600_000,
  workers: 1,
  reporter: [['list']],
  globalSetup: '../e2e/globalSetup.ts',
  use: { viewport: { width: 1440, height: 900 } },
  projects: [
    {
      name: 'browser',
      use: { browserName: 'chromium', launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS } },
    },
  ],
});
