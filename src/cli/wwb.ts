/**
 * `wwb`: the workbench from a terminal. Same compute (src/compute, through the run driver), same services
 * and database as the app (src/main), no UI.
 *
 * Conventions: stable JSON on stdout with --json (NaN/Infinity written as null), written completely
 * before the process exits (a pipe reader gets every byte); exit 2 and one line on stderr for bad input
 * (unknown flag, option out of its range, invalid MDP) with nothing stored; exit 1 for a run that failed
 * (diverged, overflowed, ended worse than it started) or an internal error (one line, no stack); 130 /
 * 143 after SIGINT / SIGTERM, the run finished as 'cancelled' with its trace. A progress line goes to
 * stderr only when stderr is a terminal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { compileMdp } from '../shared/mdp/compile';
import { importGymnasium } from '../shared/mdp/gymnasium';
import type { MdpDocument, TabularMdp } from '../shared/mdp/types';
import { METHODS, METHOD_IDS, METRIC_KEYS, formatRange, methodInfo, type IterationMetrics, type MethodId, type MethodInfo } from '../shared/methods';
import { APP_VERSION } from '../main/version';
import { PRESETS, PresetParamError, presetById } from '../compute/presets';
import { solveOptimum } from '../compute/reference/solvers';
import { initialPolicy, policyFromJson, type InitResult } from '../compute/initialPolicy';
import { driveRun, RunControl, type RunOutcome } from '../compute/run/driver';
import { makeRunSpec, OptionsError } from '../compute/run/spec';
import { UsageError, bool, commandHelp, flag, list, numberFlag, parseFlags, type FlagSpecs, type ParsedArgs } from './args';
import { openRunStore, type RunInitPayload, type RunStore } from './runStore';
import { commandMerge, commandSweep } from './sweep';
import { STATS_FLAGS, STATS_USAGE, computeStats, formatStats, latexStats, statsOptions } from './stats';
import { BUNDLE_FLAGS, BUNDLE_USAGE, commandExportBundle, commandImportBundle } from './bundle';

/** A computed quantity left the range of doubles (exit 1, naming the quantity). */
class OverflowError extends Error {}

/** --backend webgpu --no-fallback without a usable adapter (exit 1, nothing stored). */
class BackendUnavailableError extends Error {}

const USAGE = `wwb ${APP_VERSION} — Wasserstein Workbench from a terminal

  wwb presets [--json]
  wwb methods [--json]
  wwb solve --mdp FILE|preset:ID [--gamma G] [--tau T] [--json]
  wwb run --mdp FILE|preset:ID --algo ID [--set key=value]... [--iterations N] [--db FILE] ...
  wwb export --run ID --db FILE [--format csv|json] [--out FILE]
  wwb convert --from gymnasium IN --out OUT
  wwb export-bundle --db F (--experiment NAME|ID)... (--run ID)... --out FILE[.gz]   (an experiment bundle)
  wwb import-bundle FILE --db F                  (ids remapped; nothing duplicated)
  wwb stats --db F [--experiment NAME] [--group-by KEY] [--json|--latex] (normalised scores, IQM, bootstrap CIs)
  wwb sweep FILE --db F [--workers K]            (a grid of runs on a local pool; 'wwb sweep --help')
  wwb sweep FILE --executor slurm --shards DIR   (the same grid as a Slurm array job)
  wwb sweep status DIR | wwb sweep resubmit DIR --failed
  wwb merge DIR --db F                           (bring a sweep's shards into the app's database)
  wwb --version

'wwb COMMAND --help' lists a command's flags; 'wwb run --algo ID --help' lists that method's options.
Methods: ${METHOD_IDS.join(', ')}
`;

const JSON_FLAG: FlagSpecs = { json: { type: 'boolean', help: 'machine-readable JSON on stdout' } };
const HELP_FLAG: FlagSpecs = { help: { type: 'boolean', help: 'this text' } };

