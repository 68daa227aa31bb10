/**
 * `wwb sweep` and `wwb merge`: a sweep file run headless on a local pool or sent to a Slurm cluster as an
 * array job, its status, its merge into a workbench database, and resubmission of what did not finish.
 *
 *   wwb sweep FILE --db F [--workers K] [--shards DIR] [--backend B] [--json]
 *   wwb sweep FILE --executor slurm --shards DIR [--partition P] [--time T] [--gpus-per-task N]
 *                  [--max-parallel K] [--runs-per-task R] [--cpus-per-task C] [--backend B] [--dry-run]
 *   wwb sweep status DIR [--json]
 *   wwb sweep resubmit DIR --failed [--db F] [--workers K] [--partition P] [--time T] [--max-parallel K]
 *   wwb merge DIR --db F [--json]
 *
 * Exit codes: 0 all well; 1 runs failed or a shard was refused; 2 bad input (an unknown key or an
 * empty grid in the sweep file, a bad flag); 130 cancelled.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { openDatabase, DatabaseOpenError } from '../../main/db';
import { APP_VERSION } from '../../main/version';
import { formatSet, sweepRunCount, type SweepRun } from '../../shared/sweepSpec';
import { UsageError, flag, numberFlag, parseFlags, type FlagSpecs, type ParsedArgs as FlagArgs } from '../args';
import { ensureLayout, paths, readManifest, writeManifest, type ManifestRun, type SlurmSettings, type Submission, type SweepManifest } from './layout';
import { defaultWorkers, formatProgress, runLocalPool, type PoolResult } from './localPool';
import { formatMergeSummary, mergeSweep, type MergeSummary } from './merge';
import { chunkRuns, sbatchScript, submit } from './scheduler';
import { loadSweepFile, placeMdps, type LoadedSweep } from './specFile';
import { formatStatus, sweepStatus } from './status';

export { parseSweepSpec, expandSweep, sweepRunCount } from '../../shared/sweepSpec';
export { mergeSweep, type MergeSummary } from './merge';
export { sweepStatus } from './status';

/** wwb's strict flag parser (src/cli/args.ts) with the first positional as the sub-command; every flag is
 * read back as a string ('true' for booleans, the last value for repeated ones). */
interface ParsedArgs extends FlagArgs {
  command: string | null;
  flags: ReadonlySet<string>;
}

function parseArgs(argv: string[], booleans: ReadonlySet<string>, values: ReadonlySet<string>): ParsedArgs {
  const specs: FlagSpecs = {};
  for (const b of booleans) specs[b] = { type: 'boolean', help: '' };
  for (const v of values) specs[v] = { type: 'string', multiple: true, help: '' };
  const parsed = parseFlags('wwb sweep', argv, specs, Number.MAX_SAFE_INTEGER);
  const out: FlagArgs['values'] = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    if (v === undefined) continue;
    out[k] = v === true ? 'true' : Array.isArray(v) ? v[v.length - 1] : String(v);
  }
  const [command = null, ...positionals] = parsed.positionals;
  return { values: out, positionals, command, flags: new Set(Object.keys(out)) };
}

const SWEEP_BOOLEAN = new Set(['json', 'dry-run', 'failed', 'help']);
const SWEEP_VALUE = new Set([
  'db',
  'workers',
  'executor',
  'shards',
  'partition',
  'time',
  'gpus-per-task',
  'max-parallel',
  'runs-per-task',
  'cpus-per-task',
  'backend',
  'node',
  'cli',
]);

export const SWEEP_USAGE = `wwb sweep — many runs from one spec file

  wwb sweep FILE --db F [--workers K] [--shards DIR] [--backend reference|webgpu] [--json]
  wwb sweep FILE --executor slurm --shards DIR [--partition P] [--time T] [--gpus-per-task N]
                 [--max-parallel K] [--runs-per-task R] [--cpus-per-task C] [--dry-run]
  wwb sweep status DIR [--json]
  wwb sweep resubmit DIR --failed [--db F] [--workers K] [--partition P] [--time T] [--max-parallel K]
  wwb merge DIR --db F [--json]

FILE is JSON or YAML: {name, experiment, mdps, methods: [{method, options: {key: value | [values] |
{from, to, count|step, log}}}], seeds, iterations, backend}. See docs/cluster.md.
`;

