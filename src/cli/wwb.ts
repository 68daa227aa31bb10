/**
 * `wwb`: the workbench from a terminal. Same compute (src/compute), same services and database as the
 * app (src/main), no UI. Stable JSON on stdout with --json; exit code 2 and a message on stderr for bad
 * input; 1 for a run that failed (diverged) or an internal error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { compileMdp } from '../shared/mdp/compile';
import { importGymnasium } from '../shared/mdp/gymnasium';
import type { MdpDocument, TabularMdp } from '../shared/mdp/types';
import { METHODS, METHOD_IDS, methodInfo, resolveMethodOptions, type IterationMetrics, type MethodId } from '../shared/methods';
import { PRESETS, presetById } from '../compute/presets';
import { solveOptimum } from '../compute/reference/solvers';
import { createSession } from '../compute/session';
import { initialPolicy } from '../compute/initialPolicy';
import { DivergenceError, MethodInputError } from '../compute/types';
import { UsageError, flag, numberFlag, parseArgs, type ParsedArgs } from './args';
import { openRunStore } from './runStore';

const USAGE = `wwb — Wasserstein Workbench from a terminal

  wwb presets [--json]
  wwb solve --mdp FILE|preset:ID [--gamma G] [--tau T] [--json]
  wwb run --mdp FILE|preset:ID --algo ID [--gamma G] [--tau T] [--set key=value]...
          [--iterations N] [--init uniform|random:SEED|FILE] [--seed N]
          [--backend reference|webgpu] [--db FILE] [--trace] [--json]
  wwb convert --from gymnasium IN --out OUT
  wwb methods [--json]

Methods: ${METHOD_IDS.join(', ')}
Option keys are the symbols of ALGORITHMS.md (eps, delta, eta, dt, cfl, tau, ...); see 'wwb methods'.
`;

const BOOLEAN_FLAGS = new Set(['json', 'trace', 'help', 'no-fallback']);
const VALUE_FLAGS = new Set(['mdp', 'gamma', 'tau', 'algo', 'set', 'iterations', 'init', 'seed', 'backend', 'db', 'from', 'out', 'batch']);

interface Output {
  json: boolean;
  print(value: unknown, text: () => string): void;
}

function output(args: ParsedArgs): Output {
  const json = flag(args, 'json') === 'true';
  return {
    json,
    print(value, text) {
      process.stdout.write(json ? `${JSON.stringify(value, jsonNumbers)}\n` : `${text()}\n`);
    },
  };
}

/** JSON cannot carry NaN/Infinity: they are written as null (and documented as such). */
function jsonNumbers(_key: string, value: unknown): unknown {
  if (value instanceof Float64Array || value instanceof Float32Array) return Array.from(value, (v) => (Number.isFinite(v) ? v : null));
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

function loadDocument(spec: string | undefined): { document: MdpDocument; preset: string | null } {
  if (!spec) throw new UsageError('--mdp FILE|preset:ID is required');
  if (spec.startsWith('preset:')) {
    const id = spec.slice('preset:'.length);
    const preset = presetById(id);
    if (!preset) throw new UsageError(`unknown preset '${id}' (known: ${PRESETS.map((p) => p.id).join(', ')})`);
    return { document: preset.build(), preset: id };
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
    if (!imported.ok) throw new UsageError(`'${spec}' (Gymnasium table):\n${formatIssues(imported.issues)}`);
    return { document: imported.document, preset: null };
  }
  return { document: parsed as MdpDocument, preset: null };
}

function formatIssues(issues: { severity?: string; message: string; path?: string }[]): string {
  return issues.map((i) => `  ${i.severity ?? 'error'}${i.path ? ` at ${i.path}` : ''}: ${i.message}`).join('\n');
}

function compileOrThrow(document: MdpDocument, gamma: number | undefined): TabularMdp {
  const doc = gamma === undefined ? document : { ...document, gamma };
  const result = compileMdp(doc);
  if (!result.ok) throw new UsageError(`the MDP is not valid:\n${formatIssues(result.issues)}`);
  return result.mdp;
}

const gammaCheck = (v: number) => (v >= 0 && v < 1 ? null : 'must lie in [0, 1)');
const tauCheck = (v: number) => (v >= 0 ? null : 'must be >= 0');

function rows(values: Float64Array, S: number, N: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < S; s++) out.push(Array.from(values.subarray(s * N, (s + 1) * N)));
  return out;
}