const FLAGS: Record<string, FlagSpecs> = {
  presets: { ...JSON_FLAG, ...HELP_FLAG },
  methods: { ...JSON_FLAG, ...HELP_FLAG },
  solve: {
    mdp: { type: 'string', value: 'FILE|preset:ID', help: 'the MDP: a workbench or Gymnasium JSON file, or a preset' },
    gamma: { type: 'string', value: 'G', help: "discount in [0, 1) (default: the MDP's)" },
    tau: { type: 'string', value: 'T', help: 'entropy weight >= 0 (default 0)' },
    ...JSON_FLAG,
    ...HELP_FLAG,
  },
  run: {
    mdp: { type: 'string', value: 'FILE|preset:ID', help: 'the MDP: a workbench or Gymnasium JSON file, or a preset' },
    algo: { type: 'string', value: 'ID', help: "the method ('wwb methods' lists them)" },
    gamma: { type: 'string', value: 'G', help: "discount override (default: the MDP's)" },
    tau: { type: 'string', value: 'T', help: 'entropy weight (same as --set tau=T)' },
    set: { type: 'string', multiple: true, value: 'key=value', help: "a method option ('wwb run --algo ID --help')" },
    iterations: { type: 'string', value: 'N', help: 'updates to run; the trace has N + 1 rows (row 0 = the initial policy)' },
    init: { type: 'string', value: 'SPEC', help: 'initial policy: uniform, random (the run seed), random:SEED, run:ID (a stored run\'s final policy, needs --db) or a JSON file' },
    seed: { type: 'string', value: 'N', help: "the run's one seed (Langevin's noise, --init random), default 1" },
    backend: { type: 'string', value: 'reference|webgpu', help: 'compute backend (webgpu falls back to reference unless --no-fallback)' },
    'no-fallback': { type: 'boolean', help: 'fail instead of falling back to the reference backend' },
    db: { type: 'string', value: 'FILE', help: 'store the run (trace, snapshots) in this workbench database' },
    label: { type: 'string', value: 'TEXT', help: 'label of the stored run' },
    experiment: { type: 'string', value: 'NAME', help: 'file the stored run under this experiment (created when new)' },
    trace: { type: 'boolean', help: 'include every trace row in the output' },
    ...JSON_FLAG,
    ...HELP_FLAG,
  },
  export: {
    run: { type: 'string', value: 'ID', help: 'the stored run' },
    db: { type: 'string', value: 'FILE', help: 'the workbench database' },
    format: { type: 'string', value: 'csv|json', help: 'output format (default csv)' },
    out: { type: 'string', value: 'FILE', help: 'write here instead of stdout' },
    ...HELP_FLAG,
  },
  stats: STATS_FLAGS,
  ...BUNDLE_FLAGS,
  convert: {
    from: { type: 'string', value: 'gymnasium', help: 'input format' },
    out: { type: 'string', value: 'OUT', help: 'output file (workbench MDP JSON)' },
    ...JSON_FLAG,
    ...HELP_FLAG,
  },
};

const COMMAND_USAGE: Record<string, string> = {
  presets: 'wwb presets [--json]: the built-in MDPs',
  methods: 'wwb methods [--json]: every method with its options (defaults, ranges, units)',
  solve: 'wwb solve --mdp FILE|preset:ID [--gamma G] [--tau T] [--json]: the exact (soft) optimum',
  run: 'wwb run --mdp FILE|preset:ID --algo ID [flags]: run a method through the run driver',
  export: 'wwb export --run ID --db FILE [--format csv|json] [--out FILE]: the full-resolution trace of a stored run',
  stats: STATS_USAGE,
  ...BUNDLE_USAGE,
  convert: 'wwb convert --from gymnasium IN --out OUT: a Gymnasium table as a workbench MDP',
};

