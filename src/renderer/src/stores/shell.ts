/** Shell state: the active tab, app info for the status bar, the WebGPU adapter probe, notices. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo } from '../../../shared/api';
import { api, describeError } from '../api/workbenchClient';

export type ShellTab = 'design' | 'runs' | 'compare';

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

export const useShellStore = defineStore('shell', () => {
  const tab = ref<ShellTab>('design');
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

  return { confirmation, confirm, tab, info, infoError, gpu, notices, setTab, notify, notifyError, dismiss, loadInfo, probeGpu };
});
