/**
 * The `wwb` command end to end: the built CLI (out/main/wwb.js) as a real process, its JSON on stdout,
 * its exit codes, and the rows it leaves in a real SQLite file.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

  it('runs OT-TRPO into a database the app reads, trace and the driver\'s snapshots included', () => {
    const db = join(dir, 'runs.sqlite');
    const out = json('run', '--mdp', 'preset:frozenlake-4x4', '--algo', 'ot-trpo', '--set', 'eps=0.3', '--iterations', '40', '--db', db, '--trace', '--label', 'cli label', '--experiment', 'cli experiment');
    const solved = json('solve', '--mdp', 'preset:frozenlake-4x4');
    expect(out.status).toBe('completed');
    expect(out.converged).toBe(true);
    expect(out.diagnostics.convergenceCriterion).toMatch(/gap/);
    expect(out.final.J).toBeCloseTo(solved.J, 9);
    for (const p of out.trace) expect(p.transportCost === null || p.transportCost <= 0.3 + 1e-12).toBe(true);
    const sqlite = new Database(db, { readonly: true });
    const run = sqlite.prepare('SELECT * FROM runs WHERE id = ?').get(out.runId) as any;
    expect(run.status).toBe('completed');
    expect(run.method).toBe('ot-trpo');
    expect(run.label).toBe('cli label');
    const experiment = sqlite.prepare('SELECT name FROM experiments WHERE id = ?').get(run.experiment_id) as any;
    expect(experiment.name).toBe('cli experiment');
    const points = sqlite.prepare('SELECT COUNT(*) AS n, MAX(iteration) AS last FROM trace_points WHERE run_id = ?').get(out.runId) as any;
    expect(points.n).toBe(out.trace.length);
    expect(points.last).toBe(out.final.iteration);
    // the same snapshot schedule as the app: iteration 0, powers of two, ~5% steps, the last row
    const snapshots = (sqlite.prepare('SELECT iteration FROM policy_snapshots WHERE run_id = ? ORDER BY iteration').all(out.runId) as any[]).map((r) => r.iteration);
    expect(snapshots[0]).toBe(0);
    expect(snapshots).toContain(1);
    expect(snapshots[snapshots.length - 1]).toBe(out.final.iteration);
    expect(snapshots.length).toBeGreaterThan(2);
    sqlite.close();
  });

  it('--iterations N performs N updates: N + 1 trace rows (NPG, OT-TRPO), stored as such', () => {
    const db = join(dir, 'iterations.sqlite');
    for (const [algo, set] of [
      ['npg', 'eta=0.05'],
      ['ot-trpo', 'eps=0.05'],
    ]) {
      const out = json('run', '--mdp', 'preset:frozenlake-4x4', '--algo', algo, '--set', set, '--iterations', '5', '--trace', '--db', db);
      expect(out.trace.map((p: any) => p.iteration)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(out.iterations).toBe(5);
      const sqlite = new Database(db, { readonly: true });
      expect((sqlite.prepare('SELECT COUNT(*) AS n FROM trace_points WHERE run_id = ?').get(out.runId) as any).n).toBe(6);
      sqlite.close();
    }
  });

  it('refuses tau > 0 for the plain-objective methods with exit 2 and stores nothing', () => {
    const db = join(dir, 'refused.sqlite');
    for (const algo of ['ot-trpo', 'wpo-song', 'kl-trpo']) {
      const r = wwb('run', '--mdp', 'preset:frozenlake-4x4', '--algo', algo, '--tau', '0.1', '--db', db);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^wwb: ${algo}: option 'tau' must be 0, got 0\\.1: .*wasserstein-flow, langevin, jko-sinkhorn, npg\\)\\n$`));
    }
    // refused before the database is opened: no file, or no run in it
    if (existsSync(db)) {
      const sqlite = new Database(db, { readonly: true });
      expect((sqlite.prepare('SELECT COUNT(*) AS n FROM runs').get() as any).n).toBe(0);
      sqlite.close();
    }
  });

  it('refuses the nonsense settings of issue 8 with exit 2, naming option, range and method', () => {
    const cases: [string[], RegExp][] = [
      [['--mdp', 'preset:frozenlake-4x4', '--algo', 'kl-trpo', '--set', 'delta=1e12'], /kl-trpo: option 'delta' must lie in \(0, 20\], got 1000000000000/],
      [['--mdp', 'preset:frozenlake-4x4', '--algo', 'ot-trpo', '--set', 'tieTol=1e300'], /ot-trpo: option 'tieTol' must lie in \[0, 0\.000001\], got 1e\+300/],
      [['--mdp', 'preset:bandit-quadratic', '--algo', 'langevin', '--set', 'dt=1e6'], /langevin: option 'dt' must lie in \(0, 1\], got 1000000/],
      [['--mdp', 'preset:frozenlake-4x4', '--algo', 'ot-trpo', '--set', 'eps=10'], /ot-trpo: option 'eps' \(radius\) must lie in \(0, 4\] on this MDP/],
      [['--mdp', 'preset:frozenlake-4x4', '--algo', 'npg', '--set', 'seed=3'], /npg: unknown option 'seed'/],
      [['--mdp', 'preset:bandit-quadratic', '--algo', 'langevin', '--set', 'seed=3'], /langevin: unknown option 'seed'/],
    ];
    for (const [args, message] of cases) {
      const r = wwb('run', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a run that freezes away from the optimum ends stalled with its reason (exit 0, status stalled)', () => {
    const out = json('run', '--mdp', 'preset:frozenlake-4x4', '--algo', 'kl-trpo', '--set', 'delta=1e-30', '--iterations', '300');
    expect(out.status).toBe('stalled');
    expect(out.converged).toBe(false);
    expect(out.diagnostics.stopReason).toBe('stalled');
    expect(out.detail).toMatch(/stalled at iteration \d+: .* while the gap .* is above the tolerance/);
  });

  it('strict flags: an unknown flag or command is exit 2 listing what is known; --version; per-command --help', () => {
    const unknown = wwb('run', '--mdp', 'preset:chain', '--algo', 'npg', '--batch', '3');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^wwb: run: Unknown option '--batch' \(known flags: --mdp, --algo, .*--label, --experiment.*\)\n$/);
    const solveFlag = wwb('solve', '--mdp', 'preset:chain', '--algo', 'npg');
    expect(solveFlag.code).toBe(2);
    expect(solveFlag.stderr).toMatch(/known flags: --mdp, --gamma, --tau, --json, --help/);
    expect(wwb('frobnicate').code).toBe(2);
    expect(wwb('presets', 'extra').code).toBe(2);
    const version = wwb('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    const help = wwb('export', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^wwb export --run ID --db FILE/);
    expect(help.stdout).toMatch(/--format csv\|json/);
    const methodHelp = wwb('run', '--algo', 'ot-trpo', '--help');
    expect(methodHelp.stdout).toMatch(/eps=0\.1 +\(0, 1e12\] \[cost units\]/);
    expect(methodHelp.stdout).toMatch(/tieTol=1e-9 +\[0, 0\.000001\]/);
  });

  it('stdout is complete through a real pipe (solve on Taxi; a >1 MB trace)', () => {
    const reader = `const s = require('fs').readFileSync(0); JSON.parse(s); process.stdout.write(String(s.length))`;
    const solve = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${cli}" solve --mdp preset:taxi --json | "${process.execPath}" -e "${reader}"`], { encoding: 'utf8', cwd: root, timeout: 120_000 });
    expect(solve.status, solve.stderr).toBe(0);
    expect(Number(solve.stdout)).toBeGreaterThan(65_536);
    const big = spawnSync(
      'bash',
      ['-c', `set -o pipefail; "${process.execPath}" "${cli}" run --mdp preset:bandit-quadratic --algo langevin --set particles=8 --iterations 4000 --trace --json | "${process.execPath}" -e "${reader}"`],
      { encoding: 'utf8', cwd: root, timeout: 120_000 },
    );
    expect(big.status, big.stderr).toBe(0);
    expect(Number(big.stdout)).toBeGreaterThan(1_000_000);
  });

  it('overflow in solve or run is exit 1 naming the quantity (a reward of 1e308)', () => {
    const huge = join(dir, 'huge308.json');
    writeFileSync(
      huge,
      JSON.stringify({
        format: 'wasserstein-workbench/mdp',
        version: 1,
        name: 'huge 1e308',
        states: [{ label: 'only' }],
        actions: { kind: 'discrete', labels: ['x', 'y'] },
        gamma: 0.9,
        initial: [1],
        rewards: { kind: 'table', values: [[1e308, 0]] },
        transitions: { kind: 'table', entries: [{ s: 0, a: 0, next: 0, p: 1 }, { s: 0, a: 1, next: 0, p: 1 }] },
      }),
    );
    const solve = wwb('solve', '--mdp', huge);
    expect(solve.code).toBe(1);
    expect(solve.stdout).toBe('');
    expect(solve.stderr).toMatch(/^wwb: overflow: J\* is Infinity/);
    const run = wwb('run', '--mdp', huge, '--algo', 'ot-trpo', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'failed', stopReason: 'diverged' });
    expect(JSON.parse(run.stdout).error).toMatch(/Infinity/);
  });

  it('SIGINT during `wwb run --db` finishes the run as cancelled with its trace, exit 130; export writes every row', async () => {
    const db = join(dir, 'signal.sqlite');
    const child = spawn(process.execPath, [cli, 'run', '--mdp', 'preset:bandit-quadratic', '--algo', 'langevin', '--set', 'particles=16', '--iterations', '10000000', '--db', db, '--json'], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    // wait until rows are stored, then interrupt
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(db)) continue;
      const probe = new Database(db, { readonly: true, fileMustExist: true });
      const n = (probe.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'trace_points'").get() as any).n ? (probe.prepare('SELECT COUNT(*) AS n FROM trace_points').get() as any).n : 0;
      probe.close();
      if (n > 100) break;
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(130);
    const out = JSON.parse(stdout);
    expect(out.status).toBe('cancelled');
    const sqlite = new Database(db, { readonly: true });
    const run = sqlite.prepare('SELECT status FROM runs WHERE id = ?').get(out.runId) as any;
    expect(run.status).toBe('cancelled');
    const points = sqlite.prepare('SELECT COUNT(*) AS n, MIN(iteration) AS first, MAX(iteration) AS last FROM trace_points WHERE run_id = ?').get(out.runId) as any;
    expect(points.n).toBeGreaterThan(100);
    expect(points).toMatchObject({ first: 0, last: out.iterations, n: out.iterations + 1 });
    sqlite.close();
    // the full-resolution export: one CSV line per stored row, and the JSON rows equal
    const csv = wwb('export', '--run', String(out.runId), '--db', db);
    expect(csv.code).toBe(0);
    // provenance in '#' lines (app version, config hash), then the header and the rows
    expect(csv.stdout).toMatch(/^# .*\n# run app_version .*; config_hash [0-9a-f]{64}\n/);
    const lines = csv.stdout.trim().split('\n').filter((l) => !l.startsWith('#'));
    expect(lines[0]).toMatch(/^iteration,J,Jplain,gap,/);
    expect(lines).toHaveLength(points.n + 1);
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(Array.from({ length: points.n }, (_, i) => i));
    const file = join(dir, 'export.json');
    expect(wwb('export', '--run', String(out.runId), '--db', db, '--format', 'json', '--out', file).code).toBe(0);
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    expect(exported.run.status).toBe('cancelled');
    expect(exported.rows).toHaveLength(points.n);
    expect(exported.rows[points.n - 1].iteration).toBe(out.iterations);
    expect(wwb('export', '--run', '999', '--db', db).code).toBe(2);
  }, 60_000);

  it('SIGTERM during `wwb run --db` finishes the run as cancelled, exit 143', async () => {
    const db = join(dir, 'sigterm.sqlite');
    const child = spawn(process.execPath, [cli, 'run', '--mdp', 'preset:bandit-quadratic', '--algo', 'langevin', '--set', 'particles=16', '--iterations', '10000000', '--db', db, '--json'], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    for (let i = 0; i < 200 && !existsSync(db); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(143);
    const out = JSON.parse(stdout);
    const sqlite = new Database(db, { readonly: true });
    expect((sqlite.prepare('SELECT status FROM runs WHERE id = ?').get(out.runId) as any).status).toBe('cancelled');
    expect((sqlite.prepare('SELECT COUNT(*) AS n FROM trace_points WHERE run_id = ?').get(out.runId) as any).n).toBe(out.iterations + 1);
    sqlite.close();
  }, 60_000);

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
