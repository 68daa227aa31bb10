/**
 * Side-by-side benchmark: the f64 reference kernels against numpy / scipy / POT on the same inputs, in
 * the same run. Our figures are measured here; the peers run in `bench/peers.py` (spawned once, fed
 * through a temporary JSON file) when /usr/bin/python3 with numpy, scipy and POT is present. Every row
 * carries the largest difference between the two answers next to the ratio peer time / our time
 * (> 1: we are faster), so a speed-up never hides a different answer.
 *
 * Fairness: the same inputs (the Sinkhorn cost ((i - k)/(n - 1))^2 is computed bit for bit alike on both
 * sides), the same stopping rule (Sinkhorn: a fixed iteration count, POT with stopThr = 0; soft value
 * iteration: Jacobi sweeps from V = 0 until the sup-norm change <= tol; policy evaluation: the same
 * absolute 2-norm residual from x0 = 0), warm-ups before every row on both sides, and the best of the
timed repeats on both sides (the figure least disturbed by other processes on a shared machine). Sinkhorn per
 * iteration = (t(2I) - t(I)) / I on both sides, so that neither side's kernel set-up counts.
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed from the Python subprocess's environment (they can
 * select a slower BLAS kernel), and the BLAS that threadpoolctl reports is printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileMdp } from '../src/shared/mdp/compile';
import { presetById } from '../src/compute/presets';
import { sinkhorn } from '../src/compute/reference/sinkhorn';
import { softValueIterationSweeps } from '../src/compute/reference/solvers';
import { policyTransitionMatrix, regularisedReward, solveEvaluationSystem, uniformPolicy } from '../src/compute/reference/evaluation';
import { buildActionGraph, fokkerPlanckStep } from '../src/compute/reference/wassersteinFlow';
import { bandit1d, randomMdp } from '../src/compute/reference/testing';
import type { TabularMdp } from '../src/shared/mdp/types';
import { timeIt } from './timing';

export interface SideRow {
  kernel: string;
  size: string;
  oursMs: number;
  /** least process CPU time (all threads) of our run, ms */
  oursCpuMs: number;
  peer: string;
  peerMs?: number;
  peerCpuMs?: number;
  /** peer ms / our ms (wall clock, best of the repeats) */
  ratio?: number;
  /** peer CPU ms / our CPU ms */
  cpuRatio?: number;
  /** max |ours - peer| over the answer vector */
  diff?: number;
  /** the tolerance the answers must agree to */
  tol: number;
  /** rounds of (ours, then the peer) whose best figures the row shows (1 when absent) */
  rounds?: number;
  note: string;
  error?: string;
}

interface Problem {
  id: string;
  kind: 'sinkhorn' | 'soft-value-iteration' | 'fokker-planck' | 'policy-evaluation';
  repeats: number;
  warmup: number;
  [key: string]: unknown;
}

interface Ours {
  problem: Problem;
  row: Omit<SideRow, 'peer'>;
  answer: Float64Array;
  peerTime?: 'perIteration';
}

const PYTHON = '/usr/bin/python3';

function preset(id: string): TabularMdp {
  const result = compileMdp(presetById(id)!.build());
  if (!result.ok) throw new Error(`preset ${id} does not compile`);
  return result.mdp;
}

/** A smooth density on n grid points of [0, 1]: a Gaussian bump over a floor, normalised. */
function density(n: number, mean: number, sd: number, floor: number): Float64Array {
  const a = new Float64Array(n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    const x = i / (n - 1);
    a[i] = Math.exp(-0.5 * ((x - mean) / sd) ** 2) + floor;
    z += a[i];
  }
  for (let i = 0; i < n; i++) a[i] /= z;
  return a;
}

const list = (x: ArrayLike<number>): number[] => Array.from(x);

