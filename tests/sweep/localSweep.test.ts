/**
 * `wwb sweep FILE --db F` on the local pool, end to end: real `wwb run` subprocesses, real shards, a real
 * merge into a real SQLite file. Two sweeps of the same spec give bit-identical traces on the reference
 * backend; merging twice stores nothing twice; MDPs are deduplicated; a corrupt or a foreign shard is
 * refused whole with its reason; bad sweep files exit 2; cancelling marks the unfinished runs cancelled.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commandMerge, commandSweep } from '../../src/cli/sweep';
import { readManifest } from '../../src/cli/sweep/layout';
import { runLocalPool } from '../../src/cli/sweep/localPool';
import { sweepStatus } from '../../src/cli/sweep/status';
import { captureIo, cli, count, ensureBuilt, expectSameRuns, storedRuns, tempDir, writeSpec } from './helpers';

const dir = tempDir('wwb-sweep-local-');
const spec = {
  name: 'frozen-lake radii',
  experiment: 'Frozen lake: OT vs KL',
  mdps: ['preset:frozenlake-4x4'],
  methods: [
    { method: 'ot-trpo', options: { eps: [0.1, 0.3] } },
    { method: 'kl-trpo', options: { delta: 0.05 } },
  ],
  seeds: [1, 2],
  iterations: 25,
};

beforeAll(() => ensureBuilt());

describe('wwb sweep on the local pool', () => {
  const shards = join(dir, 'shards-a');
  const dbA = join(dir, 'a.sqlite');
  const dbB = join(dir, 'b.sqlite');

  it('runs every run of the grid, merges it, and a second sweep gives bit-identical runs', async () => {
    const file = writeSpec(dir, spec);
    const io = captureIo();
    expect(await commandSweep([file, '--db', dbA, '--workers', '2', '--shards', shards], io)).toBe(0);
    expect(io.stderr).toMatch(/6\/6: 6 done, 0 running, 0 failed/);
    expect(io.stdout).toMatch(/6 runs stored, 0 already merged/);
    const a = storedRuns(dbA);
    expect(a.size).toBe(6);
    for (const run of a.values()) {
      expect(run.status).toBe('completed');
      expect(run.trace.length).toBe(run.iterations); // the stored count: the whole trace came across
      expect(run.trace.length).toBeGreaterThan(1);
      expect(run.snapshots.length).toBeGreaterThan(0);
      expect(run.experiment).toBe('Frozen lake: OT vs KL');
      expect(JSON.parse(run.init ?? 'null')).toEqual({ kind: 'uniform' }); // the shard's recorded init came across
    }
    // one MDP for the six runs (content hash), and the grid as specified
    expect(count(dbA, 'mdps')).toBe(1);
    expect([...a.values()].map((r) => `${r.method} ${JSON.parse(r.options).eps ?? JSON.parse(r.options).delta} ${r.seed}`).sort()).toEqual(
      ['kl-trpo 0.05 1', 'kl-trpo 0.05 2', 'ot-trpo 0.1 1', 'ot-trpo 0.1 2', 'ot-trpo 0.3 1', 'ot-trpo 0.3 2'],
    );

    // the same as a lone `wwb run` of that grid point
    const lone = JSON.parse(
      execFileSync(process.execPath, [cli, 'run', '--mdp', 'preset:frozenlake-4x4', '--algo', 'ot-trpo', '--set', 'eps=0.3', '--seed', '2', '--iterations', '25', '--trace', '--json'], { encoding: 'utf8' }),
    );
    const r0003 = a.get('r0003')!;
    expect(JSON.parse(r0003.options).eps).toBe(0.3);
    expect(r0003.seed).toBe(2);
    expect(r0003.trace.map((row) => row[1])).toEqual(lone.trace.map((p: { J: number }) => p.J));

    const io2 = captureIo();
    expect(await commandSweep([file, '--db', dbB, '--workers', '1', '--json'], io2)).toBe(0);
    const summary = JSON.parse(io2.stdout).merge;
    expect(summary.stored).toHaveLength(6);
    expectSameRuns(a, storedRuns(dbB), expect);
  });

  it('merging the same shards again stores nothing twice', async () => {
    const before = { runs: count(dbA, 'runs'), points: count(dbA, 'trace_points'), mdps: count(dbA, 'mdps'), experiments: count(dbA, 'experiments') };
    const io = captureIo();
    expect(await commandMerge([shards, '--db', dbA, '--json'], io)).toBe(0);
    const summary = JSON.parse(io.stdout).merge;
    expect(summary.stored).toEqual([]);
    expect(summary.alreadyMerged).toHaveLength(6);
    expect({ runs: count(dbA, 'runs'), points: count(dbA, 'trace_points'), mdps: count(dbA, 'mdps'), experiments: count(dbA, 'experiments') }).toEqual(before);
  });

  it('refuses a corrupt shard and a foreign shard whole, naming them, and merges the rest', async () => {
    const manifest = readManifest(shards);
    const status = sweepStatus(shards, manifest, false);
    const shardOf = (key: string) => {
      const row = status.rows.find((r) => r.run.key === key)!;
      return join(shards, 'shards', `a${row.attempt}-t${row.task}.db`);
    };
    // r0000 (ot-trpo eps=0.1) gets garbage; r0002 (ot-trpo eps=0.3) gets the shard of r0004 (kl-trpo)
    writeFileSync(shardOf('r0000'), 'this is not a database '.repeat(100));
    for (const suffix of ['-wal', '-shm']) if (existsSync(shardOf('r0000') + suffix)) writeFileSync(shardOf('r0000') + suffix, '');
    copyFileSync(shardOf('r0004'), shardOf('r0002'));
    const target = join(dir, 'c.sqlite');
    const io = captureIo();
    expect(await commandMerge([shards, '--db', target, '--json'], io)).toBe(1);
    const summary = JSON.parse(io.stdout).merge;
    const refused = Object.fromEntries(summary.refusedShards.map((r: { keys: string[]; reason: string }) => [r.keys[0], r.reason]));
    expect(refused.r0000).toMatch(/not a SQLite database/);
    expect(refused.r0002).toMatch(/foreign shard: run 1 is not r0002 of this sweep \(method kl-trpo, expected ot-trpo/);
    const c = storedRuns(target);
    expect([...c.keys()].sort()).toEqual(['r0001', 'r0003', 'r0004', 'r0005']);
  });

  it('refuses a sweep file with unknown keys or an empty grid with exit 2 and the reason', async () => {
    for (const [bad, message] of [
      [{ ...spec, seed: [1] }, /unknown key 'seed'/],
      [{ ...spec, methods: [{ method: 'ot-trpo', options: { eps: [] } }] }, /methods\[0\]\.options\.eps: the list is empty/],
      [{ ...spec, mdps: ['preset:no-such-mdp'] }, /unknown preset 'no-such-mdp'/],
    ] as const) {
      const io = captureIo();
      const target = join(dir, 'never.sqlite');
      expect(await commandSweep([writeSpec(dir, bad, 'bad.json'), '--db', target], io)).toBe(2);
      expect(io.stderr).toMatch(message);
      expect(existsSync(target)).toBe(false);
    }
  });

  it('reads a YAML sweep file', async () => {
    const yaml = writeSpec(
      dir,
      'name: yaml sweep\nmdps: [preset:frozenlake-4x4]\nmethods:\n  - method: ot-trpo\n    options: {eps: {from: 0.05, to: 0.2, count: 2, log: true}}\nseeds: 1\niterations: 5\n',
      'sweep.yaml',
    );
    const io = captureIo();
    expect(await commandSweep([yaml, '--db', join(dir, 'yaml.sqlite'), '--workers', '1'], io)).toBe(0);
    const runs = [...storedRuns(join(dir, 'yaml.sqlite')).values()].map((r) => JSON.parse(r.options).eps).sort();
    expect(runs).toEqual([0.05, 0.2]);
  });

  it('cancelling the pool marks the started and the queued runs cancelled and merges none as done', async () => {
    const file = writeSpec(dir, { ...spec, name: 'long', methods: [{ method: 'kl-trpo' }], seeds: [1, 2, 3], iterations: 10_000_000, mdps: ['preset:taxi'] }, 'long.json');
    const cancelDir = join(dir, 'shards-cancel');
    // build the manifest as `wwb sweep` does, without running it: a dry run would not write it, so use the pool directly
    const io = captureIo();
    const controller = new AbortController();
    const { loadSweepFile } = await import('../../src/cli/sweep/specFile');
    const loaded = loadSweepFile(file);
    expect(loaded.runs).toHaveLength(3);
    // start the real command with a signal: the first progress report with a run running aborts it
    const { ensureLayout, writeManifest } = await import('../../src/cli/sweep/layout');
    ensureLayout(cancelDir);
    const manifest = {
      format: 'wasserstein-workbench/sweep-shards' as const,
      version: 1 as const,
      sweepId: 'cancel-test',
      name: 'long',
      experiment: 'long',
      createdAt: new Date().toISOString(),
      appVersion: 'test',
      node: process.execPath,
      cli: process.env.WWB_CLI!,
      spec: loaded.raw,
      runs: loaded.runs.map((r) => ({ key: r.key, mdpArg: r.mdp.ref, mdpRef: r.mdp, method: r.method, set: r.set, options: r.options, seed: r.seed, iterations: r.iterations, backend: r.backend, init: r.init, label: r.key, argv: ['--mdp', r.mdp.ref, '--algo', r.method, '--seed', String(r.seed), '--iterations', String(r.iterations)] })),
      submissions: [{ attempt: 1, executor: 'local' as const, jobId: null, tasks: loaded.runs.map((r) => [r.key]), submittedAt: new Date().toISOString() }],
    };
    writeManifest(cancelDir, manifest);
    const result = await runLocalPool(cancelDir, manifest, manifest.submissions[0], 1, {
      signal: controller.signal,
      onProgress: (p) => {
        io.err(`${JSON.stringify(p)}\n`);
        if (p.running > 0) controller.abort();
      },
    });
    expect(result.wasCancelled).toBe(true);
    expect(result.done).toBe(0);
    expect(result.cancelled).toBe(3);
    const status = sweepStatus(cancelDir, readManifest(cancelDir), false);
    expect(status.rows.map((r) => r.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(readdirSync(join(cancelDir, 'results')).filter((f) => f.endsWith('.exit'))).toHaveLength(3);
  });

  it('lists a run whose process died, keeps the shards, and `resubmit --failed` reruns only it', async () => {
    // a stand-in for the OOM killer: the first attempt of seed 2 dies before it runs; every other call is the real CLI
    const marker = join(dir, 'killed-once');
    const wrapper = writeSpec(
      dir,
      `import { existsSync, writeFileSync } from 'node:fs';\n` +
        `const args = process.argv.slice(2);\n` +
        `if (args.includes('--seed') && args[args.indexOf('--seed') + 1] === '2' && !existsSync(${JSON.stringify(marker)})) {\n` +
        `  writeFileSync(${JSON.stringify(marker)}, '');\n  process.stderr.write('Killed\\n');\n  process.exit(137);\n}\n` +
        `process.argv = [process.argv[0], ${JSON.stringify(cli)}, ...args];\nawait import(${JSON.stringify(cli)});\n`,
      'wrapper.mjs',
    );
    const shardsDir = join(dir, 'shards-killed');
    const target = join(dir, 'killed.sqlite');
    const file = writeSpec(dir, { ...spec, name: 'killed', methods: [{ method: 'ot-trpo' }] }, 'killed.json');
    const io = captureIo();
    expect(await commandSweep([file, '--db', target, '--workers', '1', '--shards', shardsDir, '--cli', wrapper], io)).toBe(1);
    expect(io.stdout).toMatch(/1 run stored, 0 already merged, 1 not finished/);
    expect(io.stdout).toMatch(/not merged: r0001 ot-trpo seed=2 on preset:frozenlake-4x4: failed \(exit 137: Killed\)/);
    expect([...storedRuns(target).keys()]).toEqual(['r0000']);

    const again = captureIo();
    expect(await commandSweep(['resubmit', shardsDir, '--failed', '--db', target, '--workers', '1'], again)).toBe(0);
    expect(again.stderr).toMatch(/rerunning 1 runs locally \(attempt 2\)/);
    expect(again.stdout).toMatch(/1 run stored, 1 already merged, 0 not finished/);
    const runs = storedRuns(target);
    expect([...runs.keys()].sort()).toEqual(['r0000', 'r0001']);
    expect(runs.get('r0001')!.attempt).toBe(2);
    const status = captureIo();
    await commandSweep(['status', shardsDir], status);
    expect(status.stdout).toMatch(/2 runs: 2 done/);
  });
});
