/**
 * The contract's payloads as run-time schemas (valibot), the one source of truth for both transports:
 * the Electron IPC handlers and the browser-mode HTTP bridge call `validateCallPayload` before any
 * handler runs, and the payload types of src/shared/api.ts are inferred from these schemas
 * (`CallPayloads`), so the checks and the types cannot drift apart.
 *
 * Problems are readable lines with their path (`"points[3].J: expected a number, got string"`), all of
 * them, up to MAX_LISTED_PROBLEMS (then one line says how many more). Objects are closed: every unknown
 * key is a problem (at most 20 listed), so a typo in a payload never silently does nothing. Only plain
 * objects and arrays are accepted (the IPC structured clone can carry Dates, Maps and typed arrays; the
 * contract is JSON). A payload nested deeper than MAX_PAYLOAD_DEPTH is refused before any schema runs
 * (a 400 with a message, never a stack overflow further on).
 *
 * The containers (closed object, array, record) are valibot schemas whose run is written here: they
 * treat an `undefined` property as absent (IPC keeps `{label: undefined}`, JSON drops it), never copy
 * the input (a batch of 100 000 trace points is checked in place) and stop listing an array's problems
 * after 20. Leaves are `v.custom` / `v.picklist` with messages in the same words.
 *
 * Pure and platform-free (no DOM, no Node).
 */
import * as v from 'valibot';
import { CALL_NAMES, DESKTOP_CALL_NAMES, MAX_OPEN_FILE_BYTES, MAX_PAYLOAD_BYTES, type CallName, type DesktopCallName, type RunRecord } from './api';
import { COMMAND_IDS, isCommandId } from './commands';
import { METHOD_IDS, METRIC_KEYS, type ComputeBackendId, type IterationMetrics, type MethodId, type MetricKey } from './methods';
import { MDP_FORMAT, MDP_FORMAT_VERSION, MDP_LIMITS, type MdpDocument } from './mdp/types';

/** Problems listed per payload; the rest is counted in one further line. */
export const MAX_LISTED_PROBLEMS = 20;
/** Unknown keys listed per object. */
export const MAX_LISTED_UNKNOWN_KEYS = 20;
/** Deepest nesting of objects and arrays a payload may have. */
export const MAX_PAYLOAD_DEPTH = 64;

type PathKey = string | number;
type Issue = v.BaseIssue<unknown>;
type Dataset = { value: unknown; typed?: boolean; issues?: Issue[] };
type Run = (dataset: Dataset, config: v.Config<Issue>) => Dataset;
type AnySchema = v.BaseSchema<unknown, unknown, Issue>;