function sinkhornRows(quick: boolean): Ours[] {
  const out: Ours[] = [];
  for (const n of quick ? [256, 1024] : [64, 256, 1024]) {
    const a = density(n, 0.35, 0.1, 0.05);
    const b = density(n, 0.6, 0.15, 0.05);
    const C = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        const d = (i - k) / (n - 1);
        C[i * n + k] = d * d;
      }
    }
    for (const eps of [0.1, 0.01]) {
      const I = n >= 1024 ? (quick ? 40 : 100) : quick ? 150 : 300;
      const repeats = n >= 1024 ? (quick ? 5 : 9) : quick ? 9 : 15;
      const run = (iters: number) => sinkhorn(a, b, C, eps, { tol: 0, maxIter: iters });
      // I and 2I iterations timed alternately (after both are warm), so that both see the same JIT state
      let last = run(2 * I);
      timeIt(() => run(I), 1, 4, 300);
      timeIt(() => run(2 * I), 1, 4, 300);
      const t1 = { min: Infinity, cpuMin: Infinity };
      const t2 = { min: Infinity, cpuMin: Infinity };
      for (let rep = 0; rep < repeats; rep++) {
        const a = timeIt(() => run(I), 1, 0);
        const b = timeIt(() => (last = run(2 * I)), 1, 0);
        t1.min = Math.min(t1.min, a.min);
        t1.cpuMin = Math.min(t1.cpuMin, a.cpuMin);
        t2.min = Math.min(t2.min, b.min);
        t2.cpuMin = Math.min(t2.cpuMin, b.cpuMin);
      }
      out.push({
        problem: { id: `sinkhorn-${n}-${eps}`, kind: 'sinkhorn', n, eps, a: list(a), b: list(b), iterations: [I, 2 * I], repeats, warmup: 2 },
        row: {
          kernel: `Sinkhorn per iteration, eps ${eps} (1-D grid, |x-y|^2)`,
          size: `n=${n}`,
          oursMs: (t2.min - t1.min) / I,
          oursCpuMs: (t2.cpuMin - t1.cpuMin) / I,
          tol: 1e-11,
          note: `${last.domain}: ${last.fftProducts} FFT / ${last.exactProducts} exact products, ${last.patchedEntries} entries patched`,
        },
        answer: last.gradient,
        peerTime: 'perIteration',
      });
    }
  }
  return out;
}

function sviRow(quick: boolean): Ours {
  const taxi = preset('taxi');
  const tau = 0.1;
  const tol = 1e-10;
  let r = softValueIterationSweeps(taxi, taxi.gamma, tau, tol);
  const repeats = quick ? 25 : 61;
  const t = timeIt(() => (r = softValueIterationSweeps(taxi, taxi.gamma, tau, tol)), repeats, 400, 500);
  return {
    problem: {
      id: 'svi-taxi',
      kind: 'soft-value-iteration',
      S: taxi.S,
      N: taxi.N,
      reward: list(taxi.reward),
      rowPtr: list(taxi.rowPtr),
      next: list(taxi.next),
      prob: list(taxi.prob),
      mu: list(taxi.mu),
      gamma: taxi.gamma,
      tau,
      tol,
      repeats,
      warmup: 400,
    },
    row: {
      kernel: `soft value iteration to ${tol} (Taxi, tau ${tau})`,
      size: `S=${taxi.S} N=${taxi.N}`,
      oursMs: t.min,
      oursCpuMs: t.cpuMin,
      tol: 1e-9,
      note: `${r.iterations} sweeps`,
    },
    answer: r.V,
  };
}

function fokkerPlanckRow(quick: boolean, S: number, N: number): Ours {
  const mdp = bandit1d((x) => Math.cos(6 * x), N, -1, 1);
  const graph = buildActionGraph(mdp);
  const tau = 0.1;
  const cfl = 0.9;
  const pi = new Float64Array(S * N);
  const phi = new Float64Array(S * N);
  for (let s = 0; s < S; s++) {
    let z = 0;
    for (let j = 0; j < N; j++) {
      const x = j / (N - 1);
      pi[s * N + j] = 1 + 0.5 * Math.sin(5 * x + s);
      phi[s * N + j] = 0.5 * Math.sin(3 * x + 0.7 * s) + 0.2 * x;
      z += pi[s * N + j];
    }
    for (let j = 0; j < N; j++) pi[s * N + j] /= z;
  }
  const E = graph.from.length;
  const out = new Float64Array(S * N);
  const rates = new Float64Array(2 * S * E);
  const outRate = new Float64Array(S * N);
  const step = () => fokkerPlanckStep(graph, pi, phi, S, tau, null, 0, cfl, out, rates, outRate);
  const repeats = quick ? 41 : 81;
  const t = timeIt(step, repeats, 400, 300);
  step();
  return {
    problem: {
      id: `fp-${S}-${N}`,
      kind: 'fokker-planck',
      S,
      N,
      pi: list(pi),
      phi: list(phi),
      from: list(graph.from),
      to: list(graph.to),
      length: list(graph.length),
      tau,
      cfl,
      repeats,
      warmup: 400,
    },
    row: {
      kernel: 'Fokker-Planck (Scharfetter-Gummel) explicit step',
      size: `S=${S} N=${N}`,
      oursMs: t.min,
      oursCpuMs: t.cpuMin,
      tol: 1e-15,
      note: `${E} edges per state`,
    },
    answer: Float64Array.from(out),
  };
}

