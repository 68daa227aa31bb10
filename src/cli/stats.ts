/**
 * `wwb stats`: the aggregate statistics of stored runs, as Compare shows them.
 *
 * Per run, the score normalised by the exact optimum, (J - J_uniform) / (J* - J_uniform), with J the
 * run's final J, J* its diagnostics' Jstar (the exact (soft) optimum of its own gamma and tau) and
 * J_uniform the J of the uniform policy on the same MDP, gamma and tau, evaluated exactly here (not the
 * run's row 0, which is the uniform policy only for runs started from it). Runs are grouped (by method by
 * default) and, within a group, stratified by MDP (the bootstrap resamples runs within each MDP). For
 * each group: mean, median and interquartile mean with percentile stratified-bootstrap 95% intervals;
 * between groups: the probability of improvement P(score of A > score of B) with its interval.
 */
import { openDatabase, DatabaseOpenError } from '../main/db';
import { createWorkbenchService } from '../main/services';
import { APP_VERSION } from '../main/version';
import type { RunRecord } from '../shared/api';
import { compileMdp } from '../shared/mdp/compile';
import {
  ZERO_WIDTH_NOTE,
  groupKeyOf,
  latexScoreTable,
  normalisedScore,
  profileReport,
  profileTaus,
  scoreReport,
  type GroupBy,
  type GroupableRun,
  type Interval,
  type ProfilePoint,
  type ScoreReport,
} from '../shared/stats';
import { uniformPolicyJ } from '../compute/uniformJ';
import { UsageError, bool, flag, numberFlag, type FlagSpecs, type ParsedArgs } from './args';

export const STATS_FLAGS: FlagSpecs = {
  db: { type: 'string', value: 'FILE', help: 'the workbench database' },
  experiment: { type: 'string', value: 'NAME', help: 'only the runs of this experiment (a sweep is stored as one)' },
  'group-by': { type: 'string', value: 'KEY', help: "method (default), mdp, all-but-seed, or an option key such as eps" },
  reps: { type: 'string', value: 'N', help: 'bootstrap resamples (default 2000)' },
  seed: { type: 'string', value: 'S', help: 'bootstrap seed (default 0): the same seed gives the same intervals' },
  json: { type: 'boolean', help: 'machine-readable JSON on stdout' },
  latex: { type: 'boolean', help: 'a LaTeX booktabs table (mean, median, IQM with intervals) on stdout' },
  help: { type: 'boolean', help: 'this text' },
};

export const STATS_USAGE =
  'wwb stats --db FILE [--experiment NAME] [--group-by KEY] [--reps N] [--seed S] [--json | --latex]: normalised scores (mean, median, IQM with stratified-bootstrap 95% intervals), probability of improvement and performance profiles';

export interface RunScore {
  runId: number;
  mdp: string;
  method: string;
  seed: number;
  group: string;
  J: number;
  Jstar: number;
  Juniform: number;
  score: number;
}

export interface StatsReport {
  appVersion: string;
  groupBy: string;
  experiment: string | null;
  reps: number;
  seed: number;
  /** runs left out and why (no finished trace, no Jstar, a score undefined) */
  skipped: { runId: number; reason: string }[];
  scores: RunScore[];
  groups: ScoreReport['groups'];
  improvement: ScoreReport['improvement'];
  /** per group the fraction of runs with score >= tau, tau = 0, 0.05, ..., 1, with bootstrap intervals */
  profiles: { key: string; points: ProfilePoint[] }[];
  /** per scored run its configuration hash (exports carry them) */
  configHashes: { runId: number; configHash: string | null }[];
}

const FINISHED = new Set(['completed', 'stalled', 'cancelled']);

function groupByOf(key: string): GroupBy {
  if (key === 'method' || key === 'mdp' || key === 'all-but-seed' || key === 'none') return key;
  return `option:${key}`;
}

