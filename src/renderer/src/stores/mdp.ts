/**
 * The MDP being designed: the document (edited in place, never replaced by a bad value), its live
 * validation through `compileMdp`, undo history, the saved library, import and export.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, toRaw, watch } from 'vue';
import type { MdpSummary } from '../../../shared/api';
import { compileMdp } from '../../../shared/mdp/compile';
import { MDP_FORMAT, MDP_FORMAT_VERSION, type CompileResult, type MdpDocument, type MdpIssue, type TabularMdp, type TransitionEntry } from '../../../shared/mdp/types';
import { api, describeError } from '../api/workbenchClient';
import { buildPreset } from '../compute/presetCatalog';
import { autoLayout } from '../components/mdp/layout';
import { parseImport, type ImportPreview } from '../components/mdp/importFile';
import type { ValidateReply, ValidateRequest } from '../components/mdp/validate.worker';

export interface ValidationState {
  ok: boolean;
  errors: MdpIssue[];
  warnings: MdpIssue[];
  S: number;
  N: number;
  transitions: number;
  ms: number;
  /** a newer validation is running (in the worker): what is shown is the result of an earlier document */
  pending?: boolean;
}

export function blankDocument(): MdpDocument {
  return {
    format: MDP_FORMAT,
    version: MDP_FORMAT_VERSION,
    name: 'Untitled MDP',
    states: [
      { label: 's0', x: 120, y: 160 },
      { label: 's1', x: 360, y: 160 },
    ],
    actions: { kind: 'discrete', labels: ['stay', 'move'] },
    gamma: 0.9,
    initial: [1, 0],
    rewards: { kind: 'table', values: [[0, 0], [1, 0]] },
    transitions: {
      kind: 'table',
      entries: [
        { s: 0, a: 0, next: 0, p: 1 },
        { s: 0, a: 1, next: 1, p: 1 },
        { s: 1, a: 0, next: 1, p: 1 },
        { s: 1, a: 1, next: 0, p: 1 },
      ],
    },
  };
}

/** Number of actions implied by the action space (n^dim for boxes). */
export function actionCount(doc: MdpDocument): number {
  const a = doc.actions;
  return a.kind === 'discrete' ? a.labels.length : Math.pow(Math.max(0, Math.floor(a.n)), a.dim);
}

/** Give every state a canvas position: keep the given ones, lay out the rest on a grid. */
export function ensureLayout(doc: MdpDocument): void {
  const S = doc.states.length;
  const missing = doc.states.some((st) => typeof st.x !== 'number' || typeof st.y !== 'number' || !Number.isFinite(st.x) || !Number.isFinite(st.y));
  if (missing && autoLayout(doc)) return;
  const cols = Math.max(1, Math.ceil(Math.sqrt(S)));
  const gap = S > 64 ? 40 : 130;
  doc.states.forEach((st, i) => {
    if (typeof st.x !== 'number' || typeof st.y !== 'number' || !Number.isFinite(st.x) || !Number.isFinite(st.y)) {
      st.x = 80 + (i % cols) * gap;
      st.y = 80 + Math.floor(i / cols) * gap;
    }
  });
}

/** Read every property below `v` through its reactive proxy (which is what subscribes a watcher to it). */
function readDeep(v: unknown): void {
  if (typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) readDeep(v[i]);
  else for (const k of Object.keys(v)) readDeep((v as Record<string, unknown>)[k]);
}

/**
 * What the document watcher subscribes to: every part of the document, except that of the four tables
 * that grow with the design (`states`, `initial`, `rewards.values`, `transitions.entries`) only the array
 * itself and its length are read. A 10^4-state grid world has some 10^5 outcomes; walking them all on
 * every change (a deep watcher) took seconds and made a proxy per outcome. In-place edits of those
 * tables' elements are reported with the store's `changed()`.
 */
export function watchShape(d: MdpDocument): void {
  for (const key of Object.keys(d) as (keyof MdpDocument)[]) {
    const v = d[key];
    if ((key === 'states' || key === 'initial') && Array.isArray(v)) void v.length;
    else if (key === 'rewards' && d.rewards.kind === 'table') {
      for (const k of Object.keys(d.rewards)) if (k === 'values') void d.rewards.values?.length;
      else readDeep((d.rewards as unknown as Record<string, unknown>)[k]);
    } else if (key === 'transitions' && d.transitions.kind === 'table') {
      for (const k of Object.keys(d.transitions)) if (k === 'entries') void d.transitions.entries?.length;
      else readDeep((d.transitions as unknown as Record<string, unknown>)[k]);
    } else readDeep(v);
  }
}

