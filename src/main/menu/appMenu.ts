/**
 * The native application menu, built from the command descriptors (src/shared/commands.ts) that the
 * renderer's registry binds: File (New, Open…, Import…, Export…, Save, Recent), Edit, Run (Start,
 * Pause, Cancel), View (Design / Runs / Compare, palette, theme), Window, Help (docs, log, About).
 *
 * `buildMenuTemplate` is pure (it only imports Electron's types), so the unit tests build it from the
 * real registry; `installAppMenu` turns it into a Menu. A click on a renderer command sends its id to
 * the page (`sendCommand`), where the registry runs it; the shortcuts are shown but not registered with
 * the OS (`registerAccelerator: false`): the renderer handles the keys in both the desktop app and
 * browser mode, so a key never fires twice. Reload is left out of the production menu (it would end
 * every active run).
 */
import type { MenuItemConstructorOptions } from 'electron';
import { COMMANDS, type CommandDescriptor, type CommandId, type MenuId } from '../../shared/commands';
import type { ThemePreference } from '../../shared/api';
import { basename } from 'node:path';

export interface MenuState {
  /** enabled flags from the renderer's registry; a command the renderer has not reported is disabled */
  enabled: Partial<Record<CommandId, boolean>>;
  theme: ThemePreference;
}

export interface MenuContext {
  isMac: boolean;
  /** packaged app: no Reload, no developer tools */
  isPackaged: boolean;
  appName: string;
  /** most recent first, absolute paths */
  recentFiles: readonly string[];
  descriptors?: readonly CommandDescriptor[];
  sendCommand: (id: CommandId) => void;
  openRecent: (path: string) => void;
  clearRecent: () => void;
  /** commands main runs itself (help.showLog); the rest go to the renderer */
  runInMain?: Partial<Record<CommandId, () => void>>;
}

const MENU_LABELS: Record<MenuId, string> = { file: 'File', edit: 'Edit', run: 'Run', view: 'View', help: 'Help' };

function commandItem(d: CommandDescriptor, state: MenuState, ctx: MenuContext): MenuItemConstructorOptions {
  const local = ctx.runInMain?.[d.id];
  const themeOf = d.id.startsWith('view.theme.') ? (d.id.slice('view.theme.'.length) as ThemePreference) : null;
  const item: MenuItemConstructorOptions = {
    id: d.id,
    label: d.title,
    enabled: local ? true : (state.enabled[d.id] ?? false),
    click: () => (local ? local() : ctx.sendCommand(d.id)),
  };
  if (d.keys[0]) {
    item.accelerator = d.keys[0];
    item.registerAccelerator = false;
  }
  if (d.radio) {
    item.type = 'radio';
    item.checked = themeOf !== null && state.theme === themeOf;
  }
  return item;
}

/** Items of one menu: descriptor groups in ascending order, separators between groups. */
function commandItems(menu: MenuId, state: MenuState, ctx: MenuContext): MenuItemConstructorOptions[] {
  const descriptors = (ctx.descriptors ?? COMMANDS).filter((d) => d.menu?.id === menu);
  const groups = [...new Set(descriptors.map((d) => d.menu!.group))].sort((a, b) => a - b);
  const out: MenuItemConstructorOptions[] = [];
  for (const g of groups) {
    if (out.length) out.push({ type: 'separator' });
    for (const d of descriptors.filter((x) => x.menu!.group === g)) out.push(commandItem(d, state, ctx));
  }
  return out;
}

function recentMenu(ctx: MenuContext): MenuItemConstructorOptions {
  const items: MenuItemConstructorOptions[] = ctx.recentFiles.map((path, i) => ({
    label: `${i < 9 ? `&${i + 1} ` : ''}${basename(path)}`,
    toolTip: path,
    click: () => ctx.openRecent(path),
  }));
  if (!items.length) items.push({ label: 'No recent files', enabled: false });
  items.push({ type: 'separator' }, { label: 'Clear Recent', enabled: ctx.recentFiles.length > 0, click: () => ctx.clearRecent() });
  return { id: 'file.recent', label: 'Open Recent', submenu: items };
}

export function buildMenuTemplate(state: MenuState, ctx: MenuContext): MenuItemConstructorOptions[] {
  const file = commandItems('file', state, ctx);
  // Recent sits right after Open…
  const openIndex = file.findIndex((i) => i.id === 'file.open');
  file.splice(openIndex + 1, 0, recentMenu(ctx));
  file.push({ type: 'separator' }, ctx.isMac ? { role: 'close' } : { role: 'quit' });

  const edit: MenuItemConstructorOptions[] = [
    ...commandItems('edit', state, ctx),
    { type: 'separator' },
    { role: 'cut' },
    { role: 'copy' },
    { role: 'paste' },
    { role: 'selectAll' },
  ];

  const view: MenuItemConstructorOptions[] = [...commandItems('view', state, ctx)];
  view.push({ type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' });
  if (!ctx.isPackaged) view.push({ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' });

  const help = commandItems('help', state, ctx);

  return [
    ...(ctx.isMac ? [{ label: ctx.appName, role: 'appMenu' as const }] : []),
    { label: MENU_LABELS.file, submenu: file },
    { label: MENU_LABELS.edit, submenu: edit },
    { label: MENU_LABELS.run, submenu: commandItems('run', state, ctx) },
    { label: MENU_LABELS.view, submenu: view },
    { role: 'windowMenu' },
    { label: MENU_LABELS.help, role: 'help', submenu: help },
  ];
}
