/**
 * `wwb stats` against the same statistics computed here, independently, from `wwb export` files, and the
 * Python reader (tools/python/wwb_reader.py) under /usr/bin/python3 on the same database. Needs the
 * built CLI (npx electron-vite build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../main/fixtures';

const root = resolve(__dirname, '../..');
const cli = join(root, 'out/main/wwb.js');

function wwb(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** CSV of `wwb export`: '#' provenance lines, a header, rows. */
function parseCsv(text: string): { meta: string[]; header: string[]; rows: (number | null)[][] } {
  const lines = text.trim().split('\n');
  const meta = lines.filter((l) => l.startsWith('#'));
  const body = lines.filter((l) => !l.startsWith('#'));
  return { meta, header: body[0].split(','), rows: body.slice(1).map((l) => l.split(',').map((c) => (c === '' ? null : Number(c)))) };
}

// independent implementations (deliberately not importing src/shared/stats.ts)
const avg = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const med = (x: number[]) => {
  const s = [...x].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** scipy.stats.trim_mean(x, 0.25) */
const trimMean25 = (x: number[]) => {
  const s = [...x].sort((a, b) => a - b);
  const k = Math.floor(0.25 * s.length);
  return avg(s.slice(k, s.length - k));
};

let dir: string;
let cleanup: () => void;
let db: string;
const methods = ['ot-trpo', 'kl-trpo'];
const seeds = [1, 2, 3, 4];
const iterations = 4;

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('build first: npx electron-vite build');
  ({ dir, cleanup } = tempDir('wwb-stats-'));
  db = join(dir, 'sweep.sqlite');
  for (const algo of methods)
    for (const seed of seeds) {
      const r = wwb('run', '--mdp', 'preset:cliffwalking', '--algo', algo, '--iterations', String(iterations), '--init', 'random', '--seed', String(seed), '--db', db, '--experiment', 'sweep');
      expect(r.code, r.stderr).toBe(0);
    }
  // a run outside the experiment: must not be counted
  expect(wwb('run', '--mdp', 'preset:chain', '--algo', 'ot-trpo', '--iterations', '2', '--db', db).code).toBe(0);
}, 180_000);
afterAll(() => cleanup?.());

