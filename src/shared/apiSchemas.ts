/**
 * Run-time validation of every call payload in the contract (src/shared/api.ts), shared by both
 * transports: the Electron IPC handlers and the browser-mode HTTP bridge call `validateCallPayload`
 * before any handler runs, so the two can never disagree about what is acceptable.
 *
 * A deliberately small hand-written validator (no dependency): a schema is a function that appends
 * readable problems (`"points[3].J: expected a number or null, got string"`) to a list. All problems are
 * reported, not only the first. Objects are closed: unknown keys are problems, so a typo in a payload
 * never silently does nothing. Only plain objects and arrays are accepted (the IPC structured clone can
 * carry Dates, Maps and typed arrays; the contract is JSON).
 *
 * Pure and platform-free (no DOM, no Node).
 */
import {
  CALL_NAMES,
  DESKTOP_CALL_NAMES,
  MAX_OPEN_FILE_BYTES,
  MAX_PAYLOAD_BYTES,
  type CallName,
  type DesktopCallName,
  type RunStatus,
} from './api';
import { COMMAND_IDS, isCommandId } from './commands';
import { METHOD_IDS, METRIC_KEYS } from './methods';
import { MDP_FORMAT, MDP_FORMAT_VERSION, MDP_LIMITS } from './mdp/types';

/**
 * Where a value sits in the payload, built lazily: containers link a node per level and the text
 * (`points[3].J`) is produced only when a problem is reported, so valid payloads of 100k trace points
 * cost no string building.
 */
export interface Loc {
  readonly parent: Loc | null;
  readonly key: string | number;
}

export function formatLoc(loc: Loc | null): string {
  if (loc === null) return 'payload';
  const parts: (string | number)[] = [];
  for (let l: Loc | null = loc; l; l = l.parent) parts.push(l.key);
  let out = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const k = parts[i];
    out += typeof k === 'number' ? `[${k}]` : out ? `.${k}` : k;
  }
  return out;
}

/** Appends problems for `value` (located at `loc`) to `out`. */
export type Schema = (value: unknown, loc: Loc | null, out: string[]) => void;

/** Marker for optional object properties. */
interface OptionalSchema {
  optional: true;
  schema: Schema;
}
type Field = Schema | OptionalSchema;

const where = formatLoc;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return 'number';
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return (proto?.constructor?.name as string | undefined) ?? 'object';
  }
  return typeof v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export const optional = (schema: Schema): OptionalSchema => ({ optional: true, schema });

export interface NumberRule {
  min?: number;
  max?: number;
  minExclusive?: boolean;
  integer?: boolean;
  /** accept NaN and ±Infinity (metrics only; everything else must be finite) */
  allowNonFinite?: boolean;
}

export function number(rule: NumberRule = {}): Schema {
  return (v, loc, out) => {
    if (typeof v !== 'number') {
      out.push(`${where(loc)}: expected a number, got ${describe(v)}`);
      return;
    }
    if (!Number.isFinite(v)) {
      if (!rule.allowNonFinite) out.push(`${where(loc)}: expected a finite number, got ${describe(v)}`);
      return;
    }
    if (rule.integer && !Number.isInteger(v)) out.push(`${where(loc)}: expected an integer, got ${v}`);
    if (rule.min !== undefined && (rule.minExclusive ? v <= rule.min : v < rule.min))
      out.push(`${where(loc)}: must be ${rule.minExclusive ? '>' : '>='} ${rule.min}, got ${v}`);
    if (rule.max !== undefined && v > rule.max) out.push(`${where(loc)}: must be <= ${rule.max}, got ${v}`);
  };
}

/** Database ids: positive safe integers. */
export const id = (): Schema => number({ integer: true, min: 1, max: Number.MAX_SAFE_INTEGER });

export function string(rule: { min?: number; max: number }): Schema {
  return (v, loc, out) => {
    if (typeof v !== 'string') {
      out.push(`${where(loc)}: expected a string, got ${describe(v)}`);
      return;
    }
    if (rule.min !== undefined && v.length < rule.min)
      out.push(`${where(loc)}: must have at least ${rule.min} character${rule.min === 1 ? '' : 's'}`);
    if (v.length > rule.max) out.push(`${where(loc)}: must have at most ${rule.max} characters, got ${v.length}`);
  };
}

export const boolean = (): Schema => (v, loc, out) => {
  if (typeof v !== 'boolean') out.push(`${where(loc)}: expected a boolean, got ${describe(v)}`);
};

export function literal<T extends string | number>(...values: readonly T[]): Schema {
  return (v, loc, out) => {
    if (!values.includes(v as T))
      out.push(`${where(loc)}: expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(v) ?? describe(v)}`);
  };
}

export const nullable = (schema: Schema): Schema => (v, loc, out) => {
  if (v !== null) schema(v, loc, out);
};

