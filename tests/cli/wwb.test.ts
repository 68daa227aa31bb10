/**
 * The `wwb` command end to end: the built CLI (out/main/wwb.js) as a real process, its JSON on stdout,
 * its exit codes, and the rows it leaves in a real SQLite file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const cli = join(root, 'out/main/wwb.js');
const dir = mkdtempSync(join(tmpdir(), 'wwb-cli-'));

function wwb(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function json(...args: string[]): any {
  const r = wwb(...args, '--json');
  if (r.code !== 0) throw new Error(`wwb ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  if (!existsSync(cli)) execFileSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'ignore' });
});

describe('wwb', () => {
  it('lists the presets', () => {
    const { presets } = json('presets');
    const byId = Object.fromEntries(presets.map((p: any) => [p.id, p]));
    expect(byId.taxi).toMatchObject({ states: 500, actions: 6 });
    expect(byId['frozenlake-8x8']).toMatchObject({ states: 64, actions: 4 });
    expect(byId['bandit-cosine'].actionKind).toBe('box');
  });

  it('solves a bandit to its Gibbs closed form', () => {
    const tau = 0.05;
    const out = json('solve', '--mdp', 'preset:bandit-quadratic', '--tau', String(tau));
    // r(a) = -(a - 0.3)^2 on 64 cells of [-1, 1], uniform mu: J* = tau log mean exp(r / tau)
    const n = out.N;
    const r = Array.from({ length: n }, (_, j) => -(((-1 + (j + 0.5) * (2 / n)) - 0.3) ** 2));
    const m = Math.max(...r);
    const Jstar = m + tau * Math.log(r.reduce((acc, v) => acc + Math.exp((v - m) / tau), 0) / n);
    expect(out.J).toBeCloseTo(Jstar, 12);
    const z = r.reduce((acc, v) => acc + Math.exp((v - m) / tau), 0);
    r.forEach((v, j) => expect(out.policy[0][j]).toBeCloseTo(Math.exp((v - m) / tau) / z, 12));
  });

  it('runs OT-TRPO into a database the app reads, trace and final snapshot included', () => {
    const db = join(dir, 'runs.sqlite');
    const out = json('run', '--mdp', 'preset:frozenlake-4x4', '--algo', 'ot-trpo', '--set', 'eps=0.3', '--iterations', '40', '--db', db, '--trace');
    const solved = json('solve', '--mdp', 'preset:frozenlake-4x4');
    expect(out.status).toBe('completed');
    expect(out.final.J).toBeCloseTo(solved.J, 9);
    for (const p of out.trace) expect(p.transportCost === null || p.transportCost <= 0.3 + 1e-12).toBe(true);
    const sqlite = new Database(db, { readonly: true });
    const run = sqlite.prepare('SELECT * FROM runs WHERE id = ?').get(out.runId) as any;
    expect(run.status).toBe('completed');
    expect(run.method).toBe('ot-trpo');
    const points = sqlite.prepare('SELECT COUNT(*) AS n, MAX(iteration) AS last FROM trace_points WHERE run_id = ?').get(out.runId) as any;
    expect(points.n).toBe(out.trace.length);
    expect(points.last).toBe(out.final.iteration);
    const snapshots = sqlite.prepare('SELECT COUNT(*) AS n FROM policy_snapshots WHERE run_id = ?').get(out.runId) as any;
    expect(snapshots.n).toBe(1);
    sqlite.close();
  });

  it('refuses bad input with exit code 2 and a located message', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        format: 'wasserstein-workbench/mdp',
        version: 1,
        name: 'bad',
        states: [{ label: 'a' }, { label: 'b' }],
        actions: { kind: 'discrete', labels: ['x', 'y'] },
        gamma: 0.9,
        initial: [1, 0],
        rewards: { kind: 'table', values: [[0, 1], [1, 0]] },
        transitions: {
          kind: 'table',
          entries: [
            { s: 0, a: 0, next: 0, p: 0.5 },
            { s: 0, a: 1, next: 1, p: 1 },
            { s: 1, a: 0, next: 0, p: 1 },
            { s: 1, a: 1, next: 1, p: 1 },
          ],
        },
      }),
    );
    const r = wwb('solve', '--mdp', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/state 0|transitions/);
    expect(r.stderr).toMatch(/0\.5/);
    expect(wwb('run', '--mdp', 'preset:chain', '--algo', 'nope').code).toBe(2);
    expect(wwb('solve', '--mdp', 'preset:chain', '--gamma', '1.5').stderr).toMatch(/gamma.*\[0, 1\)/);
    expect(wwb('run', '--mdp', 'preset:chain', '--algo', 'npg', '--set', 'bogus=1').stderr).toMatch(/unknown option 'bogus'/);
    expect(wwb('run', '--mdp', 'preset:taxi', '--algo', 'npg', '--set', 'eta=50').code).toBe(2);
  });

  it('converts a Gymnasium table and solves it', () => {
    const gym = join(dir, 'gym.json');
    // two states, two actions; as json.dumps(env.unwrapped.P) writes it (keys are strings)
    writeFileSync(
      gym,
      JSON.stringify({
        P: {
          '0': { '0': [[1.0, 0, 0.0, false]], '1': [[0.5, 1, 1.0, false], [0.5, 1, 1.0, false]] },
          '1': { '0': [[1.0, 1, 0.0, true]], '1': [[1.0, 0, 2.0, false]] },
        },
        initial_state_distrib: [1, 0],
      }),
    );
    const out = join(dir, 'gym-native.json');
    expect(json('convert', '--from', 'gymnasium', gym, '--out', out)).toMatchObject({ states: 2, actions: 2 });
    const solved = json('solve', '--mdp', out, '--gamma', '0.5');
    // V(1) = max(0 [terminated], 2 + 0.5 V(0)); V(0) = max(0.5 V(0), 1 + 0.5 V(1)) => V(0) = 1 + 0.5 (2 + 0.5 V(0)) => V(0) = 8/3
    expect(solved.V[0]).toBeCloseTo(8 / 3, 10);
    expect(solved.V[1]).toBeCloseTo(2 + 4 / 3, 10);
  });

  it('stops a diverging run with the iteration and quantity, and stores it as failed', () => {
    const huge = join(dir, 'huge.json');
    writeFileSync(
      huge,
      JSON.stringify({
        format: 'wasserstein-workbench/mdp',
        version: 1,
        name: 'huge rewards',
        states: [{ label: 'only' }],
        actions: { kind: 'discrete', labels: ['x', 'y'] },
        gamma: 0.99,
        initial: [1],
        rewards: { kind: 'table', values: [[1e300, -1e300]] },
        transitions: { kind: 'table', entries: [{ s: 0, a: 0, next: 0, p: 1 }, { s: 0, a: 1, next: 0, p: 1 }] },
      }),
    );
    const db = join(dir, 'diverge.sqlite');
    const r = wwb('run', '--mdp', huge, '--algo', 'npg', '--set', 'eta=0.05', '--db', db, '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/diverged at iteration \d+/);
    const sqlite = new Database(db, { readonly: true });
    const run = sqlite.prepare('SELECT status, error FROM runs WHERE id = ?').get(out.runId) as any;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/diverged/);
    sqlite.close();
  });
});
