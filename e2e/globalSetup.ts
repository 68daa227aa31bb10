/**
 * Starts the browser-mode server on a free port with a fresh database, reads the launch URL from its
 * first stdout line (`WORKBENCH_URL=...`), and hands it to the tests through the environment. Builds
 * nothing: the test script builds first. Returns the teardown that stops the server.
 */
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FullConfig } from '@playwright/test';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function waitForUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve.js printed no WORKBENCH_URL within ${timeoutMs} ms.\nstdout: ${out}\nstderr: ${err}`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /WORKBENCH_URL=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.js exited with code ${code} before printing its URL.\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const wantsBrowser = config.projects.some((p) => p.name === 'browser');
  if (config.projects.some((p) => p.name === 'electron') && !existsSync(join(ROOT, 'node_modules/electron/dist'))) {
    console.log('[e2e] Electron binary not present (it cannot be downloaded here): the electron project skips the desktop target');
  }
  const serve = join(ROOT, 'out/main/serve.js');
  if (!wantsBrowser) return async () => undefined;
  if (!existsSync(serve)) throw new Error(`${serve} is missing: run \`npx electron-vite build\` before the e2e tests.`);
  const dir = mkdtempSync(join(tmpdir(), 'wwb-e2e-'));
  const db = join(dir, 'e2e.sqlite');
  const child = spawn(process.execPath, [serve, '--port', '0', '--db', db], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await waitForUrl(child, 60_000);
  process.env.WORKBENCH_URL = url;
  process.env.WORKBENCH_E2E_DIR = dir;
  // keep draining the pipes so the server never blocks on a full buffer
  child.stdout?.resume();
  child.stderr?.on('data', (d: Buffer) => {
    if (process.env.WWB_E2E_SERVER_LOG) process.stderr.write(`[serve] ${d}`);
  });
  return async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