interface Io {
  out(text: string): void;
  err(text: string): void;
}
const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const positiveInt = (v: number) => (Number.isInteger(v) && v >= 1 && v <= 100_000 ? null : 'must be an integer >= 1');

/** The node binary and built CLI the runs use: flags, then WWB_NODE / WWB_CLI, then this process. */
function runtime(args: ParsedArgs): { node: string; cli: string } {
  const node = resolve(flag(args, 'node') ?? process.env.WWB_NODE ?? process.execPath);
  const script = process.argv[1] ?? '';
  const cli = resolve(flag(args, 'cli') ?? process.env.WWB_CLI ?? (/wwb\.js$/.test(script) ? script : join(process.cwd(), 'out/main/wwb.js')));
  if (!existsSync(cli)) throw new UsageError(`the built CLI ${cli} does not exist: build first (npx electron-vite build) or pass --cli PATH`);
  return { node, cli };
}

/**
 * Which optional `wwb run` flags this build accepts: `wwb run --FLAG x --help` exits 0 where the flag is
 * known and 2 (unknown option) where it is not, so older builds get runs without them.
 */
function runFlags(node: string, cli: string): { label: boolean; experiment: boolean } {
  const accepts = (name: string) => spawnSync(node, [cli, 'run', `--${name}`, 'probe', '--help'], { encoding: 'utf8', timeout: 60_000 }).status === 0;
  return { label: accepts('label'), experiment: accepts('experiment') };
}

function manifestRun(run: SweepRun, mdpArg: string, name: string, experiment: string, flags: { label: boolean; experiment: boolean }): ManifestRun {
  const label = `${name}: ${run.method} ${formatSet(run.set)} seed ${run.seed}`.slice(0, 200);
  const argv = ['--mdp', mdpArg, '--algo', run.method];
  for (const [k, v] of Object.entries(run.set)) argv.push('--set', `${k}=${String(v)}`);
  argv.push('--seed', String(run.seed), '--iterations', String(run.iterations), '--backend', run.backend);
  if (run.init !== 'uniform') argv.push('--init', run.init);
  if (flags.label) argv.push('--label', label);
  if (flags.experiment) argv.push('--experiment', experiment);
  return { key: run.key, mdpArg, mdpRef: run.mdp, method: run.method, set: run.set, options: run.options, seed: run.seed, iterations: run.iterations, backend: run.backend, init: run.init, label, argv };
}

function buildManifest(loaded: LoadedSweep, dir: string, args: ParsedArgs, write: boolean): SweepManifest {
  const { node, cli } = runtime(args);
  const backend = flag(args, 'backend');
  if (backend !== undefined && backend !== 'reference' && backend !== 'webgpu') throw new UsageError(`--backend must be 'reference' or 'webgpu', got '${backend}'`);
  if (backend) for (const r of loaded.runs) r.backend = backend;
  const mdpArgs = write ? placeMdps(loaded, paths(dir).mdps) : new Map([...loaded.mdps.keys()].map((ref, i) => [ref, loaded.mdps.get(ref)!.params ? join(paths(dir).mdps, `m${i}.json`) : ref]));
  const flags = runFlags(node, cli);
  return {
    format: 'wasserstein-workbench/sweep-shards',
    version: 1,
    sweepId: randomUUID(),
    name: loaded.spec.name,
    experiment: loaded.spec.experiment,
    createdAt: new Date().toISOString(),
    appVersion: APP_VERSION,
    node,
    cli,
    spec: loaded.raw,
    runs: loaded.runs.map((r) => ({ ...manifestRun(r, mdpArgs.get(r.mdp.ref)!, loaded.spec.name, loaded.spec.experiment, flags), mdpHash: loaded.mdps.get(r.mdp.ref)!.hash })),
    submissions: [],
  };
}

function checkTarget(file: string): void {
  try {
    openDatabase(file).close();
  } catch (error) {
    if (error instanceof DatabaseOpenError) throw new UsageError(error.message);
    throw error;
  }
}

