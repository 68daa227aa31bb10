/**
 * The native menu is built from the renderer's real command registry (no stand-in): bind the
 * commands the way the app does, report the registry's enabled map as the renderer would, and read
 * the template Electron would get.
 */
import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { CommandRegistry, matchesChord, parseAccelerator, shortcutLabel } from '../../src/renderer/src/commands/registry';
import { buildMenuTemplate, type MenuContext } from '../../src/main/menu/appMenu';
import { COMMANDS, type CommandId } from '../../src/shared/commands';
import { validateDesktopPayload } from '../../src/shared/apiSchemas';

type View = 'design' | 'runs' | 'compare';

function appRegistry(view: { current: View }, opts: { desktop?: boolean; isMac?: boolean } = {}) {
  const registry = new CommandRegistry({ activeView: () => view.current, desktop: opts.desktop ?? true, isMac: opts.isMac ?? false });
  const ran: CommandId[] = [];
  const design = { canUndo: true, canRedo: false };
  for (const d of COMMANDS) {
    const enabled = d.id === 'edit.undo' ? () => design.canUndo : d.id === 'edit.redo' ? () => design.canRedo : undefined;
    registry.bind(d.id, { run: () => void ran.push(d.id), enabled, checked: d.id === 'view.theme.dark' ? () => true : undefined });
  }
  return { registry, ran, design };
}

function ctx(recent: string[] = [], over: Partial<MenuContext> = {}): MenuContext & { sent: CommandId[]; opened: string[] } {
  const sent: CommandId[] = [];
  const opened: string[] = [];
  return {
    isMac: false,
    isPackaged: true,
    appName: 'Wasserstein Workbench',
    recentFiles: recent,
    sendCommand: (id) => sent.push(id),
    openRecent: (p) => opened.push(p),
    clearRecent: () => undefined,
    ...over,
    sent,
    opened,
  };
}

