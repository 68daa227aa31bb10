/**
 * The app-wide commands (files, views, theme, help) bound once by App.vue; view commands are bound by
 * their views (Design: undo / redo / save; Runs: start / pause / cancel). Also the desktop mirror:
 * the menu's enabled states, the theme and the active-run count go to the main process, and menu
 * clicks / files opened from Recent or the OS come back.
 */
import { computed, watch } from 'vue';
import type { OpenedFile } from '../../../shared/api';
import { DOCS_URL, METHODS_DOC_URL, type CommandId } from '../../../shared/commands';
import { useShellStore } from '../stores/shell';
import { useMdpStore } from '../stores/mdp';
import { useRunExecution, type LiveState } from '../composables/useRunExecution';
import { commandRevision, desktop, registry, useCommand } from './index';
import { pickMdpFile, saveTextFile } from './files';

const ACTIVE: readonly LiveState[] = ['starting', 'running', 'pausing', 'paused', 'finishing'];

function openExternal(url: string): void {
  window.open(url, '_blank', 'noopener,noreferrer');
}

export function useAppCommands(): { activeRuns: () => number } {
  const shell = useShellStore();
  const mdps = useMdpStore();
  const exec = useRunExecution();

  const activeRuns = computed(() => [...exec.live.values()].filter((s) => ACTIVE.includes(s.state)).length);

  async function confirmDiscard(): Promise<boolean> {
    if (!mdps.dirty) return true;
    return shell.confirm('Discard unsaved changes?', `'${mdps.doc.name}' has changes that are not saved.`, { confirmLabel: 'Discard', danger: true });
  }

  async function openInDesigner(file: OpenedFile): Promise<boolean> {
    if (!(await confirmDiscard())) return false;
    try {
      await mdps.importJson(file.text, file.name);
      shell.setTab('design');
      shell.notify('info', `Opened ${file.name}`);
      return true;
    } catch (err) {
      shell.notify('error', (err as Error).message);
      return false;
    }
  }

  useCommand('file.new', {
    run: async () => {
      if (!(await confirmDiscard())) return;
      mdps.newBlank();
      shell.setTab('design');
    },
  });
  useCommand('file.open', {
    run: async () => {
      const file = await pickMdpFile('Open an MDP file');
      if (file) await openInDesigner(file);
    },
  });
  useCommand('file.import', {
    run: async () => {
      const file = await pickMdpFile('Import an MDP file into the library');
      if (!file || !(await openInDesigner(file))) return;
      const id = await mdps.save(true);
      if (id !== null) shell.notify('info', `Imported '${mdps.doc.name}' into the library (#${id})`);
    },
  });
  useCommand('file.export', {
    run: async () => {
      const { name, text } = mdps.exportJson();
      if (await saveTextFile('Export the MDP', name, text)) shell.notify('info', `Exported ${name}`);
    },
  });

  useCommand('view.design', { run: () => shell.setTab('design'), checked: () => shell.tab === 'design' });
  useCommand('view.runs', { run: () => shell.setTab('runs'), checked: () => shell.tab === 'runs' });
  useCommand('view.compare', { run: () => shell.setTab('compare'), checked: () => shell.tab === 'compare' });
  useCommand('view.palette', { run: () => void (shell.paletteOpen = true) });
  useCommand('view.theme.system', { run: () => shell.setTheme('system'), checked: () => shell.themePreference === 'system' });
  useCommand('view.theme.light', { run: () => shell.setTheme('light'), checked: () => shell.themePreference === 'light' });
  useCommand('view.theme.dark', { run: () => shell.setTheme('dark'), checked: () => shell.themePreference === 'dark' });

  useCommand('help.docs', { run: () => (desktop ? void desktop['desktop:openDocs']({ page: 'readme' }) : openExternal(DOCS_URL)) });
  useCommand('help.methods', { run: () => (desktop ? void desktop['desktop:openDocs']({ page: 'methods' }) : openExternal(METHODS_DOC_URL)) });
  useCommand('help.about', { run: () => void (shell.aboutOpen = true) });
  if (desktop) useCommand('help.showLog', { run: () => void desktop!['desktop:showLog']({}) });

  if (desktop) {
    const d = desktop;
    d.on('onMenuCommand', ({ id }) => void registry.execute(id as CommandId));
    d.on('onOpenFile', (file) => void openInDesigner(file));
    // mirror into the native menu: enabled states (read reactively), the theme, the active runs
    const state = computed(() => {
      void commandRevision.value;
      return { enabled: registry.enabledMap(), theme: shell.themePreference, activeRuns: activeRuns.value };
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    watch(
      state,
      (s) => {
        clearTimeout(timer);
        timer = setTimeout(() => void d['desktop:syncState'](s).catch((err) => console.error('[commands] menu sync failed:', err)), 50);
      },
      { immediate: true, deep: true },
    );
  }

  return { activeRuns: () => activeRuns.value };
}
