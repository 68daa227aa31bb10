/**
 * `wwb export-bundle` / `wwb import-bundle` on real database files: runs made by `wwb run`, a gzip bundle
 * imported into a fresh database gives the same `wwb export` files; a second import adds nothing;
 * unwritable paths, damaged and hostile files get one specific line (exit 2) with nothing stored or
 * written. Then the Python reader (/usr/bin/python3, pandas) on the imported database. Needs the
 * built CLI (npx electron-vite build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db';
import { tempDir } from '../main/fixtures';

const root = resolve(__dirname, '../..');
const cli = join(root, 'out/main/wwb.js');
const wwb = (...args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};
function rows(db: string): Record<string, number> {
  const d = openDatabase(db);
  try {
    const q = (t: string) => d.sqlite.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
    return { mdps: q('mdps'), experiments: q('experiments'), runs: q('runs'), trace_points: q('trace_points'), policy_snapshots: q('policy_snapshots') };
  } finally {
    d.close();
  }
}

let dir: string;
let cleanup: () => void;
let src: string;
beforeAll(() => {
  expect(existsSync(cli), 'build first: npx electron-vite build').toBe(true);
  ({ dir, cleanup } = tempDir('wwb-bundle-cli-'));
  src = join(dir, 'src.sqlite');
  for (const [algo, seed, init] of [['ot-trpo', '1', 'random'], ['kl-trpo', '2', 'uniform']] as const) {
    const r = wwb('run', '--mdp', 'preset:cliffwalking', '--algo', algo, '--iterations', '15', '--seed', seed, '--init', init, '--db', src, '--experiment', 'cliff radii', '--label', `${algo}-${seed}`);
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);
afterAll(() => cleanup());

describe('wwb export-bundle / import-bundle', () => {
  it('round trip through gzip into a fresh database: same exports, inits recorded; a second import adds nothing', () => {
    const bundle = join(dir, 'radii.json.gz');
    const ex = wwb('export-bundle', '--db', src, '--experiment', 'cliff radii', '--out', bundle, '--json');
    expect(ex.code, ex.stderr).toBe(0);
    expect(JSON.parse(ex.stdout)).toMatchObject({ runs: 2, experiments: 1, mdps: 1, skippedActive: [] });
    expect(readFileSync(bundle).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);

    const dst = join(dir, 'fresh.sqlite');
    const im = wwb('import-bundle', bundle, '--db', dst, '--json');
    expect(im.code, im.stderr).toBe(0);
    const first = JSON.parse(im.stdout);
    expect(first).toMatchObject({ runIds: [1, 2], runsSkipped: 0, mdpsCreated: 1, experimentsCreated: 1 });
    for (const [a, b] of [[1, 1], [2, 2]]) {
      for (const format of ['csv', 'json']) {
        const x = wwb('export', '--run', String(a), '--db', src, '--format', format).stdout;
        const y = wwb('export', '--run', String(b), '--db', dst, '--format', format).stdout;
        expect(y.split('\n').slice(1)).toEqual(x.split('\n').slice(1)); // the first line names who exported
        expect(y.length).toBeGreaterThan(1000);
      }
    }
    const d = openDatabase(dst);
    const inits = d.sqlite.prepare('SELECT label, init FROM runs ORDER BY id').all();
    d.close();
    expect(inits).toEqual([
      { label: 'ot-trpo-1', init: '{"kind":"random","seed":1}' },
      { label: 'kl-trpo-2', init: '{"kind":"uniform"}' },
    ]);
    const before = rows(dst);
    const again = wwb('import-bundle', bundle, '--db', dst);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^imported 0 run\(s\); 2 already present; MDPs 0 new, 1 reused; experiments 0 new, 1 reused/);
    expect(rows(dst)).toEqual(before);

    // the Python reader on the imported database: experiments, runs (tags, notes, init) and traces as DataFrames
    const script = `import sys, json; sys.path.insert(0, ${JSON.stringify(join(root, 'tools/python'))}); from wwb_reader import Workbench
wb = Workbench(${JSON.stringify(dst)}); e = wb.experiments(); r = wb.runs('cliff radii'); t = wb.traces(experiment='cliff radii'); s = wb.snapshots(r['id'].tolist()[0])
print(json.dumps({"exp": e['name'].tolist(), "default": [bool(x) for x in e['is_default']], "runs": len(r), "labels": r['label'].tolist(), "init": r['init'].tolist(), "experiment": r['experiment'].tolist(), "rows": t.groupby('run_id').size().tolist(), "snap": [len(s), int(s['S'].iloc[0]), int(s['N'].iloc[0]), round(sum(s['policy'].iloc[0][:4]), 12)]}))`;
    const py = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(py.status, py.stderr).toBe(0);
    const got = JSON.parse(py.stdout);
    const s = openDatabase(src);
    const stored = s.sqlite.prepare('SELECT iterations FROM runs ORDER BY id').pluck().all();
    s.close();
    expect(got).toMatchObject({ exp: ['cliff radii'], default: [false], runs: 2, labels: ['ot-trpo-1', 'kl-trpo-2'], experiment: ['cliff radii', 'cliff radii'], rows: stored });
    expect(got.init).toEqual([{ kind: 'random', seed: 1 }, { kind: 'uniform' }]);
    expect(got.snap[0]).toBeGreaterThan(1);
    expect(got.snap[1] * got.snap[2]).toBeGreaterThan(4);
  }, 120_000);

  it('an unwritable path gets one clear line and nothing is written', () => {
    const missing = wwb('export-bundle', '--db', src, '--experiment', 'cliff radii', '--out', join(dir, 'no-such-folder', 'b.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`wwb: cannot write the bundle to '${join(dir, 'no-such-folder', 'b.json')}': the folder '${join(dir, 'no-such-folder')}' does not exist (ENOENT); nothing was written\n`);
    mkdirSync(join(dir, 'a-folder'));
    const folder = wwb('export-bundle', '--db', src, '--experiment', 'cliff radii', '--out', join(dir, 'a-folder'));
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/^wwb: cannot write the bundle to '.*a-folder': it is a folder \(EISDIR\); nothing was written\n$/);
    expect(readdirSync(join(dir, 'a-folder'))).toEqual([]);
    expect(wwb('export-bundle', '--db', src, '--experiment', 'nope', '--out', join(dir, 'x.json')).stderr).toBe("wwb: --experiment 'nope': no experiment has this name or id\n");
  });

  it('damaged, hostile and oversized files are refused with a specific line, nothing stored', () => {
    const good = join(dir, 'plain.json');
    expect(wwb('export-bundle', '--db', src, '--experiment', 'cliff radii', '--out', good).code).toBe(0);
    const text = readFileSync(good, 'utf8');
    const dst = join(dir, 'victim.sqlite');
    expect(wwb('import-bundle', good, '--db', dst).code).toBe(0);
    const before = rows(dst);
    const cases: [string, Buffer | string, RegExp][] = [
      ['truncated.json', text.slice(0, text.length / 2), /not valid JSON \(damaged or truncated\?\)/],
      ['truncated.json.gz', gzipSync(text).subarray(0, 200), /is a damaged gzip file/],
      ['bomb.json.gz', gzipSync(Buffer.alloc(300 * 1024 * 1024, 32)), /decompresses to more than 268435456 bytes/],
      ['edited.json', text.replace(/"label":"ot-trpo-1"/, '"label":"ot-trpo-X"'), /the bundle is damaged: its checksum is sha256:/],
      ['version.json', text.replace('"formatVersion":1', '"formatVersion":99'), /unknown bundle format version 99/],
    ];
    for (const [name, data, message] of cases) {
      writeFileSync(join(dir, name), data);
      const r = wwb('import-bundle', join(dir, name), '--db', dst);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(/^wwb: bundle refused, nothing was stored: /);
      expect(r.stderr, name).toMatch(message);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(rows(dst), name).toEqual(before);
    }
  }, 120_000);
});
