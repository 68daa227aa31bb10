/**
 * The desktop app's context menu (Electron shows none by default): the edit actions (cut / copy /
 * paste / select all, drawn by main with its roles) plus the actions of the item under the pointer.
 * An element names its actions with `data-commands="run.start run.cancel"`; without one, the active
 * view's commands are offered. Browser mode keeps the browser's own menu.
 */
import type { CommandId } from '../../../shared/commands';
import { isCommandId } from '../../../shared/commands';
import { desktop, registry } from './index';

function itemCommands(target: Element | null): CommandId[] {
  const holder = target?.closest('[data-commands]');
  if (holder) return (holder.getAttribute('data-commands') ?? '').split(/\s+/).filter(isCommandId);
  return registry.descriptors.filter((d) => d.scope !== 'global' && registry.isAvailable(d.id)).map((d) => d.id);
}

export function installContextMenu(target: Window = window): () => void {
  const api = desktop;
  if (!api) return () => undefined;
  const onMenu = (e: MouseEvent): void => {
    e.preventDefault();
    const el = e.target as Element | null;
    const ids = itemCommands(el).filter((id) => registry.isAvailable(id));
    const editable = !!el?.closest('input, textarea, [contenteditable=""], [contenteditable="true"]');
    const hasSelection = (target.getSelection()?.toString() ?? '') !== '';
    void api['desktop:contextMenu']({ items: ids.map((id) => ({ id, enabled: registry.isEnabled(id) })), editable, hasSelection }).then(({ chosen }) => {
      if (chosen) void registry.execute(chosen);
    });
  };
  target.addEventListener('contextmenu', onMenu);
  return () => target.removeEventListener('contextmenu', onMenu);
}
