/**
 * Helpers for specs that drive the launch panel's Sweep tab and read the app's own database: the
 * browser-mode bridge as the test's own client, the server's database file, and the CLI under Node 22.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** the CLI needs Node 22 (better-sqlite3's build): the repository's own node when present */
export const NODE22 = existsSync(join(ROOT, 'node_modules/.bin/node')) ? join(ROOT, 'node_modules/.bin/node') : process.execPath;

/** `wwb ARGS...` under Node 22: exit status, stdout, stderr */
export function wwb(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(NODE22, [join(ROOT, 'out/main/wwb.js'), ...args], { encoding: 'utf8', cwd: ROOT, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** the database file of the server the global setup started (browser project only) */
export function serverDb(): string {
  const dir = process.env.WORKBENCH_E2E_DIR;
  if (!dir) throw new Error('WORKBENCH_E2E_DIR is not set: the global setup did not start the server.');
  return join(dir, 'e2e.sqlite');
}

/** a call through the browser-mode bridge, as the test's own client (the token is in the URL's fragment) */
export async function call<T>(channel: string, payload: unknown): Promise<T> {
  const url = new URL(process.env.WORKBENCH_URL!);
  const token = new URLSearchParams(url.hash.slice(1)).get('token');
  const res = await fetch(`${url.origin}/api/call/${channel}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${channel}: ${JSON.stringify(body)}`);
  return body;
}

export async function openSweep(page: Page): Promise<void> {
  await page.getByRole('tablist', { name: 'Launch' }).getByRole('tab', { name: 'Sweep' }).click();
  await expect(page.getByRole('region', { name: 'New sweep' })).toBeVisible();
}

export async function addPreset(page: Page, id: string): Promise<void> {
  await page.getByLabel('Preset MDP').selectOption(id);
  await page.getByRole('button', { name: 'Add preset' }).click();
}

export async function addMethod(page: Page, id: string): Promise<void> {
  await page.getByLabel('Method to add').selectOption(id);
  await page.getByRole('button', { name: 'Add method' }).click();
}

/**
 * Issue 9's sweep in the Sweep tab, up to (not including) Start: OT-TRPO (eps 0.05, 0.2) and KL-TRPO
 * (delta 0.02, 0.1) on CliffWalking over three seeds from random inits, `iters` updates each, and two
 * seeds of the Wasserstein flow on the quadratic bandit, `flowIters` updates each: 14 runs.
 */
export async function fillIssue9Sweep(page: Page, name: string, iters: number, flowIters: number): Promise<void> {
  await openSweep(page);
  await page.locator('#sweep-name').fill(name);
  await addPreset(page, 'cliffwalking');
  await addPreset(page, 'bandit-quadratic');
  await addMethod(page, 'ot-trpo');
  await addMethod(page, 'kl-trpo');
  await addMethod(page, 'wasserstein-flow');
  await page.getByTestId('sw-0-add').selectOption('eps');
  await page.locator('#sw-0-eps').fill('0.05, 0.2');
  await page.getByTestId('sw-1-add').selectOption('delta');
  await page.locator('#sw-1-delta').fill('0.02, 0.1');
  // the trust regions on CliffWalking only, the flow on the bandit only, with two seeds of its own
  await page.getByTestId('sw-0-on-preset:bandit-quadratic').uncheck();
  await page.getByTestId('sw-1-on-preset:bandit-quadratic').uncheck();
  await page.getByTestId('sw-2-on-preset:cliffwalking').uncheck();
  await page.locator('#sw-2-seeds').fill('2');
  await page.locator('#sw-2-iters').fill(String(flowIters));
  await page.locator('#sweep-seeds').fill('3');
  await page.locator('#sweep-iters').fill(String(iters));
  await page.locator('#sweep-init').selectOption('random');
}

/** CSV text ('#' provenance lines, a header, rows) as header names and string cells */
export function parseCsv(text: string): { meta: string[]; header: string[]; rows: string[][] } {
  const lines = text.trim().split('\n');
  const body = lines.filter((l) => !l.startsWith('#'));
  return { meta: lines.filter((l) => l.startsWith('#')), header: body[0].split(','), rows: body.slice(1).map((l) => l.split(',')) };
}
