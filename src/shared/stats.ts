/**
 * The statistics of Compare and `wwb stats`: grouping runs, debiased EMA smoothing, mean curves with a
 * band, per-run summaries, and the aggregate scores with stratified-bootstrap confidence intervals a
 * reviewer expects (Agarwal et al. 2021, "Deep RL at the edge of the statistical precipice": mean,
 * median, interquartile mean, probability of improvement), with the exact optimum as the normaliser.
 *
 * Pure functions of numbers: no I/O, no randomness except the seeded generator below, so every figure is
 * reproducible from the stored runs and the seed.
 */

// ---------------------------------------------------------------------------------------------------
// Descriptive statistics

/** Finite values only (null, NaN and ±Infinity dropped). */
export function finiteValues(values: readonly (number | null | undefined)[]): number[] {
  const out: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  return out;
}

export function mean(x: readonly number[]): number {
  if (x.length === 0) return NaN;
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}

/** Sample standard deviation (divisor n - 1); 0 for a single value, NaN for none. */
export function std(x: readonly number[]): number {
  if (x.length === 0) return NaN;
  if (x.length === 1) return 0;
  const m = mean(x);
  let s = 0;
  for (const v of x) s += (v - m) * (v - m);
  return Math.sqrt(s / (x.length - 1));
}

/** Standard error of the mean, std / sqrt(n). */
export function stderr(x: readonly number[]): number {
  return x.length === 0 ? NaN : std(x) / Math.sqrt(x.length);
}

const sorted = (x: readonly number[]): number[] => [...x].sort((a, b) => a - b);

/** The median (mean of the two middle values for even n). */
export function median(x: readonly number[]): number {
  if (x.length === 0) return NaN;
  const s = sorted(x);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * Interquartile mean: the mean of the values left after dropping floor(n/4) from each end of the sorted
 * sample (scipy.stats.trim_mean(x, 0.25), as rliable computes it). For n < 4 nothing is dropped.
 */
export function iqm(x: readonly number[]): number {
  if (x.length === 0) return NaN;
  const s = sorted(x);
  const cut = Math.floor(s.length * 0.25);
  return mean(s.slice(cut, s.length - cut));
}

/** Linear-interpolated quantile q in [0, 1] (numpy's default 'linear' method). */
export function quantile(x: readonly number[], q: number): number {
  if (x.length === 0) return NaN;
  const s = sorted(x);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

// ---------------------------------------------------------------------------------------------------
// Smoothing

/**
 * Debiased exponential moving average (TensorBoard's smoothing): with weight w in [0, 1),
 * m_k = w m_{k-1} + (1 - w) x_k over the finite values, m_0 = 0, and the shown value m_k / (1 - w^k)
 * (k = number of finite values so far), so the start is not pulled towards 0. Null / non-finite
 * values stay null and do not advance the average. w = 0 returns the values unchanged.
 */
export function emaDebiased(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  let m = 0;
  let k = 0;
  return values.map((v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    k++;
    m = weight * m + (1 - weight) * v;
    return m / (1 - weight ** k);
  });
}

// ---------------------------------------------------------------------------------------------------
// Grouping and bands

/** What a run contributes to grouping. */
export interface GroupableRun {
  id: number;
  method: string;
  mdpName: string;
  seed: number;
  options: Record<string, number | string | null>;
  /** how the initial policy was chosen ('uniform', 'random', 'policy'); absent when not recorded */
  init?: string | null;
}

/**
 * 'all-but-seed': runs that differ only in their seed share a group (a random or given initial policy is
 * part of the configuration: such runs never share a group with uniform-init ones); else the value of one
 * field or option.
 */
export type GroupBy = 'none' | 'all-but-seed' | 'method' | 'mdp' | `option:${string}`;

const showValue = (v: unknown): string => (v === null || v === undefined ? '(unset)' : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : String(v));

/** The key (and readable name) of a run's group. */
export function groupKeyOf(run: GroupableRun, by: GroupBy): string {
  switch (by) {
    case 'none':
      return `run ${run.id}`;
    case 'method':
      return run.method;
    case 'mdp':
      return run.mdpName;
    case 'all-but-seed': {
      const opts = Object.keys(run.options)
        .filter((k) => k !== 'seed')
        .sort()
        .map((k) => `${k}=${showValue(run.options[k])}`);
      const init = run.init && run.init !== 'uniform' ? [`init=${run.init}`] : [];
      return [run.method, run.mdpName, ...opts, ...init].join(' ');
    }
    default: {
      const key = by.slice('option:'.length);
      return `${key}=${showValue(run.options[key])}`;
    }
  }
}

/** Runs grouped by key, groups in the order of their first run. */
export function groupRuns<R extends GroupableRun>(runs: readonly R[], by: GroupBy): { key: string; runs: R[] }[] {
  const groups = new Map<string, R[]>();
  for (const r of runs) {
    const k = groupKeyOf(r, by);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups].map(([key, rs]) => ({ key, runs: rs }));
}

/** Option keys whose values differ between runs (candidates for "group by"). */
export function varyingOptionKeys(runs: readonly GroupableRun[]): string[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.options)) keys.add(k);
  return [...keys].filter((k) => new Set(runs.map((r) => showValue(r.options[k]))).size > 1).sort();
}

