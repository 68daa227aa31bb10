/**
 * The renderer's one command registry and its Vue glue: `useCommand` binds a command for the life of
 * a component; `installKeybindings` is the app's only window key listener (house rule D7: nobody else
 * adds one); `commandRevision` changes whenever a binding changes so that computed views of the
 * registry (palette, menu mirror) update.
 */
import { getCurrentInstance, onBeforeUnmount, ref } from 'vue';
import type { CommandId } from '../../../shared/commands';
import type { DesktopApi } from '../../../shared/api';
import { CommandRegistry, type CommandHandler } from './registry';
import type { ShellTab } from '../stores/shell';

declare global {
  interface Window {
    /** the desktop-only calls (Electron preload); absent in browser mode */
    workbenchDesktop?: DesktopApi;
  }
}

/** Native dialogs and menus; null in browser mode. */
export const desktop: DesktopApi | null = typeof window !== 'undefined' ? (window.workbenchDesktop ?? null) : null;

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

const activeView = ref<ShellTab>('design');
/** bumps on every bind/unbind */
export const commandRevision = ref(0);

export const registry = new CommandRegistry({ activeView: () => activeView.value, desktop: desktop !== null, isMac });
registry.onChange(() => commandRevision.value++);

/** The shell tells the registry which view is on screen (App.vue watches the shell store). */
export function setActiveView(view: ShellTab): void {
  activeView.value = view;
}

/** Bind a command while the calling component lives (KeepAlive keeps it bound while hidden; scope decides). */
export function useCommand(id: CommandId, handler: CommandHandler): void {
  const unbind = registry.bind(id, handler);
  if (getCurrentInstance()) onBeforeUnmount(unbind);
}

function isTextField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return false;
  return !!el.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]');
}

/** The one keydown listener: shortcut → command in scope. Returns the remover. */
export function installKeybindings(target: Window = window): () => void {
  const onKey = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || e.isComposing) return;
    const id = registry.commandForKey(e, isTextField(e.target));
    if (!id) return;
    e.preventDefault();
    e.stopPropagation();
    void registry.execute(id).catch((err) => console.error(`[commands] ${id} failed:`, err));
  };
  target.addEventListener('keydown', onKey);
  return () => target.removeEventListener('keydown', onKey);
}