/** Accepts a value when any alternative accepts it; otherwise reports the first alternative's problems. */
export function oneOf(...schemas: Schema[]): Schema {
  return (v, loc, out) => {
    let first: string[] | null = null;
    for (const s of schemas) {
      const problems: string[] = [];
      s(v, loc, problems);
      if (problems.length === 0) return;
      first ??= problems;
    }
    out.push(...(first ?? []));
  };
}

export function array(item: Schema, rule: { min?: number; max: number }): Schema {
  return (v, loc, out) => {
    if (!Array.isArray(v)) {
      out.push(`${where(loc)}: expected an array, got ${describe(v)}`);
      return;
    }
    if (rule.min !== undefined && v.length < rule.min) out.push(`${where(loc)}: must have at least ${rule.min} item(s)`);
    if (v.length > rule.max) {
      out.push(`${where(loc)}: must have at most ${rule.max} items, got ${v.length}`);
      return;
    }
    const before = out.length;
    for (let i = 0; i < v.length; i++) {
      item(v[i], { parent: loc, key: i }, out);
      // one bad element type in a million-element array should not produce a million lines
      if (out.length - before >= 20) {
        out.push(`${where(loc)}: further problems not listed`);
        return;
      }
    }
  };
}

/** Closed object: listed keys only. */
export function object(fields: Record<string, Field>, rule: { open?: boolean } = {}): Schema {
  const entries = Object.entries(fields);
  return (v, loc, out) => {
    if (!isPlainObject(v)) {
      out.push(`${where(loc)}: expected an object, got ${describe(v)}`);
      return;
    }
    for (const [key, field] of entries) {
      const has = Object.prototype.hasOwnProperty.call(v, key) && v[key] !== undefined;
      if (typeof field === 'function') {
        if (!has) out.push(`${where({ parent: loc, key })}: required`);
        else field(v[key], { parent: loc, key }, out);
      } else if (has) field.schema(v[key], { parent: loc, key }, out);
    }
    if (!rule.open) {
      for (const key of Object.keys(v)) {
        if (!Object.prototype.hasOwnProperty.call(fields, key)) out.push(`${where({ parent: loc, key })}: unknown property`);
      }
    }
  };
}

/** A map from string keys to values of one schema. */
export function record(value: Schema, rule: { maxKeys: number; maxKeyLength: number }): Schema {
  return (v, loc, out) => {
    if (!isPlainObject(v)) {
      out.push(`${where(loc)}: expected an object, got ${describe(v)}`);
      return;
    }
    const keys = Object.keys(v);
    if (keys.length > rule.maxKeys) {
      out.push(`${where(loc)}: must have at most ${rule.maxKeys} entries, got ${keys.length}`);
      return;
    }
    for (const key of keys) {
      if (key.length > rule.maxKeyLength) out.push(`${where(loc)}: key '${key.slice(0, 40)}…' is longer than ${rule.maxKeyLength}`);
      value(v[key], { parent: loc, key }, out);
    }
  };
}

// ---------------------------------------------------------------------------------------------------
// The contract's schemas

const empty: Schema = (v, loc, out) => {
  if (v === undefined) return; // `api['mdps:list']()` is fine
  object({})(v, loc, out);
};
const byId = object({ id: id() });

const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const satisfies readonly RunStatus[];
const FINISH_STATUSES = ['completed', 'failed', 'cancelled', 'interrupted'] as const;
const BACKENDS = ['reference', 'webgpu'] as const;

/** Upper bounds that keep a single payload reasonable (the byte limit is the final word). */
export const PAYLOAD_LIMITS = {
  nameLength: 200,
  notesLength: 20_000,
  labelLength: 200,
  errorLength: 20_000,
  reasonLength: 1_000,
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
} as const;

/**
 * The MDP document's basic shape; the full validation (probabilities, sizes, formulas) is the MDP
 * compiler's job (`compileMdp` in src/shared/mdp/compile.ts), which `mdps:save` runs before storing.
 * Open, so the document format can grow without touching this file.
 */
const mdpDocumentShape: Schema = object(
  {
    format: literal(MDP_FORMAT),
    version: literal(MDP_FORMAT_VERSION),
    name: string({ min: 1, max: PAYLOAD_LIMITS.nameLength }),
    description: optional(string({ max: PAYLOAD_LIMITS.notesLength })),
    states: array(object({ label: string({ max: PAYLOAD_LIMITS.nameLength }) }, { open: true }), {
      min: 1,
      max: MDP_LIMITS.maxStates,
    }),
    actions: object({ kind: literal('discrete', 'box') }, { open: true }),
    gamma: number({ min: 0, max: 1 }),
    initial: array(number(), { max: MDP_LIMITS.maxStates }),
    rewards: object({ kind: literal('table', 'formula') }, { open: true }),
    transitions: object({ kind: literal('table', 'formula') }, { open: true }),
  },
  { open: true },
);