export type BandKind = 'std' | 'stderr' | 'minmax';

export interface BandCurve {
  x: number[];
  mean: number[];
  lo: number[];
  hi: number[];
  /** how many runs contribute at each x */
  n: number[];
}

/**
 * Mean curve of several runs with a band, aligned on equal x (iterations): at each x that at least one
 * run has, the mean of the finite values there and mean ± std, mean ± stderr, or [min, max].
 */
export function meanBand(curves: readonly { x: readonly number[]; y: readonly (number | null)[] }[], band: BandKind): BandCurve {
  const at = new Map<number, number[]>();
  for (const c of curves)
    c.x.forEach((x, i) => {
      const v = c.y[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const list = at.get(x);
      if (list) list.push(v);
      else at.set(x, [v]);
    });
  const xs = [...at.keys()].sort((a, b) => a - b);
  const out: BandCurve = { x: xs, mean: [], lo: [], hi: [], n: [] };
  for (const x of xs) {
    const v = at.get(x)!;
    const m = mean(v);
    let lo: number;
    let hi: number;
    if (band === 'minmax') {
      lo = Math.min(...v);
      hi = Math.max(...v);
    } else {
      const w = band === 'std' ? std(v) : stderr(v);
      lo = m - w;
      hi = m + w;
    }
    out.mean.push(m);
    out.lo.push(lo);
    out.hi.push(hi);
    out.n.push(v.length);
  }
  return out;
}

/** Whether a band has zero width everywhere (every run of the group gave the same curve). */
export function bandIsZero(b: BandCurve, relTol = 1e-12): boolean {
  return b.x.every((_, i) => Math.abs(b.hi[i] - b.lo[i]) <= relTol * Math.max(1, Math.abs(b.mean[i])));
}

// ---------------------------------------------------------------------------------------------------
// Per-run summary

export interface RunTraceForSummary {
  iteration: readonly number[];
  J: readonly (number | null)[];
  gap: readonly (number | null)[];
  trustViolated?: readonly (number | boolean | null)[];
  /** wall-clock ms since the start, per row (for the time to reach the gap target) */
  wallMs?: readonly (number | null)[];
}

export interface RunSummary {
  finalJ: number | null;
  bestJ: number | null;
  finalGap: number | null;
  bestGap: number | null;
  /** first iteration with gap <= the target, null when never reached */
  itersToGap: number | null;
  /** wall time (ms) of that row, null when never reached or not recorded */
  timeToGapMs: number | null;
  /** updates whose trust-region constraint was violated */
  violations: number;
}

export function summariseRun(t: RunTraceForSummary, gapTarget: number): RunSummary {
  let bestJ: number | null = null;
  let bestGap: number | null = null;
  let itersToGap: number | null = null;
  let timeToGapMs: number | null = null;
  let finalJ: number | null = null;
  let finalGap: number | null = null;
  for (let i = 0; i < t.iteration.length; i++) {
    const J = t.J[i];
    const g = t.gap[i];
    if (typeof J === 'number' && Number.isFinite(J)) {
      bestJ = bestJ === null ? J : Math.max(bestJ, J);
      finalJ = J;
    }
    if (typeof g === 'number' && Number.isFinite(g)) {
      bestGap = bestGap === null ? g : Math.min(bestGap, g);
      finalGap = g;
      if (itersToGap === null && g <= gapTarget) {
        itersToGap = t.iteration[i];
        const w = t.wallMs?.[i];
        timeToGapMs = typeof w === 'number' && Number.isFinite(w) ? w : null;
      }
    }
  }
  let violations = 0;
  for (const v of t.trustViolated ?? []) if (v === true || v === 1) violations++;
  return { finalJ, bestJ, finalGap, bestGap, itersToGap, timeToGapMs, violations };
}

// ---------------------------------------------------------------------------------------------------
// Scores, bootstrap, probability of improvement

/**
 * The score normalised by the exact optimum: (J - J_uniform) / (J* - J_uniform): 0 at the uniform
 * policy, 1 at the optimum. Null when J* = J_uniform (every policy is as good as uniform: no score).
 */
export function normalisedScore(J: number, Juniform: number, Jstar: number): number | null {
  const span = Jstar - Juniform;
  if (!Number.isFinite(J) || !Number.isFinite(span) || Math.abs(span) <= 1e-12 * Math.max(1, Math.abs(Jstar))) return null;
  return (J - Juniform) / span;
}

/** mulberry32: a small seeded generator of uniforms in [0, 1), identical on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Scores of one method: one array of run scores per task (MDP), the bootstrap's strata. */
export type StratifiedScores = number[][];

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

export interface BootstrapOptions {
  /** resamples (default 2000) */
  reps?: number;
  /** generator seed (default 0): the same seed gives the same interval */
  seed?: number;
  /** confidence level (default 0.95) */
  level?: number;
}

/** Draw, within each stratum, as many runs as it has, with replacement. */
function resample(strata: StratifiedScores, rand: () => number): number[][] {
  return strata.map((s) => s.map(() => s[Math.floor(rand() * s.length)]));
}

function percentileInterval(estimate: number, draws: number[], level: number): Interval {
  const a = (1 - level) / 2;
  return { estimate, lo: quantile(draws, a), hi: quantile(draws, 1 - a) };
}

/**
 * A statistic of the pooled scores (all tasks' runs together, as rliable's aggregate metrics) with a
 * percentile stratified-bootstrap confidence interval: each replicate resamples runs within each task.
 */
export function stratifiedBootstrap(strata: StratifiedScores, statistic: (pooled: number[]) => number, options: BootstrapOptions = {}): Interval {
  const reps = options.reps ?? 2000;
  const rand = seededRandom(options.seed ?? 0);
  const estimate = statistic(strata.flat());
  const draws: number[] = [];
  for (let r = 0; r < reps; r++) draws.push(statistic(resample(strata, rand).flat()));
  return percentileInterval(estimate, draws, options.level ?? 0.95);
}

/**
 * Probability of improvement P(X > Y): for each task, the Mann-Whitney probability that a run of X scores
 * above a run of Y (ties count one half), averaged over the tasks both have. Tasks are aligned by index.
 */
export function probabilityOfImprovement(x: StratifiedScores, y: StratifiedScores): number {
  const tasks = Math.min(x.length, y.length);
  let total = 0;
  let counted = 0;
  for (let t = 0; t < tasks; t++) {
    const a = x[t];
    const b = y[t];
    if (!a.length || !b.length) continue;
    let s = 0;
    for (const u of a) for (const v of b) s += u > v ? 1 : u === v ? 0.5 : 0;
    total += s / (a.length * b.length);
    counted++;
  }
  return counted ? total / counted : NaN;
}

/** P(X > Y) with a stratified-bootstrap interval (X and Y resampled independently within each task). */
export function probabilityOfImprovementCI(x: StratifiedScores, y: StratifiedScores, options: BootstrapOptions = {}): Interval {
  const reps = options.reps ?? 2000;
  const rand = seededRandom(options.seed ?? 0);
  const draws: number[] = [];
  for (let r = 0; r < reps; r++) draws.push(probabilityOfImprovement(resample(x, rand), resample(y, rand)));
  return percentileInterval(probabilityOfImprovement(x, y), draws, options.level ?? 0.95);
}

export interface AggregateScores {
  runs: number;
  tasks: number;
  mean: Interval;
  median: Interval;
  iqm: Interval;
  /** every score identical: the intervals have zero width (see ZERO_WIDTH_NOTE) */
  zeroWidth: boolean;
}

/** Mean, median and IQM of one method's scores with stratified-bootstrap intervals (one seed for all three). */
export function aggregateScores(strata: StratifiedScores, options: BootstrapOptions = {}): AggregateScores {
  const pooled = strata.flat();
  return {
    runs: pooled.length,
    tasks: strata.filter((s) => s.length).length,
    mean: stratifiedBootstrap(strata, mean, options),
    median: stratifiedBootstrap(strata, median, options),
    iqm: stratifiedBootstrap(strata, iqm, options),
    zeroWidth: pooled.length > 0 && pooled.every((v) => v === pooled[0]),
  };
}

/** What to say when a group's band or interval has zero width. */
export const ZERO_WIDTH_NOTE =
  'zero width: the runs are identical (an exact, deterministic method from one initial policy repeats itself for every seed). ' +
  'Real variation comes from random initial policies (init random with different seeds), random MDP instances, and sampled estimators.';

// ---------------------------------------------------------------------------------------------------
// The report of `wwb stats` and Compare's statistics panel

export interface ScoredRun extends GroupableRun {
  /** (J - J_uniform) / (J* - J_uniform) of the run's final J */
  score: number;
}

export interface ScoreReport {
  groups: ({ key: string; note: string | null } & AggregateScores)[];
  /** P(score of a > score of b) over the MDPs both groups ran */
  improvement: { a: string; b: string; probability: Interval }[];
}

/**
 * Group scored runs, stratify each group by MDP, and report mean / median / IQM with stratified-bootstrap
 * intervals per group and the probability of improvement between every ordered pair of groups (at most
 * 12 groups). The same seed gives the same report.
 */
export function scoreReport(runs: readonly ScoredRun[], by: GroupBy, options: BootstrapOptions = {}): ScoreReport {
  const groups = groupRuns(runs, by);
  const mdps = [...new Set(runs.map((r) => r.mdpName))];
  const strata = (rs: readonly ScoredRun[], tasks: string[]) => tasks.map((m) => rs.filter((r) => r.mdpName === m).map((r) => r.score));
  const out: ScoreReport['groups'] = groups.map((g) => {
    const agg = aggregateScores(strata(g.runs, mdps).filter((s) => s.length), options);
    return { key: g.key, ...agg, note: agg.zeroWidth && agg.runs > 1 ? ZERO_WIDTH_NOTE : null };
  });
  const improvement: ScoreReport['improvement'] = [];
  if (groups.length <= 12)
    for (const a of groups)
      for (const b of groups) {
        if (a === b) continue;
        const shared = mdps.filter((m) => a.runs.some((r) => r.mdpName === m) && b.runs.some((r) => r.mdpName === m));
        if (shared.length) improvement.push({ a: a.key, b: b.key, probability: probabilityOfImprovementCI(strata(a.runs, shared), strata(b.runs, shared), options) });
      }
  return { groups: out, improvement };
}

// ---------------------------------------------------------------------------------------------------
// Performance profiles

/**
 * The performance profile of a set of scores (Dolan & Moré 2002; the score distribution of rliable):
 * at each threshold tau, the fraction of runs with score >= tau. Taus are returned in the order given.
 */
export function performanceProfile(scores: readonly number[], taus: readonly number[]): number[] {
  if (!scores.length) return taus.map(() => NaN);
  return taus.map((tau) => {
    let k = 0;
    for (const v of scores) if (v >= tau) k++;
    return k / scores.length;
  });
}

/** n + 1 evenly spaced thresholds from lo to hi (both included). */
export function profileTaus(lo = 0, hi = 1, n = 50): number[] {
  return Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
}

export interface ProfilePoint {
  tau: number;
  /** fraction of runs with score >= tau, with its stratified-bootstrap interval */
  fraction: Interval;
}

/**
 * The performance profile of one group's stratified scores with pointwise percentile stratified-bootstrap
 * intervals (each replicate resamples runs within each task, as for the aggregate scores).
 */
export function performanceProfileCI(strata: StratifiedScores, taus: readonly number[], options: BootstrapOptions = {}): ProfilePoint[] {
  const reps = options.reps ?? 2000;
  const level = options.level ?? 0.95;
  const rand = seededRandom(options.seed ?? 0);
  const estimate = performanceProfile(strata.flat(), taus);
  const draws: number[][] = taus.map(() => []);
  for (let r = 0; r < reps; r++) performanceProfile(resample(strata, rand).flat(), taus).forEach((v, i) => draws[i].push(v));
  return taus.map((tau, i) => ({ tau, fraction: percentileInterval(estimate[i], draws[i], level) }));
}

/** Per group (stratified by MDP, as scoreReport) the performance profile with intervals. */
export function profileReport(runs: readonly ScoredRun[], by: GroupBy, taus: readonly number[], options: BootstrapOptions = {}): { key: string; points: ProfilePoint[] }[] {
  const mdps = [...new Set(runs.map((r) => r.mdpName))];
  return groupRuns(runs, by).map((g) => ({
    key: g.key,
    points: performanceProfileCI(
      mdps.map((m) => g.runs.filter((r) => r.mdpName === m).map((r) => r.score)).filter((s) => s.length),
      taus,
      options,
    ),
  }));
}

// ---------------------------------------------------------------------------------------------------
// LaTeX

/** Text made safe inside a LaTeX table cell (the ten special characters escaped). */
export function latexEscape(text: string): string {
  const map: Record<string, string> = {
    '\\': '\\textbackslash{}',
    '&': '\\&',
    '%': '\\%',
    $: '\\$',
    '#': '\\#',
    _: '\\_',
    '{': '\\{',
    '}': '\\}',
    '~': '\\textasciitilde{}',
    '^': '\\textasciicircum{}',
  };
  return text.replace(/[\\&%$#_{}~^]/g, (c) => map[c]);
}

export interface LatexTableOptions {
  /** decimals of the numbers (default 3) */
  digits?: number;
  caption?: string;
  label?: string;
  /** the app version that made the table, written in a comment line */
  appVersion?: string;
  /** per run id its configuration hash, written in comment lines */
  configHashes?: { runId: number; configHash: string | null }[];
  /** bootstrap settings, stated in the caption */
  reps?: number;
  seed?: number;
}

/**
 * The score report as a booktabs table (needs \usepackage{booktabs}): one row per group with runs, MDPs
 * and mean, median, IQM, each as "estimate [lo, hi]" (95% stratified-bootstrap intervals). Comment lines
 * at the top carry the app version and each run's configuration hash.
 */
export function latexScoreTable(report: ScoreReport, o: LatexTableOptions = {}): string {
  const d = o.digits ?? 3;
  const num = (v: number) => (Number.isFinite(v) ? v.toFixed(d) : '--');
  const ci = (i: Interval) => `${num(i.estimate)} {\\small[${num(i.lo)}, ${num(i.hi)}]}`;
  const boot = o.reps !== undefined ? `, ${o.reps} resamples${o.seed !== undefined ? `, seed ${o.seed}` : ''}` : '';
  const caption =
    o.caption ??
    `Normalised score $(J - J_{\\mathrm{unif}})/(J^\\star - J_{\\mathrm{unif}})$ (0: uniform policy, 1: exact optimum); estimate and 95\\% stratified-bootstrap interval${boot}.`;
  const lines = [
    `% made by Wasserstein Workbench${o.appVersion ? ` ${o.appVersion}` : ''}; needs \\usepackage{booktabs}`,
    ...(o.configHashes ?? []).map((h) => `% run ${h.runId} config ${h.configHash ?? 'unknown'}`),
    '\\begin{table}[t]',
    '\\centering',
    `\\caption{${caption}}`,
    ...(o.label ? [`\\label{${o.label}}`] : []),
    '\\begin{tabular}{lrrlll}',
    '\\toprule',
    'Group & Runs & MDPs & Mean & Median & IQM \\\\',
    '\\midrule',
    ...report.groups.map((g) => `${latexEscape(g.key)} & ${g.runs} & ${g.tasks} & ${ci(g.mean)} & ${ci(g.median)} & ${ci(g.iqm)} \\\\`),
    '\\bottomrule',
    '\\end{tabular}',
    '\\end{table}',
  ];
  return `${lines.join('\n')}\n`;
}
