/**
 * The designer store's change tracking: the document watcher follows every part of the document except
 * the elements of its four big tables, whose in-place edits are reported with `changed()`; each edit
 * path re-validates (with the compiler's own messages) and becomes undoable.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { nextTick } from 'vue';
import type { WorkbenchApi } from '../../../shared/api';

// The store module resolves its database transport on import. These tests only edit and validate (no
// save, open or library call), so an Electron-style preload without methods is enough to import it.
let useMdpStore: typeof import('./mdp').useMdpStore;
beforeAll(async () => {
  (globalThis as { window?: unknown }).window = { workbench: { transport: 'electron', on: () => () => undefined } as unknown as WorkbenchApi };
  ({ useMdpStore } = await import('./mdp'));
  delete (globalThis as { window?: unknown }).window; // no page: no beforeunload prompt, no worker
});

async function settle(): Promise<void> {
  await nextTick();
  vi.advanceTimersByTime(1000);
  await nextTick();
}

describe('designer store: what an edit re-validates', () => {
  it('document-wide fields, structural edits and reported element edits re-validate; the big tables are not walked', async () => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
    const store = useMdpStore();
    store.loadPreset('chain');
    await settle();
    expect(store.validation.ok).toBe(true);
    const v0 = store.docVersion;

    // a document-wide field: watched deeply
    store.doc.gamma = 1.5;
    await settle();
    expect(store.validation.ok).toBe(false);
    expect(store.validation.errors.map((i) => i.path)).toContain('gamma');
    store.doc.gamma = 0.9;
    await settle();
    expect(store.validation.ok).toBe(true);

    // an element of transitions.entries edited in place: not seen until reported
    const t = store.doc.transitions;
    if (t.kind !== 'table') throw new Error('chain has a table');
    t.entries[0].p = 0.25;
    await settle();
    expect(store.validation.ok).toBe(true);
    store.changed();
    await settle();
    expect(store.validation.ok).toBe(false);
    expect(store.validation.errors.some((i) => i.state === t.entries[0].s)).toBe(true);
    expect(store.docVersion).toBeGreaterThan(v0);

    // the store's own edits report themselves: drawing the outcome back to p = 1 (rescaling the others)
    const e = t.entries[0];
    store.drawTransition({ s: e.s, a: e.a, next: e.next, p: 1, rescale: true });
    await settle();
    expect(store.validation.ok).toBe(true);

    // a structural edit (a new state) changes the tables' lengths: seen without a report
    const S = store.doc.states.length;
    store.addState(10, 10);
    await settle();
    expect(store.validation.S).toBe(S + 1);
    expect(store.canUndo).toBe(true);
    store.undo();
    await settle();
    expect(store.doc.states.length).toBe(S);
    expect(store.validation.S).toBe(S);
    vi.useRealTimers();
  });
});