/** Write to a stream and wait until the bytes are handed to the OS (a pipe reader gets all of them). */
function writeAll(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

/** JSON cannot carry NaN/Infinity: they are written as null (and documented as such). */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (value instanceof Float64Array || value instanceof Float32Array) return Array.from(value, (v) => (Number.isFinite(v) ? v : null));
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

function print(args: ParsedArgs, value: unknown, text: () => string): Promise<void> {
  return writeAll(process.stdout, bool(args, 'json') ? `${JSON.stringify(value, jsonNumbers)}\n` : `${text()}\n`);
}

function loadDocument(spec: string | undefined): { document: MdpDocument; preset: string | null } {
  if (!spec) throw new UsageError('--mdp FILE|preset:ID is required');
  if (spec.startsWith('preset:')) {
    const id = spec.slice('preset:'.length);
    try {
      const preset = presetById(id);
      if (!preset) throw new UsageError(`unknown preset '${id}' (known: ${PRESETS.map((p) => p.id).join(', ')})`);
      return { document: preset.build(), preset: id };
    } catch (error) {
      // a parameterised preset (`gridworld?size=8&slip=0.2`) with a bad parameter is bad input
      if (error instanceof PresetParamError) throw new UsageError(error.message);
      throw error;
    }
  }
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read MDP file '${spec}': ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`'${spec}' is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed && typeof parsed === 'object' && 'P' in parsed && !('format' in parsed)) {
    const imported = importGymnasium(parsed, { name: spec });
    if (!imported.ok) throw new UsageError(`'${spec}' (Gymnasium table): ${formatIssues(imported.issues)}`);
    return { document: imported.document, preset: null };
  }
  return { document: parsed as MdpDocument, preset: null };
}

function formatIssues(issues: { severity?: string; message: string; path?: string }[]): string {
  const errors = issues.filter((i) => (i.severity ?? 'error') === 'error');
  const shown = errors.slice(0, 5).map((i) => `${i.path ? `at ${i.path}: ` : ''}${i.message}`);
  return `${shown.join('; ')}${errors.length > 5 ? `; and ${errors.length - 5} more` : ''}`;
}

function compileOrThrow(document: MdpDocument, gamma: number | undefined): TabularMdp {
  const doc = gamma === undefined ? document : { ...document, gamma };
  const result = compileMdp(doc);
  if (!result.ok) throw new UsageError(`the MDP is not valid: ${formatIssues(result.issues)}`);
  return result.mdp;
}

const gammaCheck = (v: number) => (v >= 0 && v < 1 ? null : 'must lie in [0, 1)');
const tauCheck = (v: number) => (v >= 0 ? null : 'must be >= 0');

function rows(values: Float64Array, S: number, N: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < S; s++) out.push(Array.from(values.subarray(s * N, (s + 1) * N)));
  return out;
}

/** Throws OverflowError naming the first non-finite entry of a computed quantity. */
function requireFinite(name: string, values: ArrayLike<number>, S?: number, N?: number): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const where = S !== undefined && N !== undefined ? ` at (state ${Math.floor(i / N)}, action ${i % N})` : values.length > 1 ? ` at state ${i}` : '';
      throw new OverflowError(`overflow: ${name}${where} is ${values[i]} (the rewards are too large for double precision)`);
    }
  }
}

async function commandPresets(args: ParsedArgs): Promise<void> {
  const presets = PRESETS.map((p) => {
    const doc = p.build();
    const compiled = compileMdp(doc);
    return {
      id: p.id,
      title: p.title,
      category: p.category,
      description: p.description,
      states: doc.states.length,
      actions: compiled.ok ? compiled.mdp.N : null,
      actionKind: doc.actions.kind,
      gamma: doc.gamma,
    };
  });
  await print(args, { presets }, () => presets.map((p) => `${p.id.padEnd(18)} S=${String(p.states).padEnd(5)} N=${String(p.actions).padEnd(5)} ${p.title}`).join('\n'));
}

function optionLines(m: MethodInfo): string {
  return m.options
    .map((o) => {
      const def = o.default !== undefined ? String(o.default) : `(absent: ${o.absent ?? 'unset'})`;
      const unit = o.unit ? ` [${o.unit}]` : '';
      return `    ${o.key}=${def.padEnd(12)} ${formatRange(o)}${unit}  ${o.help}`;
    })
    .join('\n');
}

async function commandMethods(args: ParsedArgs): Promise<void> {
  await print(args, { methods: METHODS }, () => METHODS.map((m) => `${m.id.padEnd(22)} ${m.section.padEnd(3)} ${m.title}  (${m.doc})\n${optionLines(m)}`).join('\n'));
}

async function commandSolve(args: ParsedArgs): Promise<void> {
  const { document } = loadDocument(flag(args, 'mdp'));
  const gamma = numberFlag(args, 'gamma', gammaCheck);
  const tau = numberFlag(args, 'tau', tauCheck) ?? 0;
  const mdp = compileOrThrow(document, gamma);
  const optimum = solveOptimum(mdp, mdp.gamma, tau);
  requireFinite('J*', [optimum.J]);
  requireFinite('V*', optimum.V);
  requireFinite('Q*', optimum.Q, mdp.S, mdp.N);
  requireFinite('the optimal policy', optimum.policy, mdp.S, mdp.N);
  const result = {
    mdp: mdp.name,
    S: mdp.S,
    N: mdp.N,
    gamma: mdp.gamma,
    tau,
    J: optimum.J,
    V: Array.from(optimum.V),
    Q: rows(optimum.Q, mdp.S, mdp.N),
    policy: rows(optimum.policy, mdp.S, mdp.N),
    iterations: optimum.iterations,
    residual: optimum.residual,
  };
  await print(args, result, () =>
    [`${mdp.name}: S=${mdp.S} N=${mdp.N} gamma=${mdp.gamma} tau=${tau}`, `J* = ${optimum.J}`, `iterations ${optimum.iterations}, residual ${optimum.residual.toExponential(2)}`].join('\n'),
  );
}

function parseSets(args: ParsedArgs): Record<string, string> {
  const sets: Record<string, string> = {};
  for (const item of list(args, 'set')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects key=value, got '${item}'`);
    sets[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return sets;
}

function methodHelp(m: MethodInfo): string {
  return [
    `${m.id}: ${m.title} (ALGORITHMS.md ${m.section}; ${m.doc})`,
    `  ${m.summary}`,
    `  tau: ${m.tau === 'required' ? 'must be > 0' : m.tau === 'refused' ? 'must be 0 (plain objective)' : 'any value >= 0'}; default updates: ${m.iterations}`,
    `  converged means: ${m.convergence}`,
    '',
    'Options (--set key=value):',
    optionLines(m),
    '',
  ].join('\n');
}

/** The init of a CLI run; `run:ID` reads the stored run's final policy snapshot. */
function resolveInit(mdp: TabularMdp, spec: string, seed: number, store: RunStore | null): InitResult {
  const stored = /^run:(\d+)$/.exec(spec);
  if (!stored) return initialPolicy(mdp, spec, (file) => readFileSync(file, 'utf8'), seed);
  if (!store) return { ok: false, error: '--init run:ID needs --db FILE (the database that holds the run)' };
  const id = Number(stored[1]);
  let snapshots;
  try {
    snapshots = store.snapshots(id);
  } catch (error) {
    return { ok: false, error: `--init ${spec}: ${(error as Error).message}` };
  }
  const last = snapshots[snapshots.length - 1];
  if (!last) return { ok: false, error: `--init ${spec}: run ${id} has no stored policy` };
  return policyFromJson(mdp, last.policy);
}

interface Progress {
  update(iteration: number, max: number, gap: number): void;
  clear(): void;
}

function progressLine(): Progress {
  if (!process.stderr.isTTY) return { update() {}, clear() {} };
  let shown = false;
  let lastDraw = 0;
  return {
    update(iteration, max, gap) {
      const t = Date.now();
      if (t - lastDraw < 100 && iteration < max) return;
      lastDraw = t;
      shown = true;
      process.stderr.write(`\r\x1b[Kiteration ${iteration}/${max}  gap ${gap.toExponential(3)}`);
    },
    clear() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

async function commandRun(args: ParsedArgs): Promise<number> {
  const algo = flag(args, 'algo');
  const info = algo ? methodInfo(algo) : undefined;
  if (algo && !info) throw new UsageError(`unknown method '${algo}' (known: ${METHOD_IDS.join(', ')})`);
  if (bool(args, 'help')) {
    await writeAll(process.stdout, info ? methodHelp(info) : `${commandHelp(COMMAND_USAGE.run, FLAGS.run)}\nAdd --algo ID to list a method's options.\n`);
    return 0;
  }
  if (!info) throw new UsageError('--algo ID is required');
  const method = info.id as MethodId;
  const { document, preset } = loadDocument(flag(args, 'mdp'));
  const given: Record<string, unknown> = parseSets(args);
  const gamma = numberFlag(args, 'gamma', gammaCheck);
  const tau = numberFlag(args, 'tau');
  if (gamma !== undefined) given.gamma = gamma;
  if (tau !== undefined) given.tau = tau;
  const iterations = numberFlag(args, 'iterations', (v) => (Number.isInteger(v) && v >= 1 && v <= 10_000_000 ? null : 'must be an integer in [1, 1e7]')) ?? info.iterations;
  const seed = numberFlag(args, 'seed', (v) => (Number.isInteger(v) && v >= 0 && v < 2 ** 32 ? null : 'must be an integer in [0, 2^32)')) ?? 1;
  const backend = flag(args, 'backend') ?? 'reference';
  if (backend !== 'reference' && backend !== 'webgpu') throw new UsageError(`--backend must be 'reference' or 'webgpu', got '${backend}'`);
  const label = flag(args, 'label') ?? null;
  const experiment = flag(args, 'experiment') ?? null;
  const dbPath = flag(args, 'db');
  if ((label !== null || experiment !== null) && !dbPath) throw new UsageError('--label and --experiment name a stored run: add --db FILE');
  const mdp = compileOrThrow(document, undefined);
  if ((info.actions === 'box' || info.actions === 'grid') && !mdp.grid)
    throw new UsageError(`${method} needs a continuous action box; MDP '${mdp.name}' has discrete actions`);

  // Everything the user gave is checked before anything is stored.
  let spec;
  try {
    spec = makeRunSpec(method, given, { seed, mdp });
  } catch (error) {
    if (error instanceof OptionsError) throw new UsageError(error.issues.map((i) => i.message).join('; '));
    throw error;
  }
  const store = dbPath ? openRunStore(dbPath) : null;
  const progress = progressLine();
  const control = new RunControl();
  let signal: NodeJS.Signals | null = null;
  const onSignal = (name: NodeJS.Signals): void => {
    if (signal !== null) process.exit(name === 'SIGINT' ? 130 : 143); // a second signal: leave now
    signal = name;
    control.cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const initSpec = flag(args, 'init') ?? 'uniform';
    const init = resolveInit(mdp, initSpec, seed, store);
    if (!init.ok) throw new UsageError(init.error);
    spec.init = init.policy;
    // recorded with the run, so that a re-run starts from the same policy
    const randomSeed = initSpec === 'random' ? seed : /^random:(\d+)$/.test(initSpec) ? Number(initSpec.slice('random:'.length)) : null;
    const initRecord: RunInitPayload =
      init.policy === null ? { kind: 'uniform' } : randomSeed !== null ? { kind: 'random', seed: randomSeed } : { kind: 'policy', policy: Array.from(init.policy), source: initSpec.slice(0, 1000) };
    let gpu: GPU | null = null;
    let gpuUnavailable: string | undefined;
    if (backend === 'webgpu') {
      try {
        gpu = await (await import('./nodeGpu')).nodeGpu();
      } catch (error) {
        gpuUnavailable = `WebGPU unavailable: ${(error as Error).message}`;
        if (bool(args, 'no-fallback')) throw new BackendUnavailableError(`${gpuUnavailable} (and --no-fallback was given)`);
      }
    }
    const runId = store ? store.begin({ document, preset, method, options: spec.options as unknown as Record<string, number | string>, backend, seed, maxIterations: iterations, label, experiment, init: initRecord }) : null;
    const traceWanted = bool(args, 'trace');
    const trace: IterationMetrics[] = [];
    const segments: { from: number; backend: string; reason: string }[] = [];
    const outcome: RunOutcome = await driveRun({
      mdp,
      spec,
      maxIterations: iterations,
      session: { backend, gpu, gpuUnavailable, allowFallback: !bool(args, 'no-fallback') },
      control,
      batchMs: 50,
      yieldToEvents: () => new Promise((resolve) => setImmediate(resolve)),
      sink: {
        append(points) {
          if (traceWanted) trace.push(...points);
          if (store && runId !== null) store.append(runId, points);
          const p = points[points.length - 1];
          progress.update(p.iteration, iterations, p.gap);
        },
        snapshot(iteration, policy) {
          if (store && runId !== null) store.snapshot(runId, iteration, policy);
        },
        backend(change) {
          segments.push(change);
          if (store && runId !== null) store.recordBackend(runId, change);
          if (!bool(args, 'json')) process.stderr.write(`backend: ${change.backend} from iteration ${change.from} (${change.reason})\n`);
        },
        finish(o) {
          progress.clear();
          if (store && runId !== null) store.finish(runId, o.status, o.error, o.diagnostics, o.wallMs);
        },
      },
    });
    const result = {
      runId,
      algorithm: method,
      backend: outcome.backend,
      backendSegments: segments,
      iterations: outcome.iterations,
      status: outcome.status,
      stopReason: outcome.stopReason,
      detail: outcome.detail,
      converged: outcome.converged,
      ...(outcome.error ? { error: outcome.error } : {}),
      final: outcome.final,
      diagnostics: outcome.diagnostics,
      options: spec.options,
      ...(traceWanted ? { trace } : {}),
    };
    await print(args, result, () => summariseRun(method, mdp, outcome, runId));
    if (signal !== null) return signal === 'SIGINT' ? 130 : 143;
    if (outcome.status === 'failed') {
      if (!bool(args, 'json')) await writeAll(process.stderr, `wwb: run failed: ${outcome.error ?? outcome.detail}\n`);
      return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store?.close();
  }
}

function summariseRun(method: string, mdp: TabularMdp, o: RunOutcome, runId: number | null): string {
  const lines = [`${method} on ${mdp.name} (S=${mdp.S}, N=${mdp.N}${mdp.grid ? `, grid n=${mdp.grid.n}^${mdp.grid.dim}` : ''})`];
  const final = o.final;
  if (final) lines.push(`iteration ${final.iteration}: J=${final.J.toPrecision(10)} gap=${final.gap.toExponential(3)} tv=${final.tv.toExponential(3)} residual=${final.evalResidual.toExponential(1)}`);
  lines.push(`${o.status} (${o.stopReason}): ${o.detail}`);
  const diag = Object.entries(o.diagnostics)
    .filter(([k]) => k !== 'stopDetail' && k !== 'convergenceCriterion')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(6)) : v}`);
  if (diag.length) lines.push(`diagnostics: ${diag.join(' ')}`);
  if (runId !== null) lines.push(`stored as run ${runId}`);
  return lines.join('\n');
}

function csvCell(v: number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

async function commandExport(args: ParsedArgs): Promise<void> {
  const runId = numberFlag(args, 'run', (v) => (Number.isInteger(v) && v >= 1 ? null : 'must be a run id (a positive integer)'));
  if (runId === undefined) throw new UsageError('--run ID is required');
  const dbPath = flag(args, 'db');
  if (!dbPath) throw new UsageError('--db FILE is required');
  const format = flag(args, 'format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format must be 'csv' or 'json', got '${format}'`);
  const store = openRunStore(dbPath);
  let text: string;
  try {
    let run;
    try {
      run = store.run(runId);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const trace = store.trace(runId);
    const keys = METRIC_KEYS.filter((k) => trace.columns[k]);
    if (format === 'json') {
      const rowsOut = trace.iteration.map((it, i) => Object.fromEntries([['iteration', it], ...keys.map((k) => [k, trace.columns[k]![i]])]));
      text = `${JSON.stringify({ exportedBy: `wwb ${APP_VERSION}`, run: { id: run.id, method: run.method, label: run.label, status: run.status, options: run.options, seed: run.seed, backend: run.backend, appVersion: run.appVersion, configHash: run.configHash, tags: run.tags, diagnostics: run.diagnostics }, rows: rowsOut }, jsonNumbers)}\n`;
    } else {
      // '#' lines: provenance (pandas: read_csv(..., comment='#')); then one header and every stored row
      const lines = [
        `# wasserstein-workbench export by wwb ${APP_VERSION}; run ${run.id} ${run.method} seed ${run.seed} on '${run.mdpName.replace(/[\r\n]/g, ' ')}'`,
        `# run app_version ${run.appVersion ?? 'unknown'}; config_hash ${run.configHash ?? 'unknown'}`,
        ['iteration', ...keys].join(','),
      ];
      for (let i = 0; i < trace.iteration.length; i++) lines.push([String(trace.iteration[i]), ...keys.map((k) => csvCell(trace.columns[k]![i]))].join(','));
      text = `${lines.join('\n')}\n`;
    }
  } finally {
    store.close();
  }
  const out = flag(args, 'out');
  if (out) writeFileSync(out, text);
  else await writeAll(process.stdout, text);
}

async function commandConvert(args: ParsedArgs): Promise<void> {
  const from = flag(args, 'from');
  if (from !== 'gymnasium') throw new UsageError(`--from must be 'gymnasium', got '${from ?? ''}'`);
  const input = args.positionals[0];
  const target = flag(args, 'out');
  if (!input) throw new UsageError('convert needs an input file');
  if (!target) throw new UsageError('convert needs --out OUT');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(input, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read '${input}': ${(error as Error).message}`);
  }
  const imported = importGymnasium(parsed, { name: input.replace(/^.*\//, '').replace(/\.json$/, '') });
  if (!imported.ok) throw new UsageError(`'${input}' is not a valid Gymnasium table: ${formatIssues(imported.issues)}`);
  const compiled = compileMdp(imported.document);
  if (!compiled.ok) throw new UsageError(`the converted MDP is not valid: ${formatIssues(compiled.issues)}`);
  writeFileSync(target, `${JSON.stringify(imported.document, null, 2)}\n`);
  await print(args, { out: target, states: compiled.mdp.S, actions: compiled.mdp.N }, () => `wrote ${target} (S=${compiled.mdp.S}, N=${compiled.mdp.N})`);
}

export async function main(argv: string[]): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === '--version' || command === '-v') {
      if (rest.length) throw new UsageError(`--version takes no arguments, got '${rest[0]}'`);
      await writeAll(process.stdout, `${APP_VERSION}\n`);
      return 0;
    }
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      await writeAll(command === undefined ? process.stderr : process.stdout, USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === 'sweep' || command === 'merge') {
      // sweeps parse their own (strict) flags and report their own errors
      const code = command === 'sweep' ? await commandSweep(rest) : await commandMerge(rest);
      await writeAll(process.stdout, '');
      return code;
    }
    const flags = FLAGS[command];
    if (!flags) throw new UsageError(`unknown command '${command}' (commands: ${[...Object.keys(FLAGS), 'sweep', 'merge'].join(', ')}; 'wwb --help' for more)`);
    const args = parseFlags(command, rest, flags, command === 'convert' || command === 'import-bundle' ? 1 : 0);
    if (bool(args, 'help') && command !== 'run') {
      await writeAll(process.stdout, commandHelp(COMMAND_USAGE[command], flags));
      return 0;
    }
    switch (command) {
      case 'presets':
        await commandPresets(args);
        return 0;
      case 'methods':
        await commandMethods(args);
        return 0;
      case 'solve':
        await commandSolve(args);
        return 0;
      case 'run':
        return await commandRun(args);
      case 'export':
        await commandExport(args);
        return 0;
      case 'convert':
        await commandConvert(args);
        return 0;
      case 'export-bundle': {
        const r = commandExportBundle(args);
        await print(args, r, () =>
          [`wrote ${r.out} (${r.bytes} bytes): ${r.runs} run(s), ${r.experiments} experiment(s), ${r.mdps} MDP(s)`, ...(r.skippedActive.length ? [`left out (queued or running): ${r.skippedActive.join(', ')}`] : [])].join('\n'),
        );
        return 0;
      }
      case 'import-bundle': {
        const r = commandImportBundle(args);
        await print(args, r, () =>
          `imported ${r.runIds.length} run(s)${r.runIds.length ? ` as ${r.runIds.join(', ')}` : ''}; ${r.runsSkipped} already present; MDPs ${r.mdpsCreated} new, ${r.mdpsReused} reused; experiments ${r.experimentsCreated} new, ${r.experimentsReused} reused`,
        );
        return 0;
      }
      case 'stats': {
        const o = statsOptions(args);
        const report = computeStats(o.dbPath, o);
        if (o.latex) await writeAll(process.stdout, latexStats(report));
        else await print(args, report, () => formatStats(report));
        return 0;
      }
    }
    return 2;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      await writeAll(process.stderr, `wwb: ${message}\n`);
      return 2;
    }
    if (error instanceof OverflowError || error instanceof BackendUnavailableError) {
      await writeAll(process.stderr, `wwb: ${message}\n`);
      return 1;
    }
    await writeAll(process.stderr, `wwb: internal error: ${message.split('\n')[0]}\n`);
    return 1;
  }
}

// A reader that closes the pipe early (`wwb export ... | head`) is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`wwb: internal error: ${error instanceof Error ? error.message : String(error)}\n`, () => process.exit(1));
  },
);
