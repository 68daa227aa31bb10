/**
 * Recently opened MDP files: the File → Open Recent submenu (kept in `<userData>/recent-files.json`,
 * most recent first, at most 10) and the OS's own list (`app.addRecentDocument`: the Dock menu on
 * macOS, the jump list on Windows).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, isAbsolute } from 'node:path';

export const MAX_RECENT = 10;
const RECENT_FILE = 'recent-files.json';

/** `path` moved to the front of `list`, without duplicates, capped at MAX_RECENT. */
export function withRecent(list: readonly string[], path: string): string[] {
  return [path, ...list.filter((p) => p !== path)].slice(0, MAX_RECENT);
}

export function loadRecent(dir: string): string[] {
  try {
    const v: unknown = JSON.parse(readFileSync(join(dir, RECENT_FILE), 'utf8'));
    return Array.isArray(v) ? v.filter((p): p is string => typeof p === 'string' && isAbsolute(p)).slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

export function saveRecent(dir: string, list: readonly string[]): void {
  try {
    writeFileSync(join(dir, RECENT_FILE), JSON.stringify(list));
  } catch (e) {
    console.warn(`[workbench] could not save the recent files: ${String(e)}`);
  }
}