function submenu(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions[] {
  const m = template.find((i) => i.label === label);
  expect(m, `menu ${label}`).toBeDefined();
  return m!.submenu as MenuItemConstructorOptions[];
}

const labels = (items: MenuItemConstructorOptions[]) => items.filter((i) => i.type !== 'separator').map((i) => i.label ?? i.role);
const click = (item: MenuItemConstructorOptions | undefined) => (item!.click as unknown as () => void)();

describe('menu template from the command registry', () => {
  it('has File / Edit / Run / View / Help with the registry titles and shortcuts, Recent after Open', () => {
    const view = { current: 'design' as View };
    const { registry } = appRegistry(view);
    const t = buildMenuTemplate({ enabled: registry.enabledMap(), theme: 'dark' }, ctx(['/home/u/chain.mdp.json', '/home/u/grid.mdp.json']));
    expect(t.map((m) => m.label ?? m.role)).toEqual(['File', 'Edit', 'Run', 'View', 'windowMenu', 'Help']);

    const file = submenu(t, 'File');
    expect(labels(file)).toEqual(['New MDP', 'Open MDP File…', 'Open Recent', 'Import MDP File into the Library…', 'Export MDP File…', 'Save MDP', 'quit']);
    const recent = file.find((i) => i.label === 'Open Recent')!.submenu as MenuItemConstructorOptions[];
    expect(labels(recent)).toEqual(['&1 chain.mdp.json', '&2 grid.mdp.json', 'Clear Recent']);

    expect(labels(submenu(t, 'Run'))).toEqual(['Start Run', 'Pause or Resume Run', 'Cancel Run']);
    expect(labels(submenu(t, 'View')).slice(0, 7)).toEqual(['Design', 'Runs', 'Compare', 'Command Palette…', 'Theme: Follow the System', 'Theme: Light', 'Theme: Dark']);
    expect(labels(submenu(t, 'Help'))).toEqual(['Documentation', 'Method Reference', 'Show Log File', 'About Wasserstein Workbench']);

    // every item of a command carries the descriptor's first key, shown but left to the renderer
    const all = t.flatMap((m) => (m.submenu as MenuItemConstructorOptions[]) ?? []);
    for (const d of COMMANDS) {
      const item = all.find((i) => i.id === d.id);
      expect(item, d.id).toBeDefined();
      expect(item!.label).toBe(d.title);
      expect(item!.accelerator).toBe(d.keys[0]);
      if (d.keys[0]) expect(item!.registerAccelerator).toBe(false);
    }
    expect(all.find((i) => i.id === 'run.start')!.accelerator).toBe('CmdOrCtrl+Enter');
    expect(all.find((i) => i.id === 'view.compare')!.accelerator).toBe('CmdOrCtrl+3');
    // the theme choice is a radio group
    expect(all.filter((i) => i.type === 'radio' && i.checked).map((i) => i.id)).toEqual(['view.theme.dark']);
  });

  it('mirrors enabled states: view-scoped commands are disabled outside their view', () => {
    const view = { current: 'design' as View };
    const { registry, design } = appRegistry(view);
    const enabledOf = (id: CommandId) => {
      const t = buildMenuTemplate({ enabled: registry.enabledMap(), theme: 'system' }, ctx());
      return t.flatMap((m) => (m.submenu as MenuItemConstructorOptions[]) ?? []).find((i) => i.id === id)!.enabled;
    };
    expect(enabledOf('edit.undo')).toBe(true);
    expect(enabledOf('edit.redo')).toBe(false);
    expect(enabledOf('run.start')).toBe(false);
    design.canRedo = true;
    expect(enabledOf('edit.redo')).toBe(true);
    view.current = 'runs';
    expect(enabledOf('edit.undo')).toBe(false);
    expect(enabledOf('file.save')).toBe(false);
    expect(enabledOf('run.start')).toBe(true);
    expect(enabledOf('view.design')).toBe(true);
  });

  it('sends clicks to the renderer (which runs them through the registry); the log opens in main', async () => {
    const view = { current: 'runs' as View };
    const { registry, ran } = appRegistry(view);
    const showLog: string[] = [];
    const c = ctx(['/tmp/a.mdp.json'], { runInMain: { 'help.showLog': () => void showLog.push('log') } });
    const t = buildMenuTemplate({ enabled: registry.enabledMap(), theme: 'system' }, c);
    const all = t.flatMap((m) => (m.submenu as MenuItemConstructorOptions[]) ?? []);
    click(all.find((i) => i.id === 'run.start'));
    click(all.find((i) => i.id === 'help.showLog'));
    expect(c.sent).toEqual(['run.start']);
    expect(showLog).toEqual(['log']);
    for (const id of c.sent) await registry.execute(id);
    expect(ran).toEqual(['run.start']);
    const recent = (submenu(t, 'File').find((i) => i.label === 'Open Recent')!.submenu as MenuItemConstructorOptions[])[0];
    click(recent);
    expect(c.opened).toEqual(['/tmp/a.mdp.json']);
  });

  it('has no Reload and no developer tools in the packaged app; development keeps them', () => {
    const { registry } = appRegistry({ current: 'design' });
    const roles = (packaged: boolean) =>
      buildMenuTemplate({ enabled: registry.enabledMap(), theme: 'system' }, ctx([], { isPackaged: packaged }))
        .flatMap((m) => [m, ...((m.submenu as MenuItemConstructorOptions[]) ?? [])])
        .map((i) => i.role)
        .filter(Boolean);
    expect(roles(true)).not.toContain('reload');
    expect(roles(true)).not.toContain('forceReload');
    expect(roles(true)).not.toContain('toggleDevTools');
    expect(roles(false)).toContain('reload');
  });

  it('macOS: app menu first, Close instead of Quit, an empty Recent says so', () => {
    const { registry } = appRegistry({ current: 'design' }, { isMac: true });
    const t = buildMenuTemplate({ enabled: registry.enabledMap(), theme: 'system' }, ctx([], { isMac: true }));
    expect(t[0].role).toBe('appMenu');
    const file = submenu(t, 'File');
    expect(file.at(-1)!.role).toBe('close');
    const recent = file.find((i) => i.label === 'Open Recent')!.submenu as MenuItemConstructorOptions[];
    expect(recent[0]).toMatchObject({ label: 'No recent files', enabled: false });
  });
});

describe('command registry', () => {
  it('scopes shortcuts to the active view (Ctrl+Z on Runs does not reach the design)', async () => {
    const view = { current: 'runs' as View };
    const { registry, ran } = appRegistry(view);
    const key = (k: string, mods: Partial<{ ctrlKey: boolean; shiftKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
      key: k,
      ctrlKey: false,
      shiftKey: false,
      metaKey: false,
      altKey: false,
      ...mods,
    });
    expect(registry.commandForKey(key('z', { ctrlKey: true }), false)).toBeNull();
    expect(registry.commandForKey(key('Enter', { ctrlKey: true }), false)).toBe('run.start');
    expect(registry.commandForKey(key('Enter', { ctrlKey: true }), true)).toBe('run.start');
    expect(registry.commandForKey({ ...key('!', { ctrlKey: true }), code: 'Digit1' }, false)).toBe('view.design');
    view.current = 'design';
    expect(registry.commandForKey(key('z', { ctrlKey: true }), false)).toBe('edit.undo');
    expect(registry.commandForKey(key('z', { ctrlKey: true }), true)).toBeNull(); // text fields keep their undo
    expect(registry.commandForKey(key('Z', { ctrlKey: true, shiftKey: true }), false)).toBe('edit.redo');
    expect(registry.commandForKey(key('y', { ctrlKey: true }), false)).toBe('edit.redo');
    expect(registry.commandForKey(key('Enter', { ctrlKey: true }), false)).toBeNull();
    expect(registry.commandForKey(key('P', { ctrlKey: true, shiftKey: true }), false)).toBe('view.palette');
    view.current = 'runs';
    expect(await registry.execute('edit.undo')).toBe(false);
    expect(ran).toEqual([]);
  });

  it('latest binding wins and unbinding restores the previous one', async () => {
    const registry = new CommandRegistry({ activeView: () => 'design', desktop: false, isMac: false });
    const calls: string[] = [];
    registry.bind('file.new', { run: () => void calls.push('a') });
    const unbind = registry.bind('file.new', { run: () => void calls.push('b') });
    await registry.execute('file.new');
    unbind();
    await registry.execute('file.new');
    expect(calls).toEqual(['b', 'a']);
    // browser mode: desktop-only commands do not exist
    expect(() => registry.bind('help.showLog', { run: () => undefined })).toThrow(/unknown command/);
  });

  it('parses accelerators and shows them per platform', () => {
    expect(parseAccelerator('CmdOrCtrl+Shift+Z')).toEqual({ mod: true, ctrl: false, shift: true, alt: false, key: 'z' });
    expect(() => parseAccelerator('Hyper+Z')).toThrow(/unknown modifier/);
    expect(shortcutLabel('CmdOrCtrl+Shift+Z', false)).toBe('Ctrl+Shift+Z');
    expect(shortcutLabel('CmdOrCtrl+Shift+Z', true)).toBe('⇧⌘Z');
    expect(shortcutLabel('Shift+F5', false)).toBe('Shift+F5');
    const chord = parseAccelerator('CmdOrCtrl+S');
    const ev = { key: 's', ctrlKey: false, metaKey: true, shiftKey: false, altKey: false };
    expect(matchesChord(chord, ev, true)).toBe(true);
    expect(matchesChord(chord, ev, false)).toBe(false);
  });
});

describe('desktop call payloads', () => {
  it('accepts the renderer state and rejects unknown commands, bad anchors and oversize names', () => {
    expect(validateDesktopPayload('desktop:syncState', { enabled: { 'run.start': true }, theme: 'dark', activeRuns: 1 })).toEqual([]);
    expect(validateDesktopPayload('desktop:syncState', { enabled: { 'rm -rf': true }, theme: 'dark', activeRuns: 1 })).toEqual(['enabled.rm -rf: unknown command']);
    expect(validateDesktopPayload('desktop:syncState', { enabled: {}, theme: 'purple', activeRuns: -1 }).length).toBe(2);
    expect(validateDesktopPayload('desktop:openDocs', { page: 'methods', anchor: 'ot-trpo' })).toEqual([]);
    expect(validateDesktopPayload('desktop:openDocs', { page: 'methods', anchor: '../x' })).toHaveLength(1);
    expect(validateDesktopPayload('desktop:contextMenu', { items: [{ id: 'nope', enabled: true }], editable: false, hasSelection: false })).toHaveLength(1);
    expect(validateDesktopPayload('desktop:saveFile', { title: 'x', suggestedName: 'a'.repeat(300), text: '' })).toHaveLength(1);
    expect(validateDesktopPayload('desktop:eval', {})).toEqual(["unknown channel 'desktop:eval'"]);
  });
});