const diagnostics = record(
  (v, loc, out) => {
    if (v === null || typeof v === 'boolean') return;
    // non-finite diagnostics (a NaN residual over IPC) are stored as null, never refused: a refused
    // runs:finish would leave the run 'running'
    if (typeof v === 'number') return;
    if (typeof v === 'string') return string({ max: PAYLOAD_LIMITS.diagnosticStringLength })(v, loc, out);
    out.push(`${where(loc)}: expected a number, string, boolean or null, got ${describe(v)}`);
  },
  { maxKeys: PAYLOAD_LIMITS.diagnosticsEntries, maxKeyLength: 100 },
);

/**
 * A metric value: a number or null. NaN and ±Infinity are accepted (the IPC structured clone carries
 * them; JSON turns them into null on the way): the service stores them as NULL and fails the run at
 * `runs:finish` with a diagnostic (see src/main/services/runs.ts).
 */
const metric = nullable(number({ allowNonFinite: true }));
const requiredMetric = metric;

const iterationMetrics = object({
  iteration: number({ integer: true, min: 0, max: Number.MAX_SAFE_INTEGER }),
  J: requiredMetric,
  Jplain: requiredMetric,
  gap: requiredMetric,
  tv: requiredMetric,
  entropy: requiredMetric,
  transportCost: optional(metric),
  kl: optional(metric),
  trustSlack: optional(metric),
  trustViolated: optional(nullable(boolean())),
  lambda: optional(metric),
  evalResidual: requiredMetric,
  policyChange: optional(metric),
  t: optional(metric),
  wallMs: requiredMetric,
  samples: optional(metric),
  estimatorBias: optional(metric),
  estimatorRms: optional(metric),
  sampledMoveCost: optional(metric),
  exactMoveCost: optional(metric),
  sampledViolation: optional(metric),
  exactViolation: optional(metric),
});

/**
 * Method options: numbers or strings. NaN is meaningful (gamma = NaN keeps the MDP's own) and JSON
 * writes it as null, so null is accepted and read as NaN by runs:create.
 */
const methodOptions = record(
  (v, loc, out) => {
    if (v === null) return;
    if (typeof v === 'string') return string({ max: 200 })(v, loc, out);
    // NaN is meaningful for options (e.g. gamma = NaN keeps the MDP's own); resolveMethodOptions checks ranges
    if (typeof v === 'number') return;
    out.push(`${where(loc)}: expected a number, string or null (= NaN), got ${describe(v)}`);
  },
  { maxKeys: PAYLOAD_LIMITS.optionsEntries, maxKeyLength: 64 },
);

/** One schema per call: `CALL_SCHEMAS[channel](payload, null, problems)`. */
export const CALL_SCHEMAS: { readonly [C in CallName]: Schema } = {
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
  'experiments:delete': byId,

  'runs:list': object({
    mdpId: optional(id()),
    experimentId: optional(id()),
    status: optional(literal(...RUN_STATUSES)),
  }),
  'runs:get': byId,
  'runs:create': object({
    mdpId: id(),
    experimentId: optional(nullable(id())),
    method: literal(...METHOD_IDS),
    label: optional(string({ max: PAYLOAD_LIMITS.labelLength })),
    options: methodOptions,
    backend: literal(...BACKENDS),
    seed: number({ integer: true, min: 0, max: PAYLOAD_LIMITS.seed }),
    maxIterations: number({ integer: true, min: 1, max: PAYLOAD_LIMITS.maxIterations }),
  }),
  'runs:start': byId,
  'runs:appendTrace': object({
    id: id(),
    points: array(iterationMetrics, { min: 1, max: PAYLOAD_LIMITS.traceBatch }),
  }),
  'runs:addSnapshot': object({
    id: id(),
    iteration: number({ integer: true, min: 0, max: Number.MAX_SAFE_INTEGER }),
    policy: array(number(), { min: 1, max: PAYLOAD_LIMITS.policyLength }),
  }),
  'runs:recordBackend': object({
    id: id(),
    from: number({ integer: true, min: 0, max: Number.MAX_SAFE_INTEGER }),
    backend: literal(...BACKENDS),
    reason: optional(string({ max: PAYLOAD_LIMITS.reasonLength })),
  }),
  'runs:finish': object({
    id: id(),
    status: literal(...FINISH_STATUSES),
    error: optional(nullable(string({ max: PAYLOAD_LIMITS.errorLength }))),
    diagnostics: optional(diagnostics),
    wallMs: optional(number({ min: 0, max: PAYLOAD_LIMITS.wallMs })),
  }),
  'runs:trace': object({
    ids: array(id(), { min: 1, max: PAYLOAD_LIMITS.traceRuns }),
    metrics: optional(array(literal(...METRIC_KEYS), { max: METRIC_KEYS.length })),
    maxPoints: optional(number({ integer: true, min: 2, max: PAYLOAD_LIMITS.maxPoints })),
  }),
  'runs:snapshots': byId,
  'runs:delete': byId,
};