function clone<T>(v: T): T {
  return structuredClone(toRaw(v));
}

export { MAX_IMPORT_BYTES, parseImport, type ImportPreview } from '../components/mdp/importFile';

/** The unsaved draft kept in localStorage so that a reload does not lose edits. */
export const DRAFT_KEY = 'wwb.designer.draft.v1';
interface Draft {
  doc: MdpDocument;
  savedId: number | null;
  preset: string | null;
  at: string;
}

export const useMdpStore = defineStore('mdp', () => {
  const doc = ref<MdpDocument>(blankDocument());
  const savedId = ref<number | null>(null);
  const preset = ref<string | null>(null);
  const library = ref<MdpSummary[]>([]);
  const libraryError = ref<string | null>(null);
  const saveError = ref<string[]>([]);
  const saving = ref(false);
  const dirty = ref(false);
  const selectedState = ref<number | null>(null);
  /** the selected edge on the canvas (all outcomes from -> to), synced with the outcome table */
  const selectedEdge = ref<{ from: number; to: number } | null>(null);
  /** set when a draft was restored at start-up: what the notice shows */
  const restoredDraft = ref<{ name: string; at: string } | null>(null);
  /** bumped on every change of the document: lets views index the raw document without deep tracking */
  const docVersion = ref(0);
  const draftError = ref<string | null>(null);
  /** the last successful compilation (kept while the document has errors, marked stale) */
  const compiled = shallowRef<TabularMdp | null>(null);
  const compiledStale = ref(false);
  const validation = shallowRef<ValidationState>({ ok: true, errors: [], warnings: [], S: 0, N: 0, transitions: 0, ms: 0 });

  // ---- validation (debounced; big documents compile in a worker, less often) ----
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** id of the latest validation started: a worker's reply to an older one is dropped */
  let validationSeq = 0;
  const waiting = new Map<number, () => void>();
  let worker: Worker | null = null;
  let workerBroken = false;

  function applyResult(r: CompileResult, ms: number, d: MdpDocument): void {
    compiledStale.value = !r.ok;
    if (r.ok) {
      compiled.value = r.mdp;
      validation.value = { ok: true, errors: [], warnings: r.warnings, S: r.mdp.S, N: r.mdp.N, transitions: r.mdp.next.length, ms };
    } else {
      validation.value = {
        ok: false,
        errors: r.issues.filter((i) => i.severity === 'error'),
        warnings: r.issues.filter((i) => i.severity !== 'error'),
        S: d.states.length,
        N: actionCount(d),
        transitions: d.transitions.kind === 'table' ? d.transitions.entries.length : 0,
        ms,
      };
    }
  }
  function applyCrash(err: unknown, ms: number, d: MdpDocument): void {
    validation.value = {
      ok: false,
      errors: [{ severity: 'error', code: 'compile-crash', message: `The compiler failed: ${(err as Error).message}` }],
      warnings: [],
      S: d.states.length,
      N: actionCount(d),
      transitions: 0,
      ms,
    };
  }
  /** Compile the document on this thread, now. */
  function validateNow(): void {
    const id = ++validationSeq;
    const d = toRaw(doc.value);
    const t0 = performance.now();
    try {
      applyResult(compileMdp(d), performance.now() - t0, d);
    } catch (err) {
      applyCrash(err, performance.now() - t0, d);
    }
    settle(id);
  }
  /** resolve the waits for validations up to `id` (a newer result answers older waits too) */
  function settle(id: number): void {
    for (const [k, resolve] of waiting) {
      if (k <= id) {
        waiting.delete(k);
        resolve();
      }
    }
  }
  /** outcomes (or S * N formula cells) above which the compiler runs in the worker */
  const OFF_THREAD_ABOVE = 20_000;
  function size(d: MdpDocument): number {
    return Math.max(d.states.length * Math.max(1, actionCount(d)), d.transitions.kind === 'table' ? d.transitions.entries.length : 0);
  }
  function validationWorker(): Worker | null {
    if (worker || workerBroken || typeof Worker === 'undefined') return worker;
    try {
      worker = new Worker(new URL('../components/mdp/validate.worker.ts', import.meta.url), { type: 'module', name: 'mdp-validation' });
      worker.onmessage = (e: MessageEvent<ValidateReply>) => {
        const { id, result, ms } = e.data;
        if (id === validationSeq) applyResult(result, ms, toRaw(doc.value));
        settle(id);
      };
      worker.onerror = () => {
        // the worker could not start or crashed: validate here from now on
        workerBroken = true;
        worker?.terminate();
        worker = null;
        validateNow();
      };
    } catch {
      workerBroken = true;
      worker = null;
    }
    return worker;
  }
  /**
   * Validate the current document: on this thread for small designs, in the worker for big ones (the
   * last result stays on screen, marked `pending`, until the new one arrives). Resolves once the result
   * of this document (or of a later one) is in `validation`.
   */
  function validate(): Promise<void> {
    const d = toRaw(doc.value);
    const w = size(d) > OFF_THREAD_ABOVE ? validationWorker() : null;
    if (!w) {
      validateNow();
      return Promise.resolve();
    }
    const id = ++validationSeq;
    const done = new Promise<void>((resolve) => waiting.set(id, resolve));
    try {
      w.postMessage({ id, doc: d } satisfies ValidateRequest);
      validation.value = { ...validation.value, pending: true };
    } catch {
      validateNow(); // a document the worker cannot receive (structured clone failed): compile here
    }
    return done;
  }
  function scheduleValidation(): void {
    if (timer) clearTimeout(timer);
    const big = size(toRaw(doc.value)) > OFF_THREAD_ABOVE;
    // a document that has no result yet (just loaded) is validated at once; edits wait for a pause
    const v = validation.value;
    const fresh = v.pending === true && !v.ok && !v.errors.length;
    timer = setTimeout(
      () => {
        timer = null;
        void validate();
      },
      fresh ? 0 : big ? 300 : 60,
    );
  }

  // ---- undo history (JSON snapshots of committed edits) ----
  const history: string[] = [];
  const future: string[] = [];
  let lastSnapshot = JSON.stringify(doc.value);
  let restoring = false;
  let historyTimer: ReturnType<typeof setTimeout> | null = null;
  const canUndo = ref(false);
  const canRedo = ref(false);

  function recordHistory(): void {
    const now = JSON.stringify(toRaw(doc.value));
    if (now === lastSnapshot) return;
    history.push(lastSnapshot);
    if (history.length > 100) history.shift();
    future.length = 0;
    lastSnapshot = now;
    canUndo.value = true;
    canRedo.value = false;
  }

  /** bumped by `changed()`: in-place edits of the elements of the big tables (see `watchShape`) */
  const elementEdits = ref(0);
  watch(
    () => {
      watchShape(doc.value);
      void elementEdits.value;
      // a fresh value: the getter re-ran because something it read changed, so the callback must run
      return {};
    },
    () => {
      docVersion.value++;
      scheduleValidation();
      if (restoring) return;
      dirty.value = true;
      saveError.value = [];
      if (historyTimer) clearTimeout(historyTimer);
      historyTimer = setTimeout(recordHistory, 250);
      scheduleDraft();
    },
  );
  /**
   * Report an in-place edit of an element of `states`, `initial`, `rewards.values` or
   * `transitions.entries` (a label, a position, a probability, a reward cell): the document watcher tracks
   * those arrays' identity and length but not their elements, so that a 10^4-state design is not walked
   * property by property on every change. Every other part of the document is watched deeply.
   */
  function changed(): void {
    elementEdits.value++;
  }

  // ---- drafts: unsaved edits survive a reload ----
  let draftTimer: ReturnType<typeof setTimeout> | null = null;
  function scheduleDraft(): void {
    if (draftTimer) clearTimeout(draftTimer);
    draftTimer = setTimeout(writeDraft, 300);
  }
  function writeDraft(): void {
    draftTimer = null;
    if (typeof localStorage === 'undefined') return;
    if (!dirty.value) {
      clearDraft();
      return;
    }
    const draft: Draft = { doc: toRaw(doc.value), savedId: savedId.value, preset: preset.value, at: new Date().toISOString() };
    try {
      localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
      draftError.value = null;
    } catch (err) {
      draftError.value = `The draft could not be kept for a reload (${(err as Error).name === 'QuotaExceededError' ? 'too large for local storage' : (err as Error).message}); save to keep it.`;
    }
  }
  function clearDraft(): void {
    try {
      localStorage.removeItem(DRAFT_KEY);
    } catch {
      /* storage unavailable: nothing kept, nothing to clear */
    }
  }
  /** Restore the draft of an earlier session, if any; returns whether one was restored. */
  function restoreDraft(): boolean {
    if (typeof localStorage === 'undefined') return false;
    let raw: string | null = null;
    try {
      raw = localStorage.getItem(DRAFT_KEY);
    } catch {
      return false;
    }
    if (!raw) return false;
    try {
      const d = JSON.parse(raw) as Draft;
      if (!d || typeof d !== 'object' || !d.doc || !Array.isArray(d.doc.states)) throw new Error('malformed draft');
      load(d.doc, { id: d.savedId ?? null, preset: d.preset ?? null, dirty: true });
      restoredDraft.value = { name: d.doc.name, at: d.at };
      return true;
    } catch {
      clearDraft();
      return false;
    }
  }
  function dismissDraftNotice(): void {
    restoredDraft.value = null;
  }
  /** Drop the restored draft and go back to what was there before the edits (the saved MDP or a blank). */
  async function discardDraft(): Promise<void> {
    const id = savedId.value;
    restoredDraft.value = null;
    clearDraft();
    if (id !== null) {
      try {
        await open(id);
        return;
      } catch {
        /* the saved MDP is gone: fall through to a blank document */
      }
    }
    if (preset.value) {
      try {
        loadPreset(preset.value);
        return;
      } catch {
        /* preset unknown now */
      }
    }
    newBlank();
  }

  function restore(json: string): void {
    restoring = true;
    doc.value = JSON.parse(json) as MdpDocument;
    lastSnapshot = json;
    void Promise.resolve().then(() => (restoring = false));
    canUndo.value = history.length > 0;
    canRedo.value = future.length > 0;
  }
  function undo(): void {
    recordHistory();
    const prev = history.pop();
    if (prev === undefined) return;
    future.push(lastSnapshot);
    restore(prev);
    dirty.value = true;
  }
  function redo(): void {
    const next = future.pop();
    if (next === undefined) return;
    history.push(lastSnapshot);
    restore(next);
    dirty.value = true;
  }

  /** Replace the whole document (preset, open, import): resets history. */
  function load(next: MdpDocument, opts: { id?: number | null; preset?: string | null; dirty?: boolean } = {}): void {
    ensureLayout(next);
    const replaced = toRaw(doc.value) !== next;
    restoring = true;
    doc.value = next;
    void Promise.resolve().then(() => (restoring = false));
    savedId.value = opts.id ?? null;
    preset.value = opts.preset ?? null;
    history.length = 0;
    future.length = 0;
    canUndo.value = canRedo.value = false;
    lastSnapshot = JSON.stringify(next);
    // a preset, a saved MDP or a blank is "unsaved" only once edited; an import is unsaved from the start
    dirty.value = opts.dirty ?? false;
    if (dirty.value) scheduleDraft();
    else clearDraft();
    selectedState.value = null;
    selectedEdge.value = null;
    restoredDraft.value = null;
    saveError.value = [];
    compiled.value = null;
    compiledStale.value = false;
    if (replaced && size(next) > OFF_THREAD_ABOVE && validationWorker()) {
      // nothing is known of this document until the worker answers; the document watcher, which sees
      // the new document, starts that validation at once (see scheduleValidation)
      validation.value = { ok: false, errors: [], warnings: [], S: next.states.length, N: actionCount(next), transitions: 0, ms: 0, pending: true };
    } else validateNow();
  }

  function loadPreset(id: string): void {
    load(buildPreset(id), { preset: id });
  }

  function newBlank(): void {
    load(blankDocument());
  }

  async function refreshLibrary(): Promise<void> {
    try {
      library.value = await api['mdps:list']({});
      libraryError.value = null;
    } catch (err) {
      libraryError.value = describeError(err);
    }
  }

  let subscribed = false;
  /** keep the library current when another window (or the CLI through the services) changes MDPs */
  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    api.on('onMdpsChanged', () => void refreshLibrary());
  }

  async function open(id: number): Promise<void> {
    const rec = await api['mdps:get']({ id });
    load(rec.document, { id: rec.id, preset: rec.preset });
  }

  async function save(asNew = false): Promise<number | null> {
    if (timer) clearTimeout(timer);
    timer = null;
    await validate();
    if (!validation.value.ok) {
      saveError.value = ['Fix the validation errors before saving.'];
      return null;
    }
    saving.value = true;
    try {
      const rec = await api['mdps:save']({
        id: asNew ? undefined : (savedId.value ?? undefined),
        document: clone(doc.value),
        preset: preset.value,
      });
      savedId.value = rec.id;
      dirty.value = false;
      clearDraft();
      restoredDraft.value = null;
      saveError.value = [];
      await refreshLibrary();
      return rec.id;
    } catch (err) {
      const e = err as { message?: string; details?: string[] };
      saveError.value = [describeError(err)];
      if (Array.isArray(e.details) && e.details.length) saveError.value = [String(e.message), ...e.details];
      return null;
    } finally {
      saving.value = false;
    }
  }

  async function remove(id: number): Promise<void> {
    await api['mdps:delete']({ id });
    if (savedId.value === id) {
      savedId.value = null;
      dirty.value = true;
    }
    await refreshLibrary();
  }

  /** Parse a JSON text (native or Gymnasium) and load it; throws with a specific message, changing nothing. */
  async function importJson(text: string, fileName = 'imported'): Promise<void> {
    const preview = parseImport(text, fileName);
    loadImport(preview);
  }

  /** Load what parseImport read (after the user saw its preview). */
  function loadImport(preview: ImportPreview): void {
    load(clone(preview.document), { dirty: true });
  }

  function exportJson(): { name: string; text: string } {
    const safe = doc.value.name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'mdp';
    return { name: `${safe}.mdp.json`, text: JSON.stringify(toRaw(doc.value), null, 2) };
  }

  // ---- structural edits ----
  function addState(x?: number, y?: number): void {
    const d = doc.value;
    const S = d.states.length;
    const N = actionCount(d);
    d.states.push({ label: `s${S}`, x: x ?? 80 + (S % 6) * 120, y: y ?? 80 + Math.floor(S / 6) * 120 });
    d.initial.push(0);
    if (d.rewards.kind === 'table') d.rewards.values.push(new Array(N).fill(0));
    if (d.transitions.kind === 'table') {
      for (let a = 0; a < N; a++) d.transitions.entries.push({ s: S, a, next: S, p: 1 });
    }
    selectedState.value = S;
    changed();
  }

  function removeState(s: number): void {
    const d = doc.value;
    if (s < 0 || s >= d.states.length || d.states.length <= 1) return;
    d.states.splice(s, 1);
    d.initial.splice(s, 1);
    if (d.rewards.kind === 'table') d.rewards.values.splice(s, 1);
    if (d.transitions.kind === 'table') {
      d.transitions.entries = d.transitions.entries
        .filter((e) => e.s !== s && e.next !== s)
        .map((e) => ({ ...e, s: e.s > s ? e.s - 1 : e.s, next: e.next > s ? e.next - 1 : e.next }));
    }
    if (d.terminalStates) d.terminalStates = d.terminalStates.filter((t) => t !== s).map((t) => (t > s ? t - 1 : t));
    if (d.rewards.kind === 'formula' && d.rewards.perState) {
      const next: Record<string, string> = {};
      for (const [k, v] of Object.entries(d.rewards.perState)) {
        const i = Number(k);
        if (i !== s) next[String(i > s ? i - 1 : i)] = v;
      }
      d.rewards.perState = next;
    }
    selectedState.value = null;
    selectedEdge.value = null;
    changed();
  }

  /** Index where a new outcome of (s, a) goes: after the last outcome of (s, a), else before the first of a later pair. */
  function insertionIndex(s: number, a: number): number {
    const d = toRaw(doc.value);
    if (d.transitions.kind !== 'table') return 0;
    const entries = d.transitions.entries;
    let after = -1;
    for (let i = 0; i < entries.length; i++) if (entries[i].s === s && entries[i].a === a) after = i;
    if (after >= 0) return after + 1;
    const firstLater = entries.findIndex((e) => e.s > s || (e.s === s && e.a > a));
    return firstLater < 0 ? entries.length : firstLater;
  }

  function addTransition(s: number, a: number): void {
    const d = doc.value;
    if (d.transitions.kind !== 'table') return;
    d.transitions.entries.splice(insertionIndex(s, a), 0, { s, a, next: s, p: 0 });
  }

  /**
   * Draw an outcome s --a--> next with probability p (and an optional reward): updates the existing
   * outcome of (s, a, next) or inserts one beside its (s, a) group. With `rescale`, the other outcomes of
   * (s, a) are scaled by (1 - p) / (their sum) so that the row keeps summing to 1.
   */
  function drawTransition(t: { s: number; a: number; next: number; p: number; reward?: number | null; terminated?: boolean; rescale?: boolean }): void {
    const d = doc.value;
    if (d.transitions.kind !== 'table') return;
    const entries = d.transitions.entries;
    const rawEntries = toRaw(entries);
    const found = rawEntries.findIndex((e) => e.s === t.s && e.a === t.a && e.next === t.next && !!e.terminated === !!t.terminated);
    let target = found >= 0 ? entries[found] : undefined;
    if (!target) {
      const at = insertionIndex(t.s, t.a);
      entries.splice(at, 0, { s: t.s, a: t.a, next: t.next, p: t.p });
      target = entries[at]; // the reactive proxy, so that identity tests below hold
    }
    target.p = t.p;
    if (t.reward === null || t.reward === undefined) delete target.reward;
    else target.reward = t.reward;
    if (t.terminated) target.terminated = true;
    else delete target.terminated;
    if (t.rescale) {
      const others: TransitionEntry[] = [];
      rawEntries.forEach((e, i) => {
        if (e.s === t.s && e.a === t.a && e !== toRaw(target)) others.push(entries[i]);
      });
      const sum = others.reduce((acc, e) => acc + (Number.isFinite(e.p) ? e.p : 0), 0);
      if (sum > 0 && t.p <= 1) for (const e of others) e.p = (e.p * (1 - t.p)) / sum;
    }
    selectedEdge.value = { from: t.s, to: t.next };
    changed();
  }

  /** Set the per-state reward formula of state s (null removes the override). */
  function setPerStateReward(s: number, expr: string | null): void {
    const r = doc.value.rewards;
    if (r.kind !== 'formula') return;
    const key = String(s);
    if (expr === null) {
      if (r.perState) {
        delete r.perState[key];
        if (!Object.keys(r.perState).length) delete r.perState;
      }
      return;
    }
    if (!r.perState) r.perState = {};
    r.perState[key] = expr;
  }

  function removeTransition(index: number): void {
    const d = doc.value;
    if (d.transitions.kind !== 'table') return;
    d.transitions.entries.splice(index, 1);
  }

  /** entry indices of the transition table by source state, rebuilt once per document change */
  const outcomeIndex = computed(() => {
    void docVersion.value;
    const t = toRaw(doc.value).transitions;
    const S = toRaw(doc.value).states.length;
    const byState: number[][] = Array.from({ length: S }, () => []);
    if (t.kind === 'table') t.entries.forEach((e, i) => byState[e.s]?.push(i));
    return byState;
  });
  /**
   * The raw document (no proxies), subscribing the calling computed or render to `docVersion`: for views
   * that scan the big tables, where reading through the reactive proxies would make one per element.
   */
  function rawDoc(): MdpDocument {
    void docVersion.value;
    return toRaw(doc.value);
  }
  /** the raw outcomes of state s (read-only: edit through the document) */
  function outcomesOf(s: number): { i: number; e: TransitionEntry }[] {
    const t = toRaw(doc.value).transitions;
    if (t.kind !== 'table') return [];
    return (outcomeIndex.value[s] ?? []).map((i) => ({ i, e: t.entries[i] })).filter((x) => x.e !== undefined);
  }

  const summary = computed(() => ({
    S: doc.value.states.length,
    N: actionCount(doc.value),
    kind: doc.value.actions.kind,
  }));

  validateNow();
  restoreDraft();

  // a reload or a closed window with unsaved edits: the browser asks (where it allows), the draft stays
  if (typeof window !== 'undefined') {
    window.addEventListener('beforeunload', (e) => {
      if (!dirty.value) return;
      writeDraft();
      e.preventDefault();
    });
  }

  return {
    doc,
    savedId,
    preset,
    library,
    libraryError,
    saveError,
    saving,
    dirty,
    selectedState,
    selectedEdge,
    docVersion,
    outcomesOf,
    rawDoc,
    restoredDraft,
    draftError,
    restoreDraft,
    dismissDraftNotice,
    discardDraft,
    loadImport,
    drawTransition,
    setPerStateReward,
    validation,
    compiled,
    compiledStale,
    summary,
    canUndo,
    canRedo,
    undo,
    redo,
    load,
    loadPreset,
    newBlank,
    refreshLibrary,
    subscribe,
    open,
    save,
    remove,
    importJson,
    exportJson,
    addState,
    removeState,
    addTransition,
    removeTransition,
    validateNow,
    validate,
    changed,
  };
});

