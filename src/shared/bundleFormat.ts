/**
 * The experiment bundle: one JSON file (optionally gzip-compressed) that carries experiments with their
 * runs to another workbench database — the MDP documents, every run's configuration, initial policy,
 * full trace and policy snapshots, the app version and a checksum.
 *
 *   {
 *     "format": "wasserstein-workbench/bundle", "formatVersion": 1,
 *     "appVersion": "0.1.0", "exportedAt": "2026-12-02T01:00:00.000Z",
 *     "checksum": "sha256:<hex>",          // sha-256 of the canonical JSON of `content` (keys sorted)
 *     "content": {
 *       "mdps":        [{ key, name, preset, contentHash, document }],
 *       "experiments": [{ key, uid, name, notes, mdpKey, isDefault, createdAt }],
 *       "runs":        [{ uid, experimentKey, mdpKey, method, label, options, backend, backendSegments,
 *                         seed, maxIterations, status, error, diagnostics, createdAt, startedAt,
 *                         finishedAt, wallMs, tags, notes, appVersion, configHash, init, initPolicy,
 *                         trace: { iteration: [...], columns: { J: [...], gap: [...], ... } },
 *                         snapshots: [{ iteration, policy }] }]
 *     }
 *   }
 *
 * `key`s are local to the file (runs name their MDP and experiment by key); database ids never travel.
 * `uid`s are global: importing a run whose uid the database already holds adds nothing, and an
 * experiment found by its uid is reused. MDPs are found by their content hash (sha-256 of the canonical
 * document). Trace values are numbers, null (not finite when stored, or not applicable) or the strings
 * "Infinity" / "-Infinity" (an infinite KL, which JSON cannot write as a number). Options keep the
 * stored form ("NaN" = the MDP's own gamma). Only finished runs travel.
 *
 * This module is the file's shape (valibot, the style of apiSchemas.ts) and the checks that need no
 * database and no hashing: sizes, references between keys, trace and policy shapes. The service
 * (src/main/services/bundle.ts) adds the checksum, the MDP compilation and the storing.
 */
import * as v from 'valibot';
import { MAX_PAYLOAD_DEPTH, array, boolean, formatPath, isPlainObject, payloadDepth, literal, mdpDocumentShape, nullable, number, object, optional, record, string, FINISH_STATUSES } from './apiSchemas';
import { METHOD_IDS, METRIC_KEYS, type ComputeBackendId, type MethodId, type MetricKey } from './methods';
import { MDP_LIMITS } from './mdp/types';

export const BUNDLE_FORMAT = 'wasserstein-workbench/bundle';
export const BUNDLE_FORMAT_VERSION = 1;

/** What one bundle may hold (a bigger one is refused before anything is read into the database). */
export const BUNDLE_LIMITS = {
  /** bytes of the (uncompressed) JSON text */
  maxBytes: 256 * 1024 * 1024,
  mdps: 1_000,
  experiments: 1_000,
  runs: 10_000,
  /** trace rows of one run */
  traceRows: 10_000_001,
  /** trace rows of all runs together */
  totalTraceRows: 20_000_000,
  snapshotsPerRun: 2_000,
  textLength: 20_000,
  nameLength: 200,
} as const;

const BACKENDS = ['reference', 'webgpu'] as const satisfies readonly ComputeBackendId[];
const hex = (n: number) =>
  v.custom<string>(
    (x) => typeof x === 'string' && x.length === n && /^[0-9a-f]+$/.test(x),
    (i) => `expected ${n} lower-case hex digits, got ${typeof i.input === 'string' ? `'${i.input.slice(0, 80)}'` : typeof i.input}`,
  );
const key = () => number({ integer: true, min: 1, max: 1e9 });
const count = (max: number) => number({ integer: true, min: 0, max });
const text = (max: number = BUNDLE_LIMITS.textLength) => string({ max });
const isoTime = () =>
  v.custom<string>(
    (x) => typeof x === 'string' && x.length <= 40 && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(x),
    (i) => `expected an ISO-8601 UTC time, got ${typeof i.input === 'string' ? `'${i.input.slice(0, 40)}'` : typeof i.input}`,
  );