export function computeStats(
  dbPath: string,
  o: { experiment: string | null; groupBy: string; reps: number; seed: number },
): StatsReport {
  let db;
  try {
    db = openDatabase(dbPath);
  } catch (error) {
    if (error instanceof DatabaseOpenError) throw new UsageError(error.message);
    throw error;
  }
  try {
    const service = createWorkbenchService(db, { version: APP_VERSION, transport: 'browser' }, { recoverInterrupted: false });
    let runs: RunRecord[];
    if (o.experiment !== null) {
      const experiments = service.call('experiments:list', {});
      const found = experiments.find((e) => e.name === o.experiment);
      if (!found)
        throw new UsageError(
          `no experiment named '${o.experiment}' in ${dbPath} (experiments: ${experiments.map((e) => `'${e.name}'`).join(', ') || 'none'})`,
        );
      runs = service.call('runs:list', { experimentId: found.id });
    } else runs = service.call('runs:list', {});
    runs.sort((a, b) => a.id - b.id);
    const skipped: StatsReport['skipped'] = [];
    const uniformJ = new Map<string, number>();
    const scored: (GroupableRun & { score: RunScore; configHash: string | null })[] = [];
    const by = groupByOf(o.groupBy);
    for (const r of runs) {
      if (!FINISHED.has(r.status)) {
        skipped.push({ runId: r.id, reason: `status ${r.status}` });
        continue;
      }
      const J = r.final?.J;
      const Jstar = r.diagnostics.Jstar;
      const gamma = r.diagnostics.gamma;
      const tau = r.diagnostics.tau;
      if (typeof J !== 'number' || typeof Jstar !== 'number' || typeof gamma !== 'number' || typeof tau !== 'number') {
        skipped.push({ runId: r.id, reason: 'no final J, Jstar, gamma or tau stored' });
        continue;
      }
      const cacheKey = `${r.mdpId}:${gamma}:${tau}`;
      let Ju = uniformJ.get(cacheKey);
      if (Ju === undefined) {
        const compiled = compileMdp(service.call('mdps:get', { id: r.mdpId }).document);
        if (!compiled.ok) {
          skipped.push({ runId: r.id, reason: 'its MDP no longer compiles' });
          continue;
        }
        const mdp = compiled.mdp;
        Ju = uniformPolicyJ(mdp, gamma, tau);
        uniformJ.set(cacheKey, Ju);
      }
      const score = normalisedScore(J, Ju, Jstar);
      if (score === null) {
        skipped.push({ runId: r.id, reason: 'J* equals J of the uniform policy (no score)' });
        continue;
      }
      scored.push({
        id: r.id,
        method: r.method,
        mdpName: r.mdpName,
        seed: r.seed,
        options: r.options as Record<string, number | string | null>,
        init: r.init?.kind ?? null,
        score: { runId: r.id, mdp: r.mdpName, method: r.method, seed: r.seed, group: '', J, Jstar, Juniform: Ju, score },
        configHash: r.configHash,
      });
    }
    const report = scoreReport(
      scored.map((r) => ({ ...r, score: r.score.score })),
      by,
      { reps: o.reps, seed: o.seed },
    );
    for (const r of scored) r.score.group = groupKeyOf(r, by);
    return {
      appVersion: APP_VERSION,
      groupBy: o.groupBy,
      experiment: o.experiment,
      reps: o.reps,
      seed: o.seed,
      skipped,
      scores: scored.map((r) => r.score),
      groups: report.groups,
      improvement: report.improvement,
      profiles: profileReport(
        scored.map((r) => ({ ...r, score: r.score.score })),
        by,
        profileTaus(0, 1, 20),
        { reps: o.reps, seed: o.seed },
      ),
      configHashes: scored.map((r) => ({ runId: r.id, configHash: r.configHash })),
    };
  } finally {
    db.close();
  }
}

const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : 'n/a');
const ci = (i: Interval): string => `${f(i.estimate)} [${f(i.lo)}, ${f(i.hi)}]`;

export function formatStats(r: StatsReport): string {
  const lines = [
    `normalised score (J - J_uniform) / (J* - J_uniform): 0 = uniform policy, 1 = exact optimum`,
    `groups by ${r.groupBy}${r.experiment ? `, experiment '${r.experiment}'` : ''}; 95% stratified-bootstrap intervals (${r.reps} resamples, seed ${r.seed})`,
    '',
    `${'group'.padEnd(28)} ${'runs'.padStart(4)} ${'MDPs'.padStart(4)}  ${'mean'.padEnd(26)} ${'median'.padEnd(26)} IQM`,
  ];
  for (const g of r.groups) lines.push(`${g.key.slice(0, 28).padEnd(28)} ${String(g.runs).padStart(4)} ${String(g.tasks).padStart(4)}  ${ci(g.mean).padEnd(26)} ${ci(g.median).padEnd(26)} ${ci(g.iqm)}`);
  const zero = r.groups.filter((g) => g.note);
  if (zero.length) lines.push('', `${zero.map((g) => g.key).join(', ')}: ${ZERO_WIDTH_NOTE}`);
  if (r.improvement.length) {
    lines.push('', 'probability of improvement P(A > B):');
    for (const p of r.improvement) lines.push(`  ${p.a} > ${p.b}: ${ci(p.probability)}`);
  }
  if (r.profiles.length) {
    const at = [0.5, 0.9, 1];
    lines.push('', `performance profile: fraction of runs with score >= tau (${at.map((t) => `tau ${t}`).join(', ')})`);
    for (const g of r.profiles) {
      const cells = at.map((t) => g.points.find((p) => Math.abs(p.tau - t) < 1e-9)).map((p) => (p ? ci(p.fraction) : 'n/a'));
      lines.push(`  ${g.key.slice(0, 28).padEnd(28)} ${cells.join('  ')}`);
    }
  }
  if (r.skipped.length) lines.push('', `left out: ${r.skipped.map((s) => `run ${s.runId} (${s.reason})`).join('; ')}`);
  return lines.join('\n');
}

export function statsOptions(args: ParsedArgs): { dbPath: string; experiment: string | null; groupBy: string; reps: number; seed: number; json: boolean; latex: boolean } {
  const dbPath = flag(args, 'db');
  if (!dbPath) throw new UsageError('--db FILE is required');
  const reps = numberFlag(args, 'reps', (v) => (Number.isInteger(v) && v >= 100 && v <= 100_000 ? null : 'must be an integer in [100, 100000]')) ?? 2000;
  const seed = numberFlag(args, 'seed', (v) => (Number.isInteger(v) && v >= 0 && v < 2 ** 32 ? null : 'must be an integer in [0, 2^32)')) ?? 0;
  if (bool(args, 'json') && bool(args, 'latex')) throw new UsageError('--json and --latex cannot be combined: choose one output');
  return { dbPath, experiment: flag(args, 'experiment') ?? null, groupBy: flag(args, 'group-by') ?? 'method', reps, seed, json: bool(args, 'json'), latex: bool(args, 'latex') };
}

/** The report as a booktabs table, with the app version and every scored run's configuration hash. */
export function latexStats(r: StatsReport): string {
  return latexScoreTable(r, { appVersion: r.appVersion, configHashes: r.configHashes, reps: r.reps, seed: r.seed });
}
