/**
 * End-to-end tests of the renderer on both transports.
 *  - browser: Debian Chromium (no browser download here) against `node out/main/serve.js`, started by
 *    the global setup on a fresh database; WebGPU through SwiftShader.
 *  - electron: the same specs through Playwright's `_electron.launch`, skipped with a clear message when
 *    the Electron binary is absent (it cannot be downloaded here).
 * Build first: `npx electron-vite build && npx playwright test`.
 */
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
];

export default defineConfig({
  testDir: './e2e',
  testMatch: /.*\.spec\.ts$/,
  outputDir: 'test-results',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  // two cores shared by many: one worker, specs in file order
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  globalSetup: './e2e/globalSetup.ts',
  use: {
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
  },
  projects: [
    {
      name: 'browser',
      // README screenshots only on request: WWB_SCREENSHOTS=1 npx playwright test --project=browser --grep @screenshots
      grepInvert: process.env.WWB_SCREENSHOTS ? undefined : /@screenshots/,
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
      },
    },
    {
      name: 'electron',
      // the same specs; the fixture in e2e/fixtures.ts launches the desktop app instead of a browser
      // page (Playwright still starts its unused default browser, so point it at Debian Chromium too)
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
      },
      grepInvert: /@screenshots/,
    },
  ],
});