/** `points[3].J` from an issue's path; 'payload' for the root. */
export function formatPath(path: readonly PathKey[]): string {
  if (path.length === 0) return 'payload';
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${k}` : k;
  return out;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  if (typeof x === 'number') {
    if (Number.isNaN(x)) return 'NaN';
    if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
    return 'number';
  }
  if (typeof x === 'object') {
    const proto = Object.getPrototypeOf(x);
    if (proto !== Object.prototype && proto !== null) return (proto?.constructor?.name as string | undefined) ?? 'object';
  }
  return typeof x;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** An issue of our own containers (message already final). */
function issue(input: unknown, message: string, path: PathKey[] = []): Issue {
  return {
    kind: 'schema',
    type: 'custom',
    input,
    expected: null,
    received: describe(input),
    message,
    path: path.map((key) => ({ type: 'unknown', origin: 'value', input: undefined, key, value: undefined })),
  } as unknown as Issue;
}

/**
 * Fast path for the common case, a valid leaf: `custom` checks (possibly inside `optional` / `nullable`)
 * are called directly, without a dataset per value (a batch of 100 000 trace points has 1.5 million).
 */
function leafAccepts(schema: AnySchema, value: unknown): boolean {
  let s = schema as AnySchema & { wrapped?: AnySchema; check?: (x: unknown) => boolean };
  for (;;) {
    if (s.type === 'custom') return s.check!(value);
    if (s.type === 'nullable' && s.wrapped) {
      if (value === null) return true;
      s = s.wrapped as typeof s;
    } else if (s.type === 'optional' && s.wrapped) {
      if (value === undefined) return true;
      s = s.wrapped as typeof s;
    } else return false;
  }
}

/** Run a child schema on `value`, prefixing its issues' paths with `key`; returns how many issues it added. */
function runChild(schema: AnySchema, value: unknown, key: PathKey, config: v.Config<Issue>, out: Issue[]): number {
  if (leafAccepts(schema, value)) return 0;
  const ds = (schema as unknown as { '~run': Run })['~run']({ value }, config);
  if (!ds.issues) return 0;
  for (const i of ds.issues) {
    const item = { type: 'unknown', origin: 'value', input: undefined, key, value } as unknown as v.IssuePathItem;
    if (i.path) (i.path as v.IssuePathItem[]).unshift(item);
    else (i as { path?: v.IssuePathItem[] }).path = [item];
    out.push(i);
  }
  return ds.issues.length;
}

/** Replace a valibot container's run with ours (the static type, used for inference, stays valibot's). */
function withRun<S extends AnySchema>(schema: S, run: Run): S {
  return { ...schema, '~run': run } as S;
}

function finish(dataset: Dataset, issues: Issue[]): Dataset {
  if (issues.length) {
    dataset.issues = issues;
    dataset.typed = false;
  } else dataset.typed = true;
  return dataset;
}

// ---------------------------------------------------------------------------------------------------
// Leaves

export interface NumberRule {
  min?: number;
  max?: number;
  minExclusive?: boolean;
  integer?: boolean;
  /** accept NaN and ±Infinity (metrics only; everything else must be finite) */
  allowNonFinite?: boolean;
}

function numberProblem(x: unknown, rule: NumberRule): string | null {
  if (typeof x !== 'number') return `expected a number, got ${describe(x)}`;
  if (!Number.isFinite(x)) return rule.allowNonFinite ? null : `expected a finite number, got ${describe(x)}`;
  if (rule.integer && !Number.isInteger(x)) return `expected an integer, got ${x}`;
  if (rule.min !== undefined && (rule.minExclusive ? x <= rule.min : x < rule.min)) return `must be ${rule.minExclusive ? '>' : '>='} ${rule.min}, got ${x}`;
  if (rule.max !== undefined && x > rule.max) return `must be <= ${rule.max}, got ${x}`;
  return null;
}

export const number = (rule: NumberRule = {}) =>
  v.custom<number>(
    (x) => numberProblem(x, rule) === null,
    (i) => numberProblem(i.input, rule) ?? 'invalid number',
  );

/** Database ids: positive safe integers. */
export const id = () => number({ integer: true, min: 1, max: Number.MAX_SAFE_INTEGER });

function stringProblem(x: unknown, rule: { min?: number; max: number }): string | null {
  if (typeof x !== 'string') return `expected a string, got ${describe(x)}`;
  if (rule.min !== undefined && x.length < rule.min) return `must have at least ${rule.min} character${rule.min === 1 ? '' : 's'}`;
  if (x.length > rule.max) return `must have at most ${rule.max} characters, got ${x.length}`;
  return null;
}

export const string = (rule: { min?: number; max: number }) =>
  v.custom<string>(
    (x) => stringProblem(x, rule) === null,
    (i) => stringProblem(i.input, rule) ?? 'invalid string',
  );

export const boolean = () => v.custom<boolean>((x) => typeof x === 'boolean', (i) => `expected a boolean, got ${describe(i.input)}`);

export const literal = <const T extends readonly (string | number)[]>(values: T) =>
  v.picklist(values as unknown as readonly [T[number], ...T[number][]], (i) =>
    `expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(i.input) ?? describe(i.input)}`,
  );

// ---------------------------------------------------------------------------------------------------
// Containers

type Entries = Record<string, AnySchema>;
const isOptional = (s: AnySchema): boolean => s.type === 'optional';

/** Closed object: listed keys only; `undefined` counts as absent; every unknown key reported (20 listed). */
export function object<E extends Entries>(entries: E) {
  const list = Object.entries(entries);
  return withRun(v.object(entries), (dataset, config) => {
    const input = dataset.value;
    if (!isPlainObject(input)) return finish(dataset, [issue(input, `expected an object, got ${describe(input)}`)]);
    const out: Issue[] = [];
    for (const [key, schema] of list) {
      const has = Object.prototype.hasOwnProperty.call(input, key) && input[key] !== undefined;
      if (!has) {
        if (!isOptional(schema)) out.push(issue(undefined, 'required', [key]));
        continue;
      }
      runChild(schema, input[key], key, config, out);
    }
    let unknown = 0;
    for (const key of Object.keys(input)) {
      if (Object.prototype.hasOwnProperty.call(entries, key) || input[key] === undefined) continue;
      if (++unknown <= MAX_LISTED_UNKNOWN_KEYS) out.push(issue(input[key], 'unknown property', [key]));
    }
    if (unknown > MAX_LISTED_UNKNOWN_KEYS) out.push(issue(input, `${unknown - MAX_LISTED_UNKNOWN_KEYS} more unknown properties not listed`));
    return finish(dataset, out);
  });
}

/** Open object: the listed keys are checked, others are allowed (documents whose format may grow). */
export function openObject<E extends Entries>(entries: E) {
  const closed = object(entries);
  return withRun(v.looseObject(entries), (dataset, config) => {
    const input = dataset.value;
    if (!isPlainObject(input)) return finish(dataset, [issue(input, `expected an object, got ${describe(input)}`)]);
    const known: Record<string, unknown> = {};
    for (const key of Object.keys(entries)) if (Object.prototype.hasOwnProperty.call(input, key)) known[key] = input[key];
    const ds = (closed as unknown as { '~run': Run })['~run']({ value: known }, config);
    return finish(dataset, ds.issues ?? []);
  });
}

/** Array with a length range; at most 20 problems of its items are listed. */
export function array<S extends AnySchema>(item: S, rule: { min?: number; max: number }) {
  return withRun(v.array(item), (dataset, config) => {
    const input = dataset.value;
    if (!Array.isArray(input)) return finish(dataset, [issue(input, `expected an array, got ${describe(input)}`)]);
    const out: Issue[] = [];
    if (rule.min !== undefined && input.length < rule.min) out.push(issue(input, `must have at least ${rule.min} item(s)`));
    if (input.length > rule.max) return finish(dataset, [...out, issue(input, `must have at most ${rule.max} items, got ${input.length}`)]);
    for (let i = 0; i < input.length; i++) {
      runChild(item, input[i], i, config, out);
      // one bad element type in a million-element array should not produce a million lines
      if (out.length >= MAX_LISTED_PROBLEMS) {
        out.push(issue(input, 'further problems not listed'));
        break;
      }
    }
    return finish(dataset, out);
  });
}

/** A map from string keys to values of one schema. */
export function record<S extends AnySchema>(value: S, rule: { maxKeys: number; maxKeyLength: number }) {
  return withRun(v.record(v.string(), value), (dataset, config) => {
    const input = dataset.value;
    if (!isPlainObject(input)) return finish(dataset, [issue(input, `expected an object, got ${describe(input)}`)]);
    const keys = Object.keys(input);
    if (keys.length > rule.maxKeys) return finish(dataset, [issue(input, `must have at most ${rule.maxKeys} entries, got ${keys.length}`)]);
    const out: Issue[] = [];
    for (const key of keys) {
      if (key.length > rule.maxKeyLength) out.push(issue(key, `key '${key.slice(0, 40)}…' is longer than ${rule.maxKeyLength}`));
      runChild(value, input[key], key, config, out);
    }
    return finish(dataset, out);
  });
}

export const optional = <S extends AnySchema>(schema: S) => v.optional(schema);
export const nullable = <S extends AnySchema>(schema: S) => v.nullable(schema);

/** A schema whose inferred type is `T` (when the run-time check is shallower than the TypeScript type). */
const typed = <T>(schema: AnySchema) => schema as unknown as v.GenericSchema<T>;

// ---------------------------------------------------------------------------------------------------
// The contract's schemas

/** Upper bounds that keep a single payload reasonable (the byte limit is the final word). */
export const PAYLOAD_LIMITS = {
  nameLength: 200,
  notesLength: 20_000,
  labelLength: 200,
  tagLength: 60,
  tags: 50,
  errorLength: 20_000,
  reasonLength: 1_000,
  ownerLength: 200,
  diagnosticsEntries: 200,
  diagnosticStringLength: 10_000,
  optionsEntries: 64,
  traceBatch: 100_000,
  traceRuns: 500,
  maxIterations: 100_000_000,
  maxPoints: 10_000_000,
  wallMs: 1e12,
  policyLength: MDP_LIMITS.maxStateActions,
  seed: 2 ** 32 - 1,
  bulkRuns: 10_000,
} as const;

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted', 'stalled'] as const;
export const FINISH_STATUSES = ['completed', 'failed', 'cancelled', 'interrupted', 'stalled'] as const;
const BACKENDS = ['reference', 'webgpu'] as const satisfies readonly ComputeBackendId[];

/** `api['mdps:list']()` without a payload is fine. */
const empty = v.optional(object({}));
const byId = object({ id: id() });
const owner = optional(string({ min: 1, max: PAYLOAD_LIMITS.ownerLength }));

/**
 * The MDP document's basic shape; the full validation (probabilities, sizes, formulas) is the MDP
 * compiler's job (`compileMdp` in src/shared/mdp/compile.ts), which `mdps:save` runs before storing.
 * Open, so the document format can grow without touching this file.
 */
export const mdpDocumentShape = typed<MdpDocument>(
  openObject({
    format: literal([MDP_FORMAT]),
    version: literal([MDP_FORMAT_VERSION]),
    name: string({ min: 1, max: PAYLOAD_LIMITS.nameLength }),
    description: optional(string({ max: PAYLOAD_LIMITS.notesLength })),
    states: array(openObject({ label: string({ max: PAYLOAD_LIMITS.nameLength }) }), { min: 1, max: MDP_LIMITS.maxStates }),
    actions: openObject({ kind: literal(['discrete', 'box']) }),
    gamma: number({ min: 0, max: 1 }),
    initial: array(number(), { max: MDP_LIMITS.maxStates }),
    rewards: openObject({ kind: literal(['table', 'formula']) }),
    transitions: openObject({ kind: literal(['table', 'formula']) }),
  }),
);

type DiagnosticValue = number | string | boolean | null;
const diagnosticValue = v.custom<DiagnosticValue>(
  // non-finite diagnostics (a NaN residual over IPC) are stored as null, never refused: a refused
  // runs:finish would leave the run 'running'
  (x) => x === null || typeof x === 'boolean' || typeof x === 'number' || (typeof x === 'string' && x.length <= PAYLOAD_LIMITS.diagnosticStringLength),
  (i) =>
    typeof i.input === 'string'
      ? `must have at most ${PAYLOAD_LIMITS.diagnosticStringLength} characters, got ${i.input.length}`
      : `expected a number, string, boolean or null, got ${describe(i.input)}`,
);
const diagnostics = typed<RunRecord['diagnostics']>(record(diagnosticValue, { maxKeys: PAYLOAD_LIMITS.diagnosticsEntries, maxKeyLength: 100 }));

/**
 * A metric value: a number or null. NaN and ±Infinity are accepted (the IPC structured clone carries
 * them; JSON turns them into null on the way): the service stores them as NULL and fails the run at
 * `runs:finish` with a diagnostic (see src/main/services/runs.ts).
 */
const metric = nullable(number({ allowNonFinite: true }));

const iterationMetrics = typed<IterationMetrics>(
  object({
    iteration: number({ integer: true, min: 0, max: Number.MAX_SAFE_INTEGER }),
    J: metric,
    Jplain: metric,
    gap: metric,
    tv: metric,
    entropy: metric,
    transportCost: optional(metric),
    kl: optional(metric),
    trustSlack: optional(metric),
    trustViolated: optional(nullable(boolean())),
    lambda: optional(metric),
    evalResidual: metric,
    policyChange: optional(metric),
    t: optional(metric),
    wallMs: metric,
    samples: optional(metric),
    estimatorBias: optional(metric),
    estimatorRms: optional(metric),
    sampledMoveCost: optional(metric),
    exactMoveCost: optional(metric),
    sampledViolation: optional(metric),
    exactViolation: optional(metric),
  }),
);

/**
 * Method options: numbers or strings; null is accepted and read by runs:create as the key left out.
 * Ranges are the method specs' business (runs:create resolves the options against them).
 */
const optionValue = v.custom<number | string | null>(
  (x) => x === null || typeof x === 'number' || (typeof x === 'string' && x.length <= 200),
  (i) => (typeof i.input === 'string' ? `must have at most 200 characters, got ${i.input.length}` : `expected a number, string or null (= NaN), got ${describe(i.input)}`),
);
const methodOptions = record(optionValue, { maxKeys: PAYLOAD_LIMITS.optionsEntries, maxKeyLength: 64 });
const iterationIndex = number({ integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });

/** The message of a variant's discriminator ("kind") or of a value that is no object at all. */
const variantMessage = (i: { expected: string | null; input: unknown }): string =>
  i.expected === 'Object' ? `expected an object, got ${JSON.stringify(i.input)?.slice(0, 40) ?? typeof i.input}` : `expected one of ${String(i.expected).replace(/ \| /g, ', ').replace(/^\(|\)$/g, '')}, got ${JSON.stringify(i.input)?.slice(0, 40) ?? typeof i.input}`;

/** The init of runs:create: uniform, random (seed: default the run's seed) or a given S * N policy (row-major). */
const runInit = v.variant('kind', [
  object({ kind: literal(['uniform'] as const) }),
  object({ kind: literal(['random'] as const), seed: optional(number({ integer: true, min: 0, max: PAYLOAD_LIMITS.seed })) }),
  object({
    kind: literal(['policy'] as const),
    policy: array(number({ min: 0 }), { min: 1, max: PAYLOAD_LIMITS.policyLength }),
    source: optional(string({ max: PAYLOAD_LIMITS.reasonLength })),
  }),
], variantMessage);

/** One schema per call. */
export const CALL_SCHEMAS = {
  'app:info': empty,

  'mdps:list': empty,
  'mdps:get': byId,
  'mdps:save': object({
    id: optional(id()),
    document: mdpDocumentShape,
    preset: optional(nullable(string({ max: PAYLOAD_LIMITS.nameLength }))),
  }),
  'mdps:delete': byId,

  'experiments:list': empty,
  'experiments:create': object({
    name: string({ min: 1, max: PAYLOAD_LIMITS.nameLength }),
    notes: optional(string({ max: PAYLOAD_LIMITS.notesLength })),
    mdpId: optional(nullable(id())),
  }),
  'experiments:update': object({
    id: id(),
    name: optional(string({ min: 1, max: PAYLOAD_LIMITS.nameLength })),
    notes: optional(string({ max: PAYLOAD_LIMITS.notesLength })),
  }),
  'experiments:delete': object({ id: id(), runs: optional(literal(['keep', 'delete'] as const)) }),

  'runs:list': object({
    mdpId: optional(id()),
    experimentId: optional(id()),
    status: optional(literal(RUN_STATUSES)),
  }),
  'runs:get': byId,
  'runs:create': object({
    mdpId: id(),
    experimentId: optional(nullable(id())),
    method: typed<MethodId>(literal(METHOD_IDS)),
    label: optional(string({ max: PAYLOAD_LIMITS.labelLength })),
    options: methodOptions,
    backend: literal(BACKENDS),
    seed: number({ integer: true, min: 0, max: PAYLOAD_LIMITS.seed }),
    maxIterations: number({ integer: true, min: 1, max: PAYLOAD_LIMITS.maxIterations }),
    /** defaults to the service's own owner */
    owner,
    /** the initial policy (recorded so a re-run starts from the same one); absent = not recorded */
    init: optional(runInit),
  }),
  'runs:start': object({ id: id(), owner }),
  'runs:appendTrace': object({
    id: id(),
    points: array(iterationMetrics, { min: 1, max: PAYLOAD_LIMITS.traceBatch }),
    owner,
  }),
  'runs:heartbeat': object({ id: id(), owner }),
  'runs:addSnapshot': object({
    id: id(),
    iteration: iterationIndex,
    policy: array(number(), { min: 1, max: PAYLOAD_LIMITS.policyLength }),
    owner,
  }),
  'runs:recordBackend': object({
    id: id(),
    from: iterationIndex,
    backend: literal(BACKENDS),
    reason: optional(string({ max: PAYLOAD_LIMITS.reasonLength })),
    owner,
  }),
  'runs:finish': object({
    id: id(),
    owner,
    status: literal(FINISH_STATUSES),
    error: optional(nullable(string({ max: PAYLOAD_LIMITS.errorLength }))),
    diagnostics: optional(diagnostics),
    wallMs: optional(number({ min: 0, max: PAYLOAD_LIMITS.wallMs })),
  }),
  'runs:trace': object({
    ids: array(id(), { min: 1, max: PAYLOAD_LIMITS.traceRuns }),
    metrics: optional(array(typed<MetricKey>(literal(METRIC_KEYS)), { max: METRIC_KEYS.length })),
    maxPoints: optional(number({ integer: true, min: 2, max: PAYLOAD_LIMITS.maxPoints })),
    /** with maxPoints: keep, per bucket of rows, the rows with the smallest and largest value of this metric */
    envelope: optional(typed<MetricKey>(literal(METRIC_KEYS))),
  }),
  'runs:snapshots': byId,
  'runs:delete': byId,
  'runs:update': object({
    id: id(),
    label: optional(string({ max: PAYLOAD_LIMITS.labelLength })),
    /** trimmed, blanks and repeats dropped by the service */
    tags: optional(array(string({ max: PAYLOAD_LIMITS.tagLength }), { max: PAYLOAD_LIMITS.tags })),
    notes: optional(string({ max: PAYLOAD_LIMITS.notesLength })),
    experimentId: optional(nullable(id())),
  }),
  'runs:oracle': byId,
  'runs:updateMany': object({
    ids: array(id(), { min: 1, max: PAYLOAD_LIMITS.bulkRuns }),
    addTags: optional(array(string({ max: PAYLOAD_LIMITS.tagLength }), { max: PAYLOAD_LIMITS.tags })),
    removeTags: optional(array(string({ max: PAYLOAD_LIMITS.tagLength }), { max: PAYLOAD_LIMITS.tags })),
    /** null: each run back to its MDP's default experiment */
    experimentId: optional(nullable(id())),
  }),
  'runs:deleteMany': object({ ids: array(id(), { min: 1, max: PAYLOAD_LIMITS.bulkRuns }) }),
  'runs:init': byId,
  'bundle:export': object({
    experimentIds: optional(array(id(), { max: PAYLOAD_LIMITS.bulkRuns })),
    runIds: optional(array(id(), { max: PAYLOAD_LIMITS.bulkRuns })),
  }),
  /** the bundle file's text (JSON; a gzip file is unpacked by the caller) */
  'bundle:import': object({ text: string({ min: 1, max: MAX_PAYLOAD_BYTES }) }),
  'runs:summary': object({
    ids: array(id(), { min: 1, max: PAYLOAD_LIMITS.traceRuns }),
    /** the gap the "iterations / time to gap" columns look for (a finite number) */
    gapTarget: number(),
  }),
} satisfies { readonly [C in CallName]: AnySchema };

/** The payload type of every call, inferred from its schema (src/shared/api.ts builds WorkbenchCalls from it). */
export type CallPayloads = { [C in keyof typeof CALL_SCHEMAS]: v.InferOutput<(typeof CALL_SCHEMAS)[C]> };

export function isCallName(channel: unknown): channel is CallName {
  return typeof channel === 'string' && (CALL_NAMES as readonly string[]).includes(channel);
}

/** Nesting depth of objects/arrays, counted without recursion; stops at limit + 1. */
export function payloadDepth(payload: unknown, limit: number = MAX_PAYLOAD_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[payload, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    const depth = d + 1;
    if (depth > deepest) deepest = depth;
    if (depth > limit) return depth;
    // arrays of numbers (trace batches, policies) are common and flat: skip their scalars quickly
    for (const child of Array.isArray(x) ? x : Object.values(x as object)) if (child !== null && typeof child === 'object') stack.push([child, depth]);
  }
  return deepest;
}

/** Problems with `payload` as the payload of `channel` (empty when valid). Unknown channels are a problem too. */
export function validateCallPayload(channel: string, payload: unknown): string[] {
  if (!isCallName(channel)) return [`unknown channel '${String(channel).slice(0, 100)}'`];
  if (payloadDepth(payload) > MAX_PAYLOAD_DEPTH) return [`payload: nested deeper than ${MAX_PAYLOAD_DEPTH} levels of objects and arrays`];
  const result = v.safeParse(CALL_SCHEMAS[channel] as AnySchema, payload);
  if (result.success) return [];
  const problems: string[] = [];
  for (const i of result.issues) {
    // one summary line of a container (unknown keys, an array's further problems) may follow a full list
    if (problems.length >= MAX_LISTED_PROBLEMS && result.issues.length > MAX_LISTED_PROBLEMS + 1) {
      problems.push(`payload: ${result.issues.length - MAX_LISTED_PROBLEMS} further problems not listed`);
      break;
    }
    problems.push(`${formatPath((i.path ?? []).map((p) => p.key as PathKey))}: ${i.message}`);
  }
  return problems;
}

/** Bytes of the UTF-8 encoding of `s`, without allocating it. */
export function utf8ByteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The payload-size rule of both transports: a problem message when `bytes` (of JSON) exceeds
 * MAX_PAYLOAD_BYTES, else null.
 */
export function payloadSizeProblem(bytes: number, limit: number = MAX_PAYLOAD_BYTES): string | null {
  return bytes > limit ? `payload is ${bytes} bytes; the limit is ${limit} bytes` : null;
}

/** JSON size of an in-memory payload (IPC); `undefined` counts as empty; a payload JSON cannot write counts as too large. */
export function jsonByteLength(payload: unknown): number {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  return text === undefined ? 0 : utf8ByteLength(text);
}

// Transport constants live in src/shared/wire.ts (re-exported here for existing importers).
export { IPC_EVENT_CHANNEL, HTTP_CALL_PATH, HTTP_EVENTS_PATH, WS_EVENTS_PROTOCOL, WS_BEARER_PREFIX } from './wire';

// ---------------------------------------------------------------------------------------------------
// Desktop-only calls (Electron main validates these before its dialog / menu handlers run)

const commandId = literal(COMMAND_IDS);
const dialogTitle = string({ min: 1, max: 200 });

export const DESKTOP_CALL_SCHEMAS: { readonly [C in DesktopCallName]: AnySchema } = {
  'desktop:openFile': object({ title: dialogTitle }),
  'desktop:saveFile': object({
    title: dialogTitle,
    suggestedName: string({ min: 1, max: 255 }),
    text: string({ max: MAX_OPEN_FILE_BYTES }),
  }),
  'desktop:syncState': object({
    enabled: record(boolean(), { maxKeys: COMMAND_IDS.length, maxKeyLength: 40 }),
    theme: literal(['system', 'light', 'dark'] as const),
    activeRuns: number({ integer: true, min: 0, max: 1_000_000 }),
  }),
  'desktop:contextMenu': object({
    items: array(object({ id: commandId, enabled: boolean() }), { max: COMMAND_IDS.length }),
    editable: boolean(),
    hasSelection: boolean(),
  }),
  'desktop:info': empty,
  'desktop:showLog': empty,
  'desktop:openDocs': object({ page: literal(['readme', 'methods'] as const), anchor: optional(string({ min: 1, max: 40 })) }),
};

export function isDesktopCallName(channel: unknown): channel is DesktopCallName {
  return typeof channel === 'string' && (DESKTOP_CALL_NAMES as readonly string[]).includes(channel);
}

/** Problems with `payload` as the payload of the desktop call `channel` (empty when valid). */
export function validateDesktopPayload(channel: string, payload: unknown): string[] {
  if (!isDesktopCallName(channel)) return [`unknown channel '${String(channel).slice(0, 100)}'`];
  if (payloadDepth(payload) > MAX_PAYLOAD_DEPTH) return [`payload: nested deeper than ${MAX_PAYLOAD_DEPTH} levels of objects and arrays`];
  const result = v.safeParse(DESKTOP_CALL_SCHEMAS[channel], payload);
  const problems = result.success ? [] : result.issues.map((i) => `${formatPath((i.path ?? []).map((p) => p.key as PathKey))}: ${i.message}`);
  if (channel === 'desktop:syncState' && isPlainObject(payload) && isPlainObject(payload.enabled)) {
    for (const key of Object.keys(payload.enabled)) if (!isCommandId(key)) problems.push(`enabled.${key.slice(0, 40)}: unknown command`);
  }
  if (channel === 'desktop:openDocs' && isPlainObject(payload) && typeof payload.anchor === 'string' && !/^[a-z0-9-]+$/.test(payload.anchor))
    problems.push('anchor: only lower-case letters, digits and hyphens (a method id)');
  return problems;
}

/** Electron: main → renderer desktop events travel on this channel as (eventName, data). */
export const IPC_DESKTOP_EVENT_CHANNEL = 'workbench:desktop-event';