/** a trace value: a finite number, null, or an infinity written as a string */
export type BundleTraceValue = number | null | 'Infinity' | '-Infinity';
const traceValue = v.custom<BundleTraceValue>(
  (x) => x === null || x === 'Infinity' || x === '-Infinity' || (typeof x === 'number' && Number.isFinite(x)),
  (i) => `expected a number, null, "Infinity" or "-Infinity", got ${typeof i.input === 'string' ? `'${i.input.slice(0, 20)}'` : typeof i.input}`,
);
/** option values as stored: numbers, strings ('NaN' = "the MDP's gamma") */
const optionValue = v.custom<number | string>(
  (x) => (typeof x === 'number' && Number.isFinite(x)) || (typeof x === 'string' && x.length <= 200),
  (i) => `expected a finite number or a string, got ${typeof i.input}`,
);
const diagnosticValue = v.custom<number | string | boolean | null>(
  (x) => x === null || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)) || (typeof x === 'string' && x.length <= 10_000),
  (i) => `expected a finite number, string, boolean or null, got ${typeof i.input}`,
);
/** The message of a variant's discriminator ("kind") or of a value that is no object at all. */
const variantMessage = (i: { expected: string | null; input: unknown }): string =>
  i.expected === 'Object' ? `expected an object, got ${JSON.stringify(i.input)?.slice(0, 40) ?? typeof i.input}` : `expected one of ${String(i.expected).replace(/ \| /g, ', ').replace(/^\(|\)$/g, '')}, got ${JSON.stringify(i.input)?.slice(0, 40) ?? typeof i.input}`;

/** a policy entry: in [0, 1] up to rounding (a row's entries sum to 1 in floating point, one may read 1 + 2e-16) */
const probability = () => number({ min: 0, max: 1 + 1e-9 });

const initSchema = v.variant('kind', [
  object({ kind: literal(['uniform'] as const) }),
  object({ kind: literal(['random'] as const), seed: count(2 ** 32 - 1) }),
  object({ kind: literal(['policy'] as const), source: optional(text(1_000)) }),
], variantMessage);

const runSchema = object({
  uid: hex(32),
  experimentKey: key(),
  mdpKey: key(),
  method: v.custom<MethodId>((x) => (METHOD_IDS as readonly unknown[]).includes(x), (i) => `unknown method '${String(i.input).slice(0, 60)}'`),
  label: text(BUNDLE_LIMITS.nameLength),
  options: record(optionValue, { maxKeys: 64, maxKeyLength: 64 }),
  backend: literal(BACKENDS),
  backendSegments: array(object({ from: count(Number.MAX_SAFE_INTEGER), backend: literal(BACKENDS), reason: optional(text(1_000)) }), { max: 1_000 }),
  seed: count(2 ** 32 - 1),
  maxIterations: number({ integer: true, min: 1, max: 100_000_000 }),
  status: literal(FINISH_STATUSES),
  error: nullable(text()),
  diagnostics: record(diagnosticValue, { maxKeys: 200, maxKeyLength: 100 }),
  createdAt: isoTime(),
  startedAt: nullable(isoTime()),
  finishedAt: nullable(isoTime()),
  wallMs: nullable(number({ min: 0, max: 1e12 })),
  tags: array(string({ min: 1, max: 60 }), { max: 50 }),
  notes: text(),
  appVersion: nullable(text(100)),
  configHash: nullable(hex(64)),
  init: nullable(initSchema),
  initPolicy: nullable(array(probability(), { min: 1, max: MDP_LIMITS.maxStateActions })),
  trace: object({
    iteration: array(count(Number.MAX_SAFE_INTEGER), { max: BUNDLE_LIMITS.traceRows }),
    columns: record(array(traceValue, { max: BUNDLE_LIMITS.traceRows }), { maxKeys: METRIC_KEYS.length, maxKeyLength: 40 }),
  }),
  snapshots: array(object({ iteration: count(Number.MAX_SAFE_INTEGER), policy: array(probability(), { min: 1, max: MDP_LIMITS.maxStateActions }) }), {
    max: BUNDLE_LIMITS.snapshotsPerRun,
  }),
});