function commandPresets(args: ParsedArgs): void {
  const list = PRESETS.map((p) => {
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
  output(args).print({ presets: list }, () =>
    list.map((p) => `${p.id.padEnd(18)} S=${String(p.states).padEnd(5)} N=${String(p.actions).padEnd(5)} ${p.title}`).join('\n'),
  );
}

function commandMethods(args: ParsedArgs): void {
  output(args).print({ methods: METHODS }, () =>
    METHODS.map((m) => `${m.id.padEnd(22)} ${m.section.padEnd(3)} ${m.title}\n${m.options.map((o) => `    ${o.key}=${String(o.default).padEnd(10)} ${o.help}`).join('\n')}`).join('\n'),
  );
}

function commandSolve(args: ParsedArgs): void {
  const { document } = loadDocument(flag(args, 'mdp'));
  const gamma = numberFlag(args, 'gamma', gammaCheck);
  const tau = numberFlag(args, 'tau', tauCheck) ?? 0;
  const mdp = compileOrThrow(document, gamma);
  const optimum = solveOptimum(mdp, mdp.gamma, tau);
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
  output(args).print(result, () =>
    [`${mdp.name}: S=${mdp.S} N=${mdp.N} gamma=${mdp.gamma} tau=${tau}`, `J* = ${optimum.J}`, `iterations ${optimum.iterations}, residual ${optimum.residual.toExponential(2)}`].join('\n'),
  );
}

function parseSets(args: ParsedArgs): Record<string, string> {
  const sets: Record<string, string> = {};
  for (const item of args.flags.get('set') ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects key=value, got '${item}'`);
    sets[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return sets;
}

async function commandRun(args: ParsedArgs): Promise<number> {
  const out = output(args);
  const algo = flag(args, 'algo');
  if (!algo) throw new UsageError('--algo ID is required');
  const info = methodInfo(algo);
  if (!info) throw new UsageError(`unknown method '${algo}' (known: ${METHOD_IDS.join(', ')})`);
  const method = info.id as MethodId;
  const { document, preset } = loadDocument(flag(args, 'mdp'));
  const given: Record<string, unknown> = parseSets(args);
  const gamma = numberFlag(args, 'gamma', gammaCheck);
  const tau = numberFlag(args, 'tau', tauCheck);
  if (gamma !== undefined) given.gamma = gamma;
  if (tau !== undefined) given.tau = tau;
  const resolved = resolveMethodOptions(method, given);
  if (!resolved.ok) throw new UsageError(resolved.errors.join('\n'));
  const iterations = numberFlag(args, 'iterations', (v) => (Number.isInteger(v) && v >= 1 && v <= 10_000_000 ? null : 'must be an integer in [1, 1e7]')) ?? info.iterations;
  const seed = numberFlag(args, 'seed', (v) => (Number.isInteger(v) && v >= 0 && v < 2 ** 32 ? null : 'must be an integer in [0, 2^32)')) ?? 1;
  const backend = flag(args, 'backend') ?? 'reference';
  if (backend !== 'reference' && backend !== 'webgpu') throw new UsageError(`--backend must be 'reference' or 'webgpu', got '${backend}'`);
  const mdp = compileOrThrow(document, undefined);
  const init = initialPolicy(mdp, flag(args, 'init') ?? 'uniform', (file) => readFileSync(file, 'utf8'));
  if (!init.ok) throw new UsageError(init.error);
  const spec = { method, options: resolved.options, init: init.policy, seed };

  const dbPath = flag(args, 'db');
  const store = dbPath ? openRunStore(dbPath) : null;
  const traceWanted = flag(args, 'trace') === 'true';
  const trace: IterationMetrics[] = [];
  const started = Date.now();
  let runId: number | null = null;
  let status: 'completed' | 'failed' = 'completed';
  let error: string | null = null;
  let last: IterationMetrics | null = null;
  let gpu: GPU | null = null;
  const segments: { from: number; backend: string; reason: string }[] = [];
  let diagnostics: Record<string, number | string | boolean | null> = {};
  let finalBackend: string = backend;
  let converged = false;
  try {
    if (store) runId = store.begin({ document, preset, method, options: resolved.options, backend, seed, maxIterations: iterations });
    if (backend === 'webgpu') gpu = await (await import('./nodeGpu')).nodeGpu();
    const session = await createSession(mdp, spec, {
      backend,
      gpu,
      allowFallback: flag(args, 'no-fallback') !== 'true',
      onBackendChange: (change) => {
        segments.push(change);
        if (store && runId !== null) store.recordBackend(runId, change);
        if (!out.json) process.stderr.write(`backend: ${change.backend} from iteration ${change.from} (${change.reason})\n`);
      },
    });
    let done = 0;
    try {
      while (done < iterations && !session.done) {
        const batch = await session.nextBatch(Math.min(256, iterations - done));
        if (batch.length === 0) break;
        done += batch.length;
        last = batch[batch.length - 1];
        if (traceWanted) trace.push(...batch);
        if (store && runId !== null) store.append(runId, batch);
      }
      if (store && runId !== null) store.snapshot(runId, last?.iteration ?? 0, await session.policy());
    } finally {
      diagnostics = session.diagnostics();
      finalBackend = session.backend;
      converged = session.done;
      session.dispose();
    }
    if (store && runId !== null) store.finish(runId, 'completed', null, diagnostics, Date.now() - started);
    const result = {
      runId,
      algorithm: method,
      backend: finalBackend,
      backendSegments: segments,
      iterations: last ? last.iteration : 0,
      status,
      converged,
      final: last,
      diagnostics,
      options: resolved.options,
      ...(traceWanted ? { trace } : {}),
    };
    out.print(result, () => summariseRun(method, mdp, result.final, diagnostics, runId));
    return 0;
  } catch (caught) {
    if (caught instanceof UsageError || caught instanceof MethodInputError) {
      if (store && runId !== null) store.finish(runId, 'failed', caught.message, {}, Date.now() - started);
      throw new UsageError(caught.message);
    }
    status = 'failed';
    error = caught instanceof Error ? caught.message : String(caught);
    if (store && runId !== null) store.finish(runId, 'failed', error, caught instanceof DivergenceError ? { divergedAt: caught.iteration, quantity: caught.quantity } : {}, Date.now() - started);
    out.print({ runId, algorithm: method, status, error, final: last, ...(traceWanted ? { trace } : {}) }, () => `run failed: ${error}`);
    return 1;
  } finally {
    store?.close();
  }
}

function summariseRun(method: string, mdp: TabularMdp, final: IterationMetrics | null, diagnostics: Record<string, unknown>, runId: number | null): string {
  const lines = [`${method} on ${mdp.name} (S=${mdp.S}, N=${mdp.N}${mdp.grid ? `, grid n=${mdp.grid.n}^${mdp.grid.dim}` : ''})`];
  if (final) {
    lines.push(`iteration ${final.iteration}: J=${final.J.toPrecision(10)} gap=${final.gap.toExponential(3)} tv=${final.tv.toExponential(3)} residual=${final.evalResidual.toExponential(1)}`);
  }
  const diag = Object.entries(diagnostics).map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(6)) : v}`);
  if (diag.length) lines.push(`diagnostics: ${diag.join(' ')}`);
  if (runId !== null) lines.push(`stored as run ${runId}`);
  return lines.join('\n');
}

function commandConvert(args: ParsedArgs): void {
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
  if (!imported.ok) throw new UsageError(`'${input}' is not a valid Gymnasium table:\n${formatIssues(imported.issues)}`);
  const compiled = compileMdp(imported.document);
  if (!compiled.ok) throw new UsageError(`the converted MDP is not valid:\n${formatIssues(compiled.issues)}`);
  writeFileSync(target, `${JSON.stringify(imported.document, null, 2)}\n`);
  output(args).print({ out: target, states: compiled.mdp.S, actions: compiled.mdp.N }, () => `wrote ${target} (S=${compiled.mdp.S}, N=${compiled.mdp.N})`);
}

export async function main(argv: string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, BOOLEAN_FLAGS, VALUE_FLAGS);
    if (!args.command || args.flags.has('help') || args.command === 'help') {
      process.stdout.write(USAGE);
      return args.command || args.flags.has('help') ? 0 : 2;
    }
    switch (args.command) {
      case 'presets':
        commandPresets(args);
        return 0;
      case 'methods':
        commandMethods(args);
        return 0;
      case 'solve':
        commandSolve(args);
        return 0;
      case 'run':
        return await commandRun(args);
      case 'convert':
        commandConvert(args);
        return 0;
      default:
        throw new UsageError(`unknown command '${args.command}'\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`wwb: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`wwb: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`wwb: ${String(error)}\n`);
    process.exit(1);
  },
);