describe('wwb stats', () => {
  it('normalised scores, mean / median / IQM and P(improvement) equal those computed from the exported CSV', () => {
    const out = wwb('stats', '--db', db, '--experiment', 'sweep', '--reps', '500', '--seed', '11', '--json');
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.scores).toHaveLength(methods.length * seeds.length);

    // J_uniform as the brief defines it: row 0 of a run started from the uniform policy
    const uni = join(dir, 'uniform.sqlite');
    const u = JSON.parse(wwb('run', '--mdp', 'preset:cliffwalking', '--algo', 'ot-trpo', '--iterations', '1', '--init', 'uniform', '--db', uni, '--json').stdout);
    const uniCsv = parseCsv(wwb('export', '--run', String(u.runId), '--db', uni).stdout);
    const Juniform = uniCsv.rows[0][uniCsv.header.indexOf('J')]!;

    const byMethod = new Map<string, number[]>();
    for (const s of report.scores) {
      const csv = parseCsv(wwb('export', '--run', String(s.runId), '--db', db).stdout);
      expect(csv.rows).toHaveLength(iterations + 1);
      expect(csv.meta.join('\n')).toMatch(/config_hash [0-9a-f]{64}/);
      const json = JSON.parse(wwb('export', '--run', String(s.runId), '--db', db, '--format', 'json').stdout);
      const J = csv.rows[csv.rows.length - 1][csv.header.indexOf('J')]!;
      const Jstar = json.run.diagnostics.Jstar as number;
      const score = (J - Juniform) / (Jstar - Juniform);
      expect(s.Juniform).toBeCloseTo(Juniform, 8);
      expect(s.score).toBeCloseTo(score, 10);
      byMethod.set(json.run.method, [...(byMethod.get(json.run.method) ?? []), score]);
    }
    for (const g of report.groups) {
      const x = byMethod.get(g.key)!;
      expect(g.runs).toBe(seeds.length);
      expect(g.mean.estimate).toBeCloseTo(avg(x), 12);
      expect(g.median.estimate).toBeCloseTo(med(x), 12);
      expect(g.iqm.estimate).toBeCloseTo(trimMean25(x), 12);
      for (const k of ['mean', 'median', 'iqm']) {
        expect(g[k].lo).toBeLessThanOrEqual(g[k].estimate + 1e-15);
        expect(g[k].hi).toBeGreaterThanOrEqual(g[k].estimate - 1e-15);
        // bootstrap intervals lie within the range of the sample
        expect(g[k].lo).toBeGreaterThanOrEqual(Math.min(...x) - 1e-15);
        expect(g[k].hi).toBeLessThanOrEqual(Math.max(...x) + 1e-15);
      }
      expect(g.zeroWidth).toBe(new Set(x).size === 1);
    }
    // P(ot > kl) by counting pairs
    const [a, b] = [byMethod.get('ot-trpo')!, byMethod.get('kl-trpo')!];
    let wins = 0;
    for (const p of a) for (const q of b) wins += p > q ? 1 : p === q ? 0.5 : 0;
    const poi = report.improvement.find((i: { a: string; b: string }) => i.a === 'ot-trpo' && i.b === 'kl-trpo');
    expect(poi.probability.estimate).toBeCloseTo(wins / (a.length * b.length), 12);

    // performance profiles: the fraction of each group's scores >= tau, counted here
    expect(report.profiles.map((g: { key: string }) => g.key)).toEqual(report.groups.map((g: { key: string }) => g.key));
    for (const g of report.profiles) {
      const x = byMethod.get(g.key)!;
      expect(g.points).toHaveLength(21);
      for (const p of g.points) {
        expect(p.fraction.estimate).toBeCloseTo(x.filter((v) => v >= p.tau).length / x.length, 12);
        expect(p.fraction.lo).toBeLessThanOrEqual(p.fraction.estimate);
        expect(p.fraction.hi).toBeGreaterThanOrEqual(p.fraction.estimate);
      }
    }
    // the booktabs table: the same estimates at three decimals, the app version and config hashes
    const tex = wwb('stats', '--db', db, '--experiment', 'sweep', '--reps', '500', '--seed', '11', '--latex');
    expect(tex.code, tex.stderr).toBe(0);
    expect(tex.stdout).toMatch(/^% made by Wasserstein Workbench \S+; needs \\usepackage\{booktabs\}/);
    expect(tex.stdout).toMatch(/% run \d+ config [0-9a-f]{64}/);
    for (const g of report.groups)
      expect(tex.stdout).toContain(`${g.key} & ${g.runs} & 1 & ${g.mean.estimate.toFixed(3)} {\\small[${g.mean.lo.toFixed(3)}, ${g.mean.hi.toFixed(3)}]}`);
    expect(wwb('stats', '--db', db, '--json', '--latex').stderr).toMatch(/--json and --latex cannot be combined/);

    // the same seed gives the same intervals; the text form names the statistics
    expect(wwb('stats', '--db', db, '--experiment', 'sweep', '--reps', '500', '--seed', '11', '--json').stdout).toBe(out.stdout);
    const text = wwb('stats', '--db', db, '--experiment', 'sweep', '--reps', '500');
    expect(text.stdout).toMatch(/IQM/);
    expect(text.stdout).toMatch(/probability of improvement/);
  }, 120_000);

  it('says so when a band has zero width, and refuses bad input with a specific message', () => {
    // the exact method from the uniform policy: every seed gives the same run
    const det = join(dir, 'det.sqlite');
    for (const seed of [1, 2, 3]) expect(wwb('run', '--mdp', 'preset:chain', '--algo', 'ot-trpo', '--iterations', '3', '--seed', String(seed), '--db', det, '--experiment', 'det').code).toBe(0);
    const r = wwb('stats', '--db', det, '--reps', '200');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/zero width/);
    expect(r.stdout).toMatch(/random initial policies/);
    const missing = wwb('stats', '--db', det, '--experiment', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no experiment named 'nope'.*'det'/);
    expect(wwb('stats', '--db', det, '--reps', '3').stderr).toMatch(/--reps/);
    expect(wwb('stats').stderr).toMatch(/--db FILE is required/);
  }, 60_000);

  it('on a sweep run by `wwb sweep`: groups of the grid, zero-width bands named, and the reader loads it', () => {
    const spec = {
      name: 'cliff radii',
      mdps: ['preset:cliffwalking'],
      methods: [
        { method: 'ot-trpo', options: { eps: [0.05, 0.2] } },
        { method: 'kl-trpo', options: { delta: [0.02, 0.1] } },
      ],
      seeds: [1, 2],
      iterations: 5,
    };
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify(spec));
    const swept = join(dir, 'swept.sqlite');
    const run = wwb('sweep', file, '--db', swept, '--workers', '1');
    expect(run.code, run.stderr).toBe(0);
    const bySetting = JSON.parse(wwb('stats', '--db', swept, '--experiment', 'cliff radii', '--group-by', 'all-but-seed', '--reps', '200', '--json').stdout);
    expect(bySetting.groups).toHaveLength(4);
    for (const g of bySetting.groups) {
      // the exact methods from the uniform policy: both seeds give the same run
      expect(g.runs).toBe(2);
      expect(g.zeroWidth).toBe(true);
      expect(g.note).toMatch(/random initial policies/);
      expect(g.iqm.lo).toBe(g.iqm.hi);
    }
    const byMethod = JSON.parse(wwb('stats', '--db', swept, '--experiment', 'cliff radii', '--reps', '200', '--json').stdout);
    expect(byMethod.groups.map((g: { key: string; runs: number }) => [g.key, g.runs])).toEqual([['ot-trpo', 4], ['kl-trpo', 4]]);
    const byRadius = JSON.parse(wwb('stats', '--db', swept, '--experiment', 'cliff radii', '--group-by', 'eps', '--reps', '200', '--json').stdout);
    expect(byRadius.groups.map((g: { key: string }) => g.key).sort()).toEqual(['eps=(unset)', 'eps=0.05', 'eps=0.2']);
    const py = spawnSync('/usr/bin/python3', [join(root, 'tools/python/wwb_reader.py'), swept, '--experiment', 'cliff radii'], { encoding: 'utf8', timeout: 60_000 });
    expect(py.status, py.stderr).toBe(0);
    const summary = JSON.parse(py.stdout);
    expect(summary.runs).toHaveLength(8);
    for (const id of summary.runs) {
      const csv = parseCsv(wwb('export', '--run', String(id), '--db', swept).stdout);
      expect(summary.rows_per_run[String(id)]).toBe(csv.rows.length);
    }
  }, 120_000);

  it('the Python reader loads experiments, runs and full traces (pandas under /usr/bin/python3)', () => {
    const py = spawnSync('/usr/bin/python3', [join(root, 'tools/python/wwb_reader.py'), db, '--experiment', 'sweep'], { encoding: 'utf8', timeout: 60_000 });
    expect(py.status, py.stderr).toBe(0);
    const summary = JSON.parse(py.stdout);
    expect(summary.pandas).toBe(true);
    // 'sweep' and the default experiment of the MDP of the runs filed under none (migration 0006)
    expect(summary.experiments.filter((n: string) => !n.startsWith('Default: '))).toEqual(['sweep']);
    expect(summary.runs).toHaveLength(methods.length * seeds.length);
    expect(summary.methods).toEqual([...methods].sort());
    for (const id of summary.runs) expect(summary.rows_per_run[String(id)]).toBe(iterations + 1);
    // final J equals the last exported CSV row
    const id = summary.runs[0];
    const csv = parseCsv(wwb('export', '--run', String(id), '--db', db).stdout);
    expect(summary.final_J[String(id)]).toBe(csv.rows[csv.rows.length - 1][csv.header.indexOf('J')]);
    // tags and notes columns come through a DataFrame
    const script = `import sys; sys.path.insert(0, ${JSON.stringify(join(root, 'tools/python'))}); from wwb_reader import Workbench
wb = Workbench(${JSON.stringify(db)}); r = wb.runs('sweep'); t = wb.traces(experiment='sweep')
print(type(r).__name__, len(r), 'tags' in r.columns, 'opt_eps' in r.columns, len(t), list(t.columns[:3]))`;
    const df = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(df.status, df.stderr).toBe(0);
    expect(df.stdout.trim()).toBe(`DataFrame ${methods.length * seeds.length} True True ${methods.length * seeds.length * (iterations + 1)} ['run_id', 'iteration', 'J']`);
  }, 60_000);
});
