/**
 * Picking and writing MDP files: the native dialogs behind the desktop contract calls in the Electron
 * app, the web pickers (a file input, a download link) in browser mode.
 */
import type { OpenedFile } from '../../../shared/api';
import { desktop } from './index';

/** Ask for one MDP file; null when the user cancels. */
export async function pickMdpFile(title: string): Promise<OpenedFile | null> {
  if (desktop) return desktop['desktop:openFile']({ title });
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.json,application/json';
    input.className = 'sr-only';
    input.setAttribute('aria-label', title);
    let settled = false;
    const finish = (v: OpenedFile | null): void => {
      if (settled) return;
      settled = true;
      input.remove();
      resolve(v);
    };
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      if (!file) return finish(null);
      finish({ path: file.name, name: file.name, text: await file.text() });
    });
    input.addEventListener('cancel', () => finish(null));
    document.body.append(input);
    input.click();
  });
}

/** Save `text` under a name the user confirms (desktop) or as a download (browser); false when cancelled. */
export async function saveTextFile(title: string, suggestedName: string, text: string): Promise<boolean> {
  if (desktop) return (await desktop['desktop:saveFile']({ title, suggestedName, text })) !== null;
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = suggestedName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return true;
}