export const bundleContentSchema = object({
  mdps: array(
    object({ key: key(), name: text(BUNDLE_LIMITS.nameLength), preset: nullable(text(BUNDLE_LIMITS.nameLength)), contentHash: hex(64), document: mdpDocumentShape }),
    { max: BUNDLE_LIMITS.mdps },
  ),
  experiments: array(
    object({
      key: key(),
      uid: hex(32),
      name: string({ min: 1, max: BUNDLE_LIMITS.nameLength }),
      notes: text(),
      mdpKey: nullable(key()),
      isDefault: boolean(),
      createdAt: isoTime(),
    }),
    { max: BUNDLE_LIMITS.experiments },
  ),
  runs: array(runSchema, { max: BUNDLE_LIMITS.runs }),
});

export type BundleContent = v.InferOutput<typeof bundleContentSchema>;
export type BundleRun = BundleContent['runs'][number];
export type BundleMdp = BundleContent['mdps'][number];
export type BundleExperiment = BundleContent['experiments'][number];

export const bundleSchema = object({
  format: literal([BUNDLE_FORMAT] as const),
  formatVersion: literal([BUNDLE_FORMAT_VERSION] as const),
  appVersion: text(100),
  exportedAt: isoTime(),
  checksum: v.custom<string>(
    (x) => typeof x === 'string' && /^sha256:[0-9a-f]{64}$/.test(x),
    () => "expected 'sha256:' and 64 lower-case hex digits",
  ),
  content: bundleContentSchema,
});

export type Bundle = v.InferOutput<typeof bundleSchema>;

/** A bundle refused: `message` says why in one line, `problems` lists where ("content.runs[2].seed: ..."). */
export class BundleError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}` : message);
    this.name = 'BundleError';
  }
}

/**
 * The parsed JSON of a bundle file as a Bundle, or a BundleError naming what is wrong: not a bundle,
 * a format version this app does not read, a shape problem (wrong type, out of range, too many items),
 * or an inconsistency (a reference to a key that is not in the file, a trace whose columns do not line
 * up, a policy of the wrong size). The checksum and the MDP documents are the service's to check.
 */
export function checkBundle(value: unknown, options: { checksumOf?: (content: unknown) => string } = {}): Bundle {
  if (!isPlainObject(value)) throw new BundleError('not an experiment bundle: the file is not a JSON object');
  if (value.format !== BUNDLE_FORMAT)
    throw new BundleError(`not an experiment bundle: format is ${JSON.stringify(value.format)?.slice(0, 80) ?? 'missing'}, expected '${BUNDLE_FORMAT}'`);
  if (value.formatVersion !== BUNDLE_FORMAT_VERSION)
    throw new BundleError(
      `unknown bundle format version ${JSON.stringify(value.formatVersion)?.slice(0, 40) ?? '(missing)'}: this app (bundle format ${BUNDLE_FORMAT_VERSION}) cannot read it`,
    );
  if (payloadDepth(value) > MAX_PAYLOAD_DEPTH) throw new BundleError(`the bundle is malformed: nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
  // the checksum first: a damaged (truncated, edited) file is named as such before its shape is read
  if (options.checksumOf) {
    if (typeof value.checksum !== 'string') throw new BundleError('the bundle has no checksum');
    if (value.content === undefined) throw new BundleError('the bundle has no content');
    const actual = options.checksumOf(value.content);
    if (actual !== value.checksum)
      throw new BundleError(`the bundle is damaged: its checksum is ${value.checksum.slice(0, 80)} but its content hashes to ${actual}`);
  }
  const parsed = v.safeParse(bundleSchema, value);
  if (!parsed.success)
    throw new BundleError(
      'the bundle is malformed',
      parsed.issues.slice(0, 20).map((i) => `${formatPath((i.path ?? []).map((p) => p.key as string | number))}: ${i.message}`),
    );
  const bundle = value as unknown as Bundle;
  const problems = bundleInconsistencies(bundle.content);
  if (problems.length) throw new BundleError('the bundle is inconsistent', problems);
  return bundle;
}