function policyEvaluationRow(quick: boolean, S: number, tsKernelNote: boolean): Ours {
  const mdp = randomMdp(S, 4, 7, { branching: 3 });
  const gamma = 0.9;
  const tol = 1e-12;
  const pi = uniformPolicy(mdp);
  const c = regularisedReward(mdp, pi, 0.1);
  let M = policyTransitionMatrix(mdp, pi);
  const build = timeIt(() => (M = policyTransitionMatrix(mdp, pi)), S >= 100_000 ? 9 : 21, 20, 300).min;
  let V = new Float64Array(S);
  let info = solveEvaluationSystem(M, c, gamma, V, tol);
  // best of many repeats on both sides (a solve takes milliseconds): on a loaded machine the best
  // wall-clock time of a handful is still often preempted
  const repeats = S >= 100_000 ? (quick ? 9 : 21) : quick ? 61 : 101;
  const solve = (kernel: 'wasm' | 'typescript') => () => {
    V = new Float64Array(S);
    info = solveEvaluationSystem(M, c, gamma, V, tol, { kernel });
  };
  // the TypeScript kernel (the reference of record) first, for the note; the row's figure is the default
  const tsKernel = tsKernelNote ? timeIt(solve('typescript'), quick ? 9 : 21, 30, 600) : null;
  const t = timeIt(solve('wasm'), repeats, 5, 400);
  let sup = 0;
  for (let s = 0; s < S; s++) sup = Math.max(sup, Math.abs(V[s]));
  return {
    problem: {
      id: `pe-${S}`,
      kind: 'policy-evaluation',
      S,
      gamma,
      rowPtr: list(M.rowPtr),
      col: list(M.col),
      val: list(M.val),
      c: list(c),
      // our stopping rule, |r|_2 <= tol max(1, |V|_inf), as scipy's absolute tolerance
      atol: tol * Math.max(1, sup),
      repeats,
      warmup: 5,
    },
    row: {
      kernel: 'policy evaluation solve, P_pi built (BiCGSTAB, random MDP, N=4, 3 successors)',
      size: `S=${S}`,
      oursMs: t.min,
      oursCpuMs: t.cpuMin,
      tol: 1e-9,
      note: `${info.matvecs} products, ${info.kernel} kernel${tsKernel ? ` (TypeScript kernel ${tsKernel.min.toFixed(2)} ms)` : ''}; P_pi build ${build.toFixed(2)} ms`,
    },
    answer: V,
  };
}

function peersAvailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import numpy, scipy, ot'], { encoding: 'utf8' });
  if (r.status !== 0) return `numpy, scipy and POT are needed: ${(r.stderr || '').trim().split('\n').pop()}`;
  return null;
}

function peersScript(): string {
  for (const p of [resolve(process.cwd(), 'bench/peers.py'), resolve(__dirname, '../../bench/peers.py')]) if (existsSync(p)) return p;
  throw new Error('bench/peers.py not found (run the benchmark from the repository root)');
}

export interface SideBySideResult {
  rows: SideRow[];
  /** 1-minute load average before our runs and after the peers' */
  load: number[];
  cpus: number;
  peers: { available: boolean; reason?: string; versions?: Record<string, unknown>; blas?: unknown };
}

