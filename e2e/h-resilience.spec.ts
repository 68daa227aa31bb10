/**
 * Lossless run storage in browser mode when the server dies. The spec runs its own server (the built
 * out/main/serve.js) on a fixed free port with its own database, a fixed token (WORKBENCH_TOKEN, so the
 * open tab keeps working across restarts) and a short lease (WORKBENCH_LEASE_MS), so that it can kill
 * it with SIGKILL and start it again on the same port and database:
 *  - five kills during a long run in the page, each restarted within a few seconds: once the page has
 *    reconnected, the stored trace is gap-free and complete up to the last computed batch;
 *  - the page closed instead: at most the last unacknowledged batch is missing and the run ends
 *    'interrupted'.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, type Page } from '@playwright/test';
import { WorkbenchApp } from './pages/WorkbenchApp';
import { RunSyncPanel } from './pages/RunSyncPanel';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LEASE_MS = 2000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** One server process on `port` and `db`; `start` resolves with its launch URL. */
class ServerProcess {
  child: ChildProcess | null = null;
  constructor(
    readonly port: number,
    readonly db: string,
    readonly token: string,
  ) {}

  start(): Promise<string> {
    const child = spawn(process.execPath, [join(ROOT, 'out/main/serve.js'), '--port', String(this.port), '--db', this.db, '--print-json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WORKBENCH_TOKEN: this.token, WORKBENCH_LEASE_MS: String(LEASE_MS) },
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`serve.js did not start: ${out} ${err}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      });
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`serve.js exited with ${code}: ${out} ${err}`));
      });
    });
  }

  /** SIGKILL: no shutdown code runs, like a crash */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    this.child = null;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }

  /** a call through the bridge, as the test's own client */
  async call<T>(channel: string, payload: unknown): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.port}/api/call/${channel}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${channel}: ${JSON.stringify(body)}`);
    return body;
  }
}

interface StoredRun {
  status: string;
  iterations: number;
}

/** the stored trace of a run is 0, 1, ..., n-1 with nothing missing or doubled */
async function expectGapFree(server: ServerProcess, runId: number): Promise<number> {
  const [trace] = await server.call<{ iteration: number[]; total: number }[]>('runs:trace', { ids: [runId], metrics: ['J'] });
  const n = trace.iteration.length;
  expect(trace.total).toBe(n);
  const firstGap = trace.iteration.findIndex((it, i) => it !== i);
  expect(firstGap, `first position where the stored iterations are not 0..${n - 1}`).toBe(-1);
  return n;
}

async function openApp(page: Page, url: string, errors: string[]): Promise<WorkbenchApp> {
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  const app = new WorkbenchApp(page);
  await app.waitReady();
  return app;
}

async function startLongRun(app: WorkbenchApp, mdpName: string, label: string): Promise<void> {
  await app.open('Runs');
  await app.runs.configure({ mdp: mdpName, method: 'Softmax policy gradient', label, iterations: 100000 });
  await app.runs.start();
}

test.describe('lossless run storage when the server dies', () => {
  let dir: string;
  let server: ServerProcess;
  let url: string;

  test.beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wwb-e2e-resilience-'));
    server = new ServerProcess(await freePort(), join(dir, 'resilience.sqlite'), randomBytes(32).toString('hex'));
    url = await server.start();
  });
  test.afterEach(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('five kill -9 and restarts during a run: the stored trace is gap-free and complete once reconnected', async ({ page }) => {
    test.setTimeout(900_000);
    const errors: string[] = [];
    const app = await openApp(page, url, errors);
    const sync = new RunSyncPanel(page);
    await app.open('Design');
    await app.design.loadPreset('Taxi');
    await app.design.rename('Taxi resilience');
    await app.design.save();
    await startLongRun(app, 'Taxi resilience', 'survives-kills');
    const runId = await sync.runId();
    await expect.poll(() => sync.stored(), { message: 'the first batches are stored' }).toBeGreaterThan(0);

    for (let k = 1; k <= 5; k++) {
      await server.kill9();
      // the page notices at its next call (it sends a batch every few hundred ms) and keeps computing
      await expect.poll(() => sync.connection(), { message: `the page shows the lost connection (${k})` }).toBe('retrying');
      if (k === 1) {
        const offlineFrom = await sync.computed();
        await expect.poll(() => sync.computed(), { message: 'the page computes while the server is down' }).toBeGreaterThan(offlineFrom);
      }
      await page.waitForTimeout(k % 2 ? 500 : LEASE_MS + 500); // every other outage outlasts the lease
      await server.start();
      await expect.poll(() => sync.connection(), { message: `the page reconnects after restart ${k}`, timeout: 60_000 }).toBe('online');
    }

    // hold the run, let the page flush, and compare with what it computed
    // (generous timeouts: on a loaded machine the page answers slowly while it computes)
    await app.runs.pauseButton.click({ timeout: 120_000 });
    await expect(app.runs.activeState()).toHaveText('paused', { timeout: 120_000 });
    await expect.poll(async () => (await sync.stored()) === (await sync.computed()) && (await sync.connection()) === 'online', {
      message: 'every computed point is stored',
      timeout: 60_000,
    }).toBe(true);
    const computed = await sync.computed();
    expect(computed).toBeGreaterThan(0);
    expect(await expectGapFree(server, runId)).toBe(computed);
    expect((await server.call<StoredRun>('runs:get', { id: runId })).status).toBe('running');

    await app.runs.resumeButton.click({ timeout: 120_000 });
    await app.runs.cancelButton.click({ timeout: 120_000 });
    await expect(app.runs.status('survives-kills')).toHaveText('cancelled', { timeout: 120_000 });
    const final = await server.call<StoredRun>('runs:get', { id: runId });
    expect(final.status).toBe('cancelled');
    expect(await expectGapFree(server, runId)).toBe(final.iterations);
    expect(final.iterations).toBeGreaterThanOrEqual(computed);
    expect(errors, 'uncaught page errors').toEqual([]);
  });

  test('the page closed during a run: at most the last unacknowledged batch is missing and the run ends interrupted', async ({ page }) => {
    test.setTimeout(300_000);
    const errors: string[] = [];
    const app = await openApp(page, url, errors);
    const sync = new RunSyncPanel(page);
    await app.open('Design');
    await app.design.loadPreset('Taxi');
    await app.design.rename('Taxi closed');
    await app.design.save();
    await startLongRun(app, 'Taxi closed', 'page-closed');
    const runId = await sync.runId();
    await expect.poll(() => sync.stored(), { message: 'batches are stored' }).toBeGreaterThan(0);
    const storedBefore = await sync.stored();
    const computedBefore = await sync.computed();
    await page.close();

    await expect
      .poll(async () => (await server.call<StoredRun>('runs:get', { id: runId })).status, { message: 'the run ends interrupted', timeout: LEASE_MS * 10 })
      .toBe('interrupted');
    const n = await expectGapFree(server, runId);
    expect(n).toBeGreaterThanOrEqual(storedBefore); // nothing acknowledged is lost
    // what the page computed but could not send is at most one batch (the appendTrace bound)
    expect(computedBefore - n).toBeLessThanOrEqual(20_000);
    expect(errors).toEqual([]);
  });
});
