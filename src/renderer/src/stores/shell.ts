/**
 * Shell state: the active tab, app info for the status bar, the WebGPU adapter probe, notices, the
 * theme (light / dark / follow the system), and the overlays (command palette, About). The tab and the
 * theme choice survive a reload (localStorage).
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { AppInfo, ThemePreference } from '../../../shared/api';
import { api, describeError } from '../api/workbenchClient';

export type ShellTab = 'design' | 'runs' | 'library' | 'compare';

export interface GpuStatus {
  state: 'checking' | 'adapter' | 'no-adapter' | 'unsupported';
  name: string;
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  danger: boolean;
  resolve: (ok: boolean) => void;
}

const TABS: readonly ShellTab[] = ['design', 'runs', 'library', 'compare'];
const THEMES: readonly ThemePreference[] = ['system', 'light', 'dark'];
export const STORAGE_KEYS = { tab: 'wwb.view', theme: 'wwb.theme', compare: 'wwb.compare.selected' } as const;

/** A stored value if it is one of `allowed`, else `fallback` (storage may be absent or hold junk). */
export function readStored<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const v = localStorage.getItem(key);
    return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}

export function writeStored(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode or quota: the setting just does not persist */
  }
}

export const useShellStore = defineStore('shell', () => {
  const tab = ref<ShellTab>(readStored(STORAGE_KEYS.tab, TABS, 'design'));
  watch(tab, (t) => writeStored(STORAGE_KEYS.tab, t));

  // theme: the user's choice, and what the OS prefers (Electron's nativeTheme follows the choice too)
  const themePreference = ref<ThemePreference>(readStored(STORAGE_KEYS.theme, THEMES, 'system'));
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const systemDark = ref(media?.matches ?? false);
  media?.addEventListener('change', (e) => (systemDark.value = e.matches));
  const theme = computed<'light' | 'dark'>(() => (themePreference.value === 'system' ? (systemDark.value ? 'dark' : 'light') : themePreference.value));
  function setTheme(t: ThemePreference): void {
    themePreference.value = t;
    writeStored(STORAGE_KEYS.theme, t);
  }

  const paletteOpen = ref(false);
  const aboutOpen = ref(false);
  const info = ref<AppInfo | null>(null);
  const infoError = ref<string | null>(null);
  const gpu = ref<GpuStatus>({ state: 'checking', name: '' });
  const notices = ref<Notice[]>([]);
  let nextNotice = 1;

  function setTab(t: ShellTab): void {
    tab.value = t;
  }

  function notify(kind: Notice['kind'], text: string, ttlMs = kind === 'error' ? 10_000 : 4_000): void {
    const id = nextNotice++;
    notices.value = [...notices.value, { id, kind, text }].slice(-4);
    setTimeout(() => dismiss(id), ttlMs);
  }

  function notifyError(context: string, err: unknown): void {
    notify('error', `${context}: ${describeError(err)}`);
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  async function loadInfo(): Promise<void> {
    try {
      info.value = await api['app:info']({});
      infoError.value = null;
    } catch (err) {
      infoError.value = describeError(err);
    }
  }

  async function probeGpu(): Promise<void> {
    if (!('gpu' in navigator) || !navigator.gpu) {
      gpu.value = { state: 'unsupported', name: 'WebGPU unsupported' };
      return;
    }
    try {
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) {
        gpu.value = { state: 'no-adapter', name: 'no adapter' };
        return;
      }
      const ai = adapter.info;
      const name = [ai?.vendor, ai?.architecture, ai?.device, ai?.description].filter((x) => x).join(' ') || 'WebGPU adapter';
      gpu.value = { state: 'adapter', name };
    } catch (err) {
      gpu.value = { state: 'no-adapter', name: `no adapter (${(err as Error).message})` };
    }
  }

  /** in-app confirmation (no blocking window.confirm): resolves true when the user confirms */
  const confirmation = ref<ConfirmRequest | null>(null);
  function confirm(title: string, message: string, opts: { confirmLabel?: string; danger?: boolean } = {}): Promise<boolean> {
    confirmation.value?.resolve(false);
    return new Promise((resolve) => {
      confirmation.value = {
        title,
        message,
        confirmLabel: opts.confirmLabel ?? 'OK',
        danger: opts.danger ?? false,
        resolve: (ok) => {
          confirmation.value = null;
          resolve(ok);
        },
      };
    });
  }

  return {
    theme,
    themePreference,
    setTheme,
    paletteOpen,
    aboutOpen,
    confirmation,
    confirm,
    tab,
    info, infoError, gpu, notices, setTab, notify, notifyError, dismiss, loadInfo, probeGpu };
});