interface PeerResult {
  id: string;
  ms?: number;
  cpu?: number;
  perIteration?: number;
  cpuPerIteration?: number;
  answer?: number[];
  error?: string;
  buildMs?: number;
  sweeps?: number;
}

interface PeerOutput {
  results: PeerResult[];
  blas?: unknown;
  [k: string]: unknown;
}

/** Solve `problems` with bench/peers.py (one subprocess; its import time is not measured). */
function runPeers(problems: Problem[], dir: string): PeerOutput {
  const input = join(dir, 'in.json');
  const output = join(dir, 'out.json');
  writeFileSync(input, JSON.stringify({ problems }));
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(PYTHON, [peersScript(), input, output], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench/peers.py failed: ${r.stderr}`);
  return JSON.parse(readFileSync(output, 'utf8')) as PeerOutput;
}

const peerName = (kind: Problem['kind']): string =>
  kind === 'sinkhorn' ? 'POT ot.sinkhorn' : kind === 'policy-evaluation' ? 'scipy bicgstab' : kind === 'soft-value-iteration' ? 'numpy + scipy CSR' : 'numpy';

function compare(o: Ours, p: PeerResult | undefined): SideRow {
  const row: SideRow = { ...o.row, peer: peerName(o.problem.kind) };
  if (!p || p.error || !p.answer) return { ...row, error: p?.error ?? 'no result' };
  const peerMs = o.peerTime === 'perIteration' ? p.perIteration! : p.ms!;
  const peerCpuMs = o.peerTime === 'perIteration' ? p.cpuPerIteration! : p.cpu!;
  let diff = p.answer.length === o.answer.length ? 0 : NaN;
  for (let i = 0; i < o.answer.length && diff === diff; i++) {
    const d = Math.abs(o.answer[i] - p.answer[i]);
    if (d > diff || d !== d) diff = d;
  }
  const extra = p.buildMs !== undefined ? `; scipy A build ${p.buildMs.toFixed(2)} ms` : p.sweeps !== undefined ? `; peer ${p.sweeps} sweeps` : '';
  return { ...row, peerMs, peerCpuMs, ratio: peerMs / o.row.oursMs, cpuRatio: peerCpuMs / o.row.oursCpuMs, diff, note: row.note + extra };
}

/** The best figures of two rounds of one row (the first round's note; the largest answer difference). */
function bestOfRounds(a: SideRow, b: SideRow): SideRow {
  const rounds = (a.rounds ?? 1) + 1;
  if (a.error || b.error || a.peerMs === undefined || b.peerMs === undefined) return { ...a, rounds, error: a.error ?? b.error ?? 'no result' };
  const oursMs = Math.min(a.oursMs, b.oursMs);
  const oursCpuMs = Math.min(a.oursCpuMs, b.oursCpuMs);
  const peerMs = Math.min(a.peerMs, b.peerMs);
  const peerCpuMs = Math.min(a.peerCpuMs!, b.peerCpuMs!);
  const diff = Math.max(a.diff!, b.diff!);
  return { ...a, oursMs, oursCpuMs, peerMs, peerCpuMs, ratio: peerMs / oursMs, cpuRatio: peerCpuMs / oursCpuMs, diff: diff === diff ? diff : NaN, rounds };
}

/** The groups of rows, by the id that `--only` selects them with. */
export const SIDE_BY_SIDE_GROUPS = ['sinkhorn', 'soft-vi', 'fokker-planck', 'policy-eval'] as const;
export type SideBySideGroup = (typeof SIDE_BY_SIDE_GROUPS)[number];

/**
 * Every group of rows is measured on our side and then at once by the peers, group after group, so
 * that both sides of a row see about the same machine load (`only`: those groups alone).
 */

export function sideBySide(quick: boolean, log: (line: string) => void = () => {}, only?: readonly SideBySideGroup[]): SideBySideResult {
  const load = [loadavg()[0]];
  const cpus = availableParallelism();
  // [id, name, rounds, rows of round k]: the millisecond-scale policy-evaluation solve is measured in
  // several rounds of (ours, then scipy), so that a burst of load from other processes during one side's
  // timings does not decide the ratio (S = 10^5 and the TypeScript-kernel note: first round only)
  const allGroups: [SideBySideGroup, string, number, (round: number) => Ours[]][] = [
    ['sinkhorn', 'Sinkhorn', 1, () => sinkhornRows(quick)],
    ['soft-vi', 'soft value iteration', 1, () => [sviRow(quick)]],
    ['fokker-planck', 'Fokker-Planck step', 1, () => (quick ? [fokkerPlanckRow(quick, 16, 1024)] : [fokkerPlanckRow(quick, 16, 1024), fokkerPlanckRow(quick, 256, 64)])],
    [
      'policy-eval',
      'policy evaluation',
      3,
      (round) =>
        quick || round > 0 ? [policyEvaluationRow(quick, 10_000, round === 0)] : [policyEvaluationRow(quick, 10_000, true), policyEvaluationRow(quick, 100_000, true)],
    ],
  ];
  const groups = allGroups.filter(([id]) => !only || only.includes(id)).map(([, name, rounds, build]) => [name, rounds, build] as const);
  const missing = peersAvailable();
  const rows: SideRow[] = [];
  let versions: Record<string, unknown> | undefined;
  let blas: unknown;
  const dir = missing ? null : mkdtempSync(join(tmpdir(), 'wwb-bench-'));
  try {
    for (const [name, rounds, build] of groups) {
      log(`${name} ...`);
      const best = new Map<string, SideRow>(); // by problem id, in the order of the first round
      for (let round = 0; round < (dir ? rounds : 1); round++) {
        const ours = build(round);
        if (!dir) {
          rows.push(...ours.map((o) => ({ ...o.row, peer: peerName(o.problem.kind) })));
          continue;
        }
        const res = runPeers(
          ours.map((o) => o.problem),
          dir,
        );
        const byId = new Map(res.results.map((x) => [x.id, x]));
        for (const o of ours) {
          const row = compare(o, byId.get(o.problem.id));
          const previous = best.get(o.problem.id);
          best.set(o.problem.id, previous ? bestOfRounds(previous, row) : row);
        }
        const { results: _r, blas: b, ...v } = res;
        versions = v;
        blas = b;
      }
      rows.push(...best.values());
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  load.push(loadavg()[0]);
  return { rows, load, cpus, peers: missing ? { available: false, reason: missing } : { available: true, versions, blas } };
}

export function printSideBySide(result: SideBySideResult): void {
  console.log('\n## side by side: f64 reference vs numpy / scipy / POT (same inputs, same stopping rule, same run)');
  if (!result.peers.available) console.log(`   peers skipped: ${result.peers.reason}`);
  else {
    console.log(`   peers: ${JSON.stringify(result.peers.versions)}`);
    console.log(`   BLAS (threadpoolctl, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset): ${JSON.stringify(result.peers.blas)}`);
  }
  console.log(`   load average at the start / end: ${result.load.map((l) => l.toFixed(2)).join(' / ')} on ${result.cpus} CPUs`);
  console.log('   ms: best wall-clock time of the repeats; cpu: least process CPU time (all threads); ratio = peer / ours (> 1: ours faster)');
  console.log(`\n| kernel | size | ours ms | peer | peer ms | ratio | ours cpu | peer cpu | cpu ratio | max abs diff (tol) | note |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of result.rows) {
    const f = (x: number | undefined) => (x === undefined ? '-' : Math.abs(x) < 0.01 ? x.toExponential(2) : x.toFixed(3));
    const q = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
    const diff = r.diff === undefined ? '-' : `${r.diff.toExponential(1)}${r.diff <= r.tol ? '' : ' MISMATCH'} (${r.tol.toExponential(0)})`;
    const peer = r.error ? `error: ${r.error}` : f(r.peerMs);
    const note = r.rounds && r.rounds > 1 ? `${r.note}; best of ${r.rounds} rounds, ours and the peer alternating` : r.note;
    console.log(`| ${r.kernel} | ${r.size} | ${f(r.oursMs)} | ${r.peer} | ${peer} | ${q(r.ratio)} | ${f(r.oursCpuMs)} | ${f(r.peerCpuMs)} | ${q(r.cpuRatio)} | ${diff} | ${note} |`);
  }
}