function slurmSettings(args: ParsedArgs, previous?: SlurmSettings): SlurmSettings {
  return {
    partition: flag(args, 'partition') ?? previous?.partition,
    time: flag(args, 'time') ?? previous?.time,
    gpusPerTask: numberFlag(args, 'gpus-per-task', positiveInt) ?? previous?.gpusPerTask,
    maxParallel: numberFlag(args, 'max-parallel', positiveInt) ?? previous?.maxParallel,
    cpusPerTask: numberFlag(args, 'cpus-per-task', positiveInt) ?? previous?.cpusPerTask ?? 1,
    chunk: numberFlag(args, 'runs-per-task', positiveInt) ?? previous?.chunk ?? 1,
  };
}

async function runPool(dir: string, manifest: SweepManifest, submission: Submission, args: ParsedArgs, io: Io): Promise<PoolResult> {
  const workers = numberFlag(args, 'workers', positiveInt) ?? defaultWorkers();
  const controller = new AbortController();
  const onSigint = () => {
    io.err('\nwwb sweep: cancelling (Ctrl-C): stopping the running runs\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  const tty = process.stderr.isTTY === true;
  let last = '';
  try {
    const result = await runLocalPool(dir, manifest, submission, workers, {
      signal: controller.signal,
      onProgress: (p) => {
        const line = `sweep '${manifest.name}' ${formatProgress(p)}`;
        if (line === last) return;
        last = line;
        io.err(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      },
    });
    if (tty) io.err('\n');
    return result;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

function printMerge(summary: MergeSummary, args: ParsedArgs, io: Io, extra: Record<string, unknown> = {}): void {
  if (flag(args, 'json') === 'true') io.out(`${JSON.stringify({ ...extra, merge: summary })}\n`);
  else io.out(`${formatMergeSummary(summary)}\n`);
}

async function sweepFile(file: string, args: ParsedArgs, io: Io): Promise<number> {
  const executor = flag(args, 'executor') ?? 'local';
  if (executor !== 'local' && executor !== 'slurm') throw new UsageError(`--executor must be 'local' or 'slurm', got '${executor}'`);
  const loaded = loadSweepFile(file);
  const count = sweepRunCount(loaded.spec);
  const dryRun = flag(args, 'dry-run') === 'true';

  if (executor === 'slurm') {
    const shards = flag(args, 'shards');
    if (!shards) throw new UsageError('--executor slurm needs --shards DIR (a folder on the filesystem the compute nodes share)');
    for (const f of ['db', 'workers']) if (args.flags.has(f)) throw new UsageError(`--${f} is for the local executor; with Slurm, run 'wwb merge DIR --db F' when the job is done`);
    const dir = resolve(shards);
    if (existsSync(paths(dir).manifest)) throw new UsageError(`${dir} already holds a sweep: use 'wwb sweep status/resubmit ${shards}' or another folder`);
    const settings = slurmSettings(args);
    if (settings.gpusPerTask && !loaded.runs.every((r) => (flag(args, 'backend') ?? r.backend) === 'webgpu'))
      throw new UsageError('--gpus-per-task asks for GPUs: give --backend webgpu (or backend: webgpu in the sweep file) so the runs use them');
    if (!dryRun) ensureLayout(dir);
    const manifest = buildManifest(loaded, dir, args, !dryRun);
    const tasks = chunkRuns(manifest.runs.map((r) => r.key), settings.chunk);
    const script = sbatchScript(dir, manifest, 1, tasks, settings);
    if (dryRun) {
      io.out(script);
      io.err(`wwb sweep: dry run: ${count} runs in ${tasks.length} array tasks; nothing was written or submitted\n`);
      return 0;
    }
    writeManifest(dir, manifest);
    const jobId = submit(dir, 1, script);
    manifest.submissions.push({ attempt: 1, executor: 'slurm', jobId, tasks, slurm: settings, submittedAt: new Date().toISOString() });
    writeManifest(dir, manifest);
    if (flag(args, 'json') === 'true') io.out(`${JSON.stringify({ jobId, runs: count, tasks: tasks.length, shards: dir, sweepId: manifest.sweepId })}\n`);
    else io.out(`${jobId}\n`);
    io.err(`wwb sweep: submitted array job ${jobId}: ${count} runs in ${tasks.length} tasks; 'wwb sweep status ${shards}', then 'wwb merge ${shards} --db FILE'\n`);
    return 0;
  }

  for (const f of ['partition', 'time', 'gpus-per-task', 'max-parallel', 'runs-per-task', 'cpus-per-task'])
    if (args.flags.has(f)) throw new UsageError(`--${f} is for --executor slurm`);
  const db = flag(args, 'db');
  if (!db) throw new UsageError('wwb sweep FILE needs --db F (the workbench database the runs go to)');
  if (dryRun) {
    io.out(`${loaded.runs.map((r) => `${r.key} ${r.method} ${formatSet(r.set)} seed=${r.seed} on ${r.mdp.ref}`).join('\n')}\n`);
    io.err(`wwb sweep: dry run: ${count} runs; nothing was run\n`);
    return 0;
  }
  checkTarget(db);
  const given = flag(args, 'shards');
  const dir = given ? resolve(given) : mkdtempSync(join(tmpdir(), `wwb-sweep-${basename(file).replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  if (given && existsSync(paths(dir).manifest)) throw new UsageError(`${dir} already holds a sweep: use 'wwb sweep resubmit ${given} --failed' or another folder`);
  ensureLayout(dir);
  const manifest = buildManifest(loaded, dir, args, true);
  const submission: Submission = { attempt: 1, executor: 'local', jobId: null, tasks: manifest.runs.map((r) => [r.key]), pool: { pid: process.pid, host: hostname() }, submittedAt: new Date().toISOString() };
  manifest.submissions.push(submission);
  writeManifest(dir, manifest);
  io.err(`wwb sweep: '${manifest.name}': ${count} runs\n`);
  const pool = await runPool(dir, manifest, submission, args, io);
  const summary = mergeSweep(dir, db, { liveJobs: false });
  printMerge(summary, args, io, { runs: count, shards: dir, cancelled: pool.wasCancelled });
  const complete = summary.notMerged.length === 0 && summary.refusedShards.length === 0;
  if (complete && !given) rmSync(dir, { recursive: true, force: true });
  else io.err(`wwb sweep: the shards stay in ${dir} ('wwb sweep resubmit ${dir} --failed --db ${db}' reruns what did not finish)\n`);
  if (pool.wasCancelled) return 130;
  return complete && pool.failed === 0 ? 0 : 1;
}

async function resubmit(dirArg: string, args: ParsedArgs, io: Io): Promise<number> {
  if (flag(args, 'failed') !== 'true') throw new UsageError('wwb sweep resubmit DIR needs --failed (it reruns the runs that failed, were interrupted, cancelled or never ran)');
  const dir = resolve(dirArg);
  const manifest = readManifest(dir);
  const status = sweepStatus(dir, manifest);
  const again = status.rows.filter((r) => r.state === 'failed' || r.state === 'interrupted' || r.state === 'missing' || r.state === 'cancelled');
  if (again.length === 0) {
    io.out(`nothing to resubmit: ${formatStatus(manifest.name, status).split('\n')[0]}\n`);
    return 0;
  }
  const previous = manifest.submissions[manifest.submissions.length - 1];
  const attempt = Math.max(0, ...manifest.submissions.map((s) => s.attempt)) + 1;
  const keys = again.map((r) => r.run.key);
  if (previous?.executor === 'slurm') {
    for (const f of ['db', 'workers']) if (args.flags.has(f)) throw new UsageError(`--${f} is for the local executor; this sweep runs on Slurm`);
    const settings = slurmSettings(args, previous.slurm);
    const tasks = chunkRuns(keys, settings.chunk);
    const script = sbatchScript(dir, manifest, attempt, tasks, settings);
    if (flag(args, 'dry-run') === 'true') {
      io.out(script);
      return 0;
    }
    const jobId = submit(dir, attempt, script);
    manifest.submissions.push({ attempt, executor: 'slurm', jobId, tasks, slurm: settings, submittedAt: new Date().toISOString() });
    writeManifest(dir, manifest);
    io.out(`${jobId}\n`);
    io.err(`wwb sweep: resubmitted ${keys.length} runs (${keys.join(', ')}) as array job ${jobId}, attempt ${attempt}\n`);
    return 0;
  }
  const submission: Submission = { attempt, executor: 'local', jobId: null, tasks: keys.map((k) => [k]), pool: { pid: process.pid, host: hostname() }, submittedAt: new Date().toISOString() };
  manifest.submissions.push(submission);
  writeManifest(dir, manifest);
  io.err(`wwb sweep: rerunning ${keys.length} runs locally (attempt ${attempt})\n`);
  const pool = await runPool(dir, manifest, submission, args, io);
  const db = flag(args, 'db');
  if (db) printMerge(mergeSweep(dir, db, { liveJobs: false }), args, io);
  if (pool.wasCancelled) return 130;
  return pool.failed === 0 ? 0 : 1;
}

function statusCommand(dirArg: string, args: ParsedArgs, io: Io): number {
  const dir = resolve(dirArg);
  const manifest = readManifest(dir);
  const status = sweepStatus(dir, manifest);
  if (flag(args, 'json') === 'true')
    io.out(
      `${JSON.stringify({
        sweepId: manifest.sweepId,
        name: manifest.name,
        counts: status.counts,
        jobs: manifest.submissions.map((s) => ({ attempt: s.attempt, executor: s.executor, jobId: s.jobId, tasks: s.tasks.length })),
        scheduler: status.sources,
        runs: status.rows.map((r) => ({ key: r.run.key, method: r.run.method, set: r.run.set, seed: r.run.seed, mdp: r.run.mdpRef.ref, state: r.state, attempt: r.attempt, task: r.task, error: r.error })),
      })}\n`,
    );
  else io.out(`${formatStatus(manifest.name, status)}\n`);
  return 0;
}

async function guarded(io: Io, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`wwb: ${error.message}\n`);
      return 2;
    }
    io.err(`wwb: internal error: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}\n`);
    return 1;
  }
}

/** `wwb sweep ...`: argv is everything after `sweep`. */
export function commandSweep(argv: string[], io: Io = stdio): Promise<number> {
  return guarded(io, async () => {
    const args = parseArgs(argv, SWEEP_BOOLEAN, SWEEP_VALUE);
    if (args.flags.has('help') || !args.command) {
      io.out(SWEEP_USAGE);
      return args.command || args.flags.has('help') ? 0 : 2;
    }
    const extra = (n: number) => {
      if (args.positionals.length > n) throw new UsageError(`unexpected argument '${args.positionals[n]}'`);
    };
    if (args.command === 'status') {
      extra(1);
      if (!args.positionals[0]) throw new UsageError('wwb sweep status DIR: the shards folder is missing');
      return statusCommand(args.positionals[0], args, io);
    }
    if (args.command === 'resubmit') {
      extra(1);
      if (!args.positionals[0]) throw new UsageError('wwb sweep resubmit DIR --failed: the shards folder is missing');
      return resubmit(args.positionals[0], args, io);
    }
    extra(0);
    return sweepFile(args.command, args, io);
  });
}

/** `wwb merge DIR --db F`: argv is everything after `merge`. */
export function commandMerge(argv: string[], io: Io = stdio): Promise<number> {
  return guarded(io, () => {
    const args = parseArgs(argv, new Set(['json', 'help']), new Set(['db']));
    if (args.flags.has('help')) {
      io.out(SWEEP_USAGE);
      return 0;
    }
    const dir = args.command;
    if (!dir) throw new UsageError('wwb merge DIR --db F: the shards folder is missing');
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const db = flag(args, 'db');
    if (!db) throw new UsageError('wwb merge DIR needs --db F (the workbench database to merge into)');
    const summary = mergeSweep(resolve(dir), db);
    printMerge(summary, args, io);
    return summary.refusedShards.length ? 1 : 0;
  });
}
