/**
 * Run ownership across real processes on one SQLite file (the built out/main/wwb.js and serve.js):
 *  - a long CLI run with --db F survives a server started on F while it runs, and completes;
 *  - two servers on F keep each other's live runs, and the survivor's sweep interrupts a run whose
 *    owner was killed with SIGKILL once its lease (WORKBENCH_LEASE_MS, short here) has expired;
 *  - serve.js refuses an unknown flag (`--dbb FILE`) with exit 2 and the list of known flags.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { point, tempDir } from './fixtures';

const root = resolve(__dirname, '../..');
const cli = join(root, 'out/main/wwb.js');
const serve = join(root, 'out/main/serve.js');
const LEASE_MS = 1500;

beforeAll(() => {
  if (!existsSync(cli) || !existsSync(serve)) execFileSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'ignore' });
});

let dir: string;
let cleanup: () => void;
const children: ChildProcess[] = [];
beforeEach(() => ({ dir, cleanup } = tempDir('wwb-procs-')));
afterEach(async () => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }
  cleanup();
});

const env = { ...process.env, WORKBENCH_LEASE_MS: String(LEASE_MS) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** serve.js on a free port; resolves with its port and token once it printed them. */
function startServer(db: string): Promise<{ child: ChildProcess; port: number; token: string }> {
  const child = spawn(process.execPath, [serve, '--port', '0', '--db', db, '--print-json'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolveStart, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        const info = JSON.parse(out.split('\n')[0]) as { port: number; token: string };
        resolveStart({ child, port: info.port, token: info.token });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`serve.js exited (${code}): ${out} ${err}`)));
  });
}

async function call<T>(server: { port: number; token: string }, channel: string, payload: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${channel}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${channel}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** rows of runs, read straight from the file (read-only, beside the writers) */
function runsIn(db: string): { id: number; status: string; iterations: number; owner: string | null }[] {
  const sql = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return sql.prepare('SELECT id, status, iterations, owner FROM runs ORDER BY id').all() as never;
  } finally {
    sql.close();
  }
}

async function until<T>(what: string, probe: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined;
    try {
      v = await probe();
      if (ok(v)) return v;
    } catch {
      /* not there yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`);
    await sleep(100);
  }
}

describe('run ownership across processes', () => {
  it('a CLI run with --db F survives a server started on F while it runs', async () => {
    const db = join(dir, 'shared.sqlite');
    const run = spawn(process.execPath, [cli, 'run', '--mdp', 'preset:frozenlake-8x8', '--algo', 'softmax-pg', '--iterations', '20000', '--db', db], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(run);
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => run.once('exit', (code) => r(code)));
    // the CLI's run is running and has stored something
    await until('the CLI run to store points', () => runsIn(db), (rows) => rows.length === 1 && rows[0].status === 'running' && rows[0].iterations > 0);
    // a server opens the same file (its start-up recovery and its sweeps run while the CLI computes)
    const server = await startServer(db);
    await sleep(3 * LEASE_MS);
    const seen = await call<{ status: string }>(server, 'runs:get', { id: 1 });
    expect(['running', 'completed']).toContain(seen.status);
    expect(await exited, stderr).toBe(0);
    expect(runsIn(db)).toEqual([expect.objectContaining({ id: 1, status: 'completed', iterations: 20001 })]);
  });

  it('two servers on F keep each other live runs; a SIGKILLed owner run is interrupted after its lease', async () => {
    const db = join(dir, 'shared.sqlite');
    const a = await startServer(db);
    const saved = await call<{ id: number }>(a, 'mdps:save', {
      document: {
        format: 'wasserstein-workbench/mdp',
        version: 1,
        name: 'two-state',
        states: [{ label: 's0' }, { label: 's1' }],
        actions: { kind: 'discrete', labels: ['stay', 'move'], positions: [[0], [1]] },
        gamma: 0.9,
        initial: [1, 0],
        rewards: { kind: 'table', values: [[0, 1], [1, 0]] },
        transitions: { kind: 'table', entries: [{ s: 0, a: 0, next: 0, p: 1 }, { s: 0, a: 1, next: 1, p: 1 }, { s: 1, a: 0, next: 1, p: 1 }, { s: 1, a: 1, next: 0, p: 1 }] },
      },
    });
    const owner = 'page:test:0:feedbeef';
    const live = await call<{ id: number }>(a, 'runs:create', { mdpId: saved.id, method: 'ot-trpo', options: {}, backend: 'reference', seed: 1, maxIterations: 100, owner });
    await call(a, 'runs:start', { id: live.id, owner });
    // server B starts on the same file while the page's run is live on A, and sweeps every lease / 2
    const b = await startServer(db);
    for (let i = 0; i < 8; i++) {
      await call(a, 'runs:appendTrace', { id: live.id, owner, points: [point(i)] });
      await sleep(LEASE_MS / 3);
    }
    expect((await call<{ status: string }>(b, 'runs:get', { id: live.id })).status).toBe('running');
    // B may not end A's live run
    const res = await fetch(`http://127.0.0.1:${b.port}/api/call/runs:finish`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${b.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: live.id, status: 'interrupted' }),
    });
    expect(res.status).toBe(409);
    // A dies hard; nobody renews the lease; B's sweep marks the run interrupted once it has expired
    a.child.kill('SIGKILL');
    const after = await until(
      'the run of the killed owner to be interrupted',
      () => call<{ status: string; iterations: number; error: string }>(b, 'runs:get', { id: live.id }),
      (r) => r.status === 'interrupted',
    );
    expect(after).toMatchObject({ iterations: 8, error: expect.stringMatching(/lease expired/) });
  });

  it('a SIGKILLed CLI run is interrupted by the next open once its lease has expired', async () => {
    const db = join(dir, 'shared.sqlite');
    const run = spawn(process.execPath, [cli, 'run', '--mdp', 'preset:frozenlake-8x8', '--algo', 'softmax-pg', '--iterations', '100000', '--db', db], {
      cwd: root,
      env,
      stdio: 'ignore',
    });
    children.push(run);
    await until('the CLI run to store points', () => runsIn(db), (rows) => rows.length === 1 && rows[0].status === 'running' && rows[0].iterations > 0);
    const gone = new Promise((r) => run.once('exit', r));
    run.kill('SIGKILL');
    await gone;
    await sleep(LEASE_MS + 500);
    // the next open (a server start) recovers it
    const server = await startServer(db);
    const rec = await call<{ status: string; iterations: number }>(server, 'runs:get', { id: 1 });
    expect(rec.status).toBe('interrupted');
    expect(rec.iterations).toBeGreaterThan(0);
  });

  it('serve.js refuses an unknown flag with exit 2 and the known flags', () => {
    const r = spawnSync(process.execPath, [serve, '--dbb', join(dir, 'x.sqlite')], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--dbb/);
    for (const flag of ['--port', '--db', '--renderer', '--print-json', '--help']) expect(r.stderr).toContain(flag);
    expect(existsSync(join(dir, 'x.sqlite'))).toBe(false);
  });
});