export function isCallName(channel: unknown): channel is CallName {
  return typeof channel === 'string' && (CALL_NAMES as readonly string[]).includes(channel);
}

/** Problems with `payload` as the payload of `channel` (empty when valid). Unknown channels are a problem too. */
export function validateCallPayload(channel: string, payload: unknown): string[] {
  if (!isCallName(channel)) return [`unknown channel '${String(channel).slice(0, 100)}'`];
  const problems: string[] = [];
  CALL_SCHEMAS[channel](payload, null, problems);
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

/** JSON size of an in-memory payload (IPC); `undefined` counts as empty. */
export function jsonByteLength(payload: unknown): number {
  const text = JSON.stringify(payload);
  return text === undefined ? 0 : utf8ByteLength(text);
}

// ---------------------------------------------------------------------------------------------------
// Transport constants (both transports carry the same contract; these are their wire names)

/** Electron: main → renderer events are sent on this IPC channel as (eventName, data). Calls use the call name as channel. */
export const IPC_EVENT_CHANNEL = 'workbench:event';

/**
 * Browser mode (src/main/server/browserServer.ts):
 *  - calls: `POST ${HTTP_CALL_PATH}<channel>` with header `Authorization: Bearer <token>` and the JSON
 *    payload as body → 200 + JSON result, or an ApiErrorBody with status 400/401/404/409/413/500;
 *  - events: `new WebSocket('ws://' + location.host + HTTP_EVENTS_PATH, [WS_EVENTS_PROTOCOL, WS_BEARER_PREFIX + token])`,
 *    messages are JSON `{ event: EventName, data }`;
 *  - the token comes from the launch URL's fragment `#token=<64 hex>`.
 */
export const HTTP_CALL_PATH = '/api/call/';
export const HTTP_EVENTS_PATH = '/api/events';
export const WS_EVENTS_PROTOCOL = 'workbench-events';
export const WS_BEARER_PREFIX = 'bearer.';

// ---------------------------------------------------------------------------------------------------
// Desktop-only calls (Electron main validates these before its dialog / menu handlers run)

const commandId = literal(...COMMAND_IDS);
const dialogTitle = string({ min: 1, max: 200 });

export const DESKTOP_CALL_SCHEMAS: { readonly [C in DesktopCallName]: Schema } = {
  'desktop:openFile': object({ title: dialogTitle }),
  'desktop:saveFile': object({
    title: dialogTitle,
    suggestedName: string({ min: 1, max: 255 }),
    text: string({ max: MAX_OPEN_FILE_BYTES }),
  }),
  'desktop:syncState': object({
    enabled: record(boolean(), { maxKeys: COMMAND_IDS.length, maxKeyLength: 40 }),
    theme: literal('system', 'light', 'dark'),
    activeRuns: number({ integer: true, min: 0, max: 1_000_000 }),
  }),
  'desktop:contextMenu': object({
    items: array(object({ id: commandId, enabled: boolean() }), { max: COMMAND_IDS.length }),
    editable: boolean(),
    hasSelection: boolean(),
  }),
  'desktop:info': empty,
  'desktop:showLog': empty,
  'desktop:openDocs': object({ page: literal('readme', 'methods'), anchor: optional(string({ min: 1, max: 40 })) }),
};

export function isDesktopCallName(channel: unknown): channel is DesktopCallName {
  return typeof channel === 'string' && (DESKTOP_CALL_NAMES as readonly string[]).includes(channel);
}

/** Problems with `payload` as the payload of the desktop call `channel` (empty when valid). */
export function validateDesktopPayload(channel: string, payload: unknown): string[] {
  if (!isDesktopCallName(channel)) return [`unknown channel '${String(channel).slice(0, 100)}'`];
  const problems: string[] = [];
  DESKTOP_CALL_SCHEMAS[channel](payload, null, problems);
  if (channel === 'desktop:syncState' && isPlainObject(payload) && isPlainObject(payload.enabled)) {
    for (const key of Object.keys(payload.enabled)) if (!isCommandId(key)) problems.push(`enabled.${key.slice(0, 40)}: unknown command`);
  }
  if (channel === 'desktop:openDocs' && isPlainObject(payload) && typeof payload.anchor === 'string' && !/^[a-z0-9-]+$/.test(payload.anchor))
    problems.push('anchor: only lower-case letters, digits and hyphens (a method id)');
  return problems;
}

/** Electron: main → renderer desktop events travel on this channel as (eventName, data). */
export const IPC_DESKTOP_EVENT_CHANNEL = 'workbench:desktop-event';