/** Cross-references and shapes a schema cannot state. Policy sizes need the MDPs' S and N (`sizes`). */
export function bundleInconsistencies(c: BundleContent, sizes?: Map<number, { S: number; N: number }>): string[] {
  const out: string[] = [];
  const say = (p: string): boolean => (out.length < 20 && out.push(p), out.length >= 20);
  const mdpKeys = new Set<number>();
  c.mdps.forEach((m, i) => {
    if (mdpKeys.has(m.key)) say(`content.mdps[${i}].key ${m.key} is used twice`);
    mdpKeys.add(m.key);
  });
  const expKeys = new Set<number>();
  const expUids = new Set<string>();
  c.experiments.forEach((e, i) => {
    if (expKeys.has(e.key)) say(`content.experiments[${i}].key ${e.key} is used twice`);
    if (expUids.has(e.uid)) say(`content.experiments[${i}].uid ${e.uid} is used twice`);
    expKeys.add(e.key);
    expUids.add(e.uid);
    if (e.mdpKey !== null && !mdpKeys.has(e.mdpKey)) say(`content.experiments[${i}].mdpKey ${e.mdpKey} names no MDP of the bundle`);
    if (e.isDefault && e.mdpKey === null) say(`content.experiments[${i}] is a default experiment without an MDP`);
  });
  const runUids = new Set<string>();
  const metricKeys = new Set<string>(METRIC_KEYS);
  let totalRows = 0;
  for (let i = 0; i < c.runs.length && out.length < 20; i++) {
    const r = c.runs[i];
    const at = `content.runs[${i}]`;
    if (runUids.has(r.uid)) say(`${at}.uid ${r.uid} is used twice`);
    runUids.add(r.uid);
    if (!mdpKeys.has(r.mdpKey)) say(`${at}.mdpKey ${r.mdpKey} names no MDP of the bundle`);
    if (!expKeys.has(r.experimentKey)) say(`${at}.experimentKey ${r.experimentKey} names no experiment of the bundle`);
    const rows = r.trace.iteration.length;
    totalRows += rows;
    if (rows > r.maxIterations + 1) say(`${at}.trace has ${rows} rows; a run of ${r.maxIterations} iterations has at most ${r.maxIterations + 1}`);
    for (let k = 1; k < rows; k++)
      if (r.trace.iteration[k] <= r.trace.iteration[k - 1]) {
        say(`${at}.trace.iteration[${k}] = ${r.trace.iteration[k]} does not increase`);
        break;
      }
    for (const [name, col] of Object.entries(r.trace.columns)) {
      if (!metricKeys.has(name)) say(`${at}.trace.columns.${name.slice(0, 40)}: not a trace metric`);
      else if (col.length !== rows) say(`${at}.trace.columns.${name} has ${col.length} values for ${rows} rows`);
      else if (name === 'trustViolated' && col.some((x) => x !== null && x !== 0 && x !== 1)) say(`${at}.trace.columns.trustViolated: values must be 0, 1 or null`);
    }
    const snapIts = new Set<number>();
    r.snapshots.forEach((s, k) => {
      if (snapIts.has(s.iteration)) say(`${at}.snapshots[${k}].iteration ${s.iteration} is used twice`);
      snapIts.add(s.iteration);
    });
    if ((r.init?.kind === 'policy') !== (r.initPolicy !== null))
      say(`${at}: initPolicy must be given exactly when init.kind is 'policy'`);
    const size = sizes?.get(r.mdpKey);
    if (size) {
      const want = size.S * size.N;
      r.snapshots.forEach((s, k) => {
        if (s.policy.length !== want) say(`${at}.snapshots[${k}].policy has ${s.policy.length} values; its MDP needs S * N = ${want}`);
      });
      if (r.initPolicy && r.initPolicy.length !== want) say(`${at}.initPolicy has ${r.initPolicy.length} values; its MDP needs S * N = ${want}`);
    }
  }
  if (totalRows > BUNDLE_LIMITS.totalTraceRows) say(`content.runs: ${totalRows} trace rows in all; at most ${BUNDLE_LIMITS.totalTraceRows}`);
  return out;
}

/** A trace cell as stored in SQLite (REAL, NULL) from its bundle form. */
export const traceCellFromBundle = (x: BundleTraceValue): number | null => (x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : x);
/** The bundle form of a stored trace cell (NaN never reaches the table: it is stored as NULL). */
export const traceCellToBundle = (x: number | null): BundleTraceValue =>
  x === null || Number.isNaN(x) ? null : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x;

export type { MetricKey };
