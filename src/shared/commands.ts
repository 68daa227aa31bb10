/**
 * The app's commands as data: id, title, shortcuts, where they apply and where they sit in the native
 * menu. The renderer's command registry (src/renderer/src/commands) binds a `run` and an `enabled`
 * to each id; the Electron main process builds its application menu from the same list
 * (src/main/menu/appMenu.ts), so a title or a shortcut is written once.
 *
 * Shortcuts use Electron's accelerator syntax ("CmdOrCtrl+Shift+Z": Ctrl on Linux and Windows, Cmd on
 * macOS). The first shortcut is the one the menu and the palette show. The renderer handles every key
 * (browser mode has no native menu), so the menu only displays them (`registerAccelerator: false`).
 *
 * Pure data, platform-free.
 */

/** The view a command belongs to; 'global' commands work everywhere. */
export type CommandScope = 'global' | 'design' | 'runs' | 'library' | 'compare';

export type MenuId = 'file' | 'edit' | 'run' | 'view' | 'help';

export type CommandId =
  | 'file.new'
  | 'file.open'
  | 'file.import'
  | 'file.export'
  | 'file.save'
  | 'edit.undo'
  | 'edit.redo'
  | 'run.start'
  | 'run.pause'
  | 'run.cancel'
  | 'view.design'
  | 'view.runs'
  | 'view.compare'
  | 'view.palette'
  | 'view.theme.system'
  | 'view.theme.light'
  | 'view.theme.dark'
  | 'help.docs'
  | 'help.methods'
  | 'help.showLog'
  | 'help.about';

export interface CommandDescriptor {
  id: CommandId;
  title: string;
  /** palette group */
  category: 'File' | 'Edit' | 'Run' | 'View' | 'Help';
  keys: readonly string[];
  scope: CommandScope;
  /** in a text field the key is left to the field (text undo, Ctrl+Y, ...) */
  defersToTextField?: boolean;
  /** native menu placement: items of one group sit between separators, groups in ascending order */
  menu?: { id: MenuId; group: number };
  /** shown as a radio item in the menu (theme choice) */
  radio?: boolean;
  /** exists only in the desktop app (no palette entry in browser mode) */
  desktopOnly?: boolean;
}

export const COMMANDS: readonly CommandDescriptor[] = [
  { id: 'file.new', title: 'New MDP', category: 'File', keys: ['CmdOrCtrl+N'], scope: 'global', menu: { id: 'file', group: 0 } },
  { id: 'file.open', title: 'Open MDP File…', category: 'File', keys: ['CmdOrCtrl+O'], scope: 'global', menu: { id: 'file', group: 0 } },
  { id: 'file.import', title: 'Import MDP File into the Library…', category: 'File', keys: [], scope: 'global', menu: { id: 'file', group: 1 } },
  { id: 'file.export', title: 'Export MDP File…', category: 'File', keys: ['CmdOrCtrl+Shift+E'], scope: 'global', menu: { id: 'file', group: 1 } },
  { id: 'file.save', title: 'Save MDP', category: 'File', keys: ['CmdOrCtrl+S'], scope: 'design', menu: { id: 'file', group: 2 } },
  { id: 'edit.undo', title: 'Undo Design Change', category: 'Edit', keys: ['CmdOrCtrl+Z'], scope: 'design', defersToTextField: true, menu: { id: 'edit', group: 0 } },
  {
    id: 'edit.redo',
    title: 'Redo Design Change',
    category: 'Edit',
    keys: ['CmdOrCtrl+Shift+Z', 'CmdOrCtrl+Y'],
    scope: 'design',
    defersToTextField: true,
    menu: { id: 'edit', group: 0 },
  },
  { id: 'run.start', title: 'Start Run', category: 'Run', keys: ['CmdOrCtrl+Enter', 'F5'], scope: 'runs', menu: { id: 'run', group: 0 } },
  { id: 'run.pause', title: 'Pause or Resume Run', category: 'Run', keys: ['F6'], scope: 'runs', menu: { id: 'run', group: 0 } },
  { id: 'run.cancel', title: 'Cancel Run', category: 'Run', keys: ['Shift+F5'], scope: 'runs', menu: { id: 'run', group: 0 } },
  { id: 'view.design', title: 'Design', category: 'View', keys: ['CmdOrCtrl+1'], scope: 'global', menu: { id: 'view', group: 0 } },
  { id: 'view.runs', title: 'Runs', category: 'View', keys: ['CmdOrCtrl+2'], scope: 'global', menu: { id: 'view', group: 0 } },
  { id: 'view.compare', title: 'Compare', category: 'View', keys: ['CmdOrCtrl+3'], scope: 'global', menu: { id: 'view', group: 0 } },
  { id: 'view.palette', title: 'Command Palette…', category: 'View', keys: ['CmdOrCtrl+Shift+P'], scope: 'global', menu: { id: 'view', group: 1 } },
  { id: 'view.theme.system', title: 'Theme: Follow the System', category: 'View', keys: [], scope: 'global', radio: true, menu: { id: 'view', group: 2 } },
  { id: 'view.theme.light', title: 'Theme: Light', category: 'View', keys: [], scope: 'global', radio: true, menu: { id: 'view', group: 2 } },
  { id: 'view.theme.dark', title: 'Theme: Dark', category: 'View', keys: [], scope: 'global', radio: true, menu: { id: 'view', group: 2 } },
  { id: 'help.docs', title: 'Documentation', category: 'Help', keys: [], scope: 'global', menu: { id: 'help', group: 0 } },
  { id: 'help.methods', title: 'Method Reference', category: 'Help', keys: [], scope: 'global', menu: { id: 'help', group: 0 } },
  { id: 'help.showLog', title: 'Show Log File', category: 'Help', keys: [], scope: 'global', desktopOnly: true, menu: { id: 'help', group: 1 } },
  { id: 'help.about', title: 'About Wasserstein Workbench', category: 'Help', keys: [], scope: 'global', menu: { id: 'help', group: 2 } },
];

export const COMMAND_IDS: readonly CommandId[] = COMMANDS.map((c) => c.id);

export function commandDescriptor(id: CommandId): CommandDescriptor {
  const d = COMMANDS.find((c) => c.id === id);
  if (!d) throw new Error(`unknown command '${id}'`);
  return d;
}

export function isCommandId(v: unknown): v is CommandId {
  return typeof v === 'string' && (COMMAND_IDS as readonly string[]).includes(v);
}

/** Where the docs live (the Help menu and the palette open these). */
export const DOCS_URL = 'https://github.com/wasserstein-workbench/wasserstein-workbench#readme';
export const METHODS_DOC_URL = 'https://github.com/wasserstein-workbench/wasserstein-workbench/blob/main/docs/methods.md';

/** Link to one method's section of docs/methods.md (headings are the method ids). */
export function methodDocUrl(methodId: string): string {
  return `${METHODS_DOC_URL}#${methodId}`;
}
