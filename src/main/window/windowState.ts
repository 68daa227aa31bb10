/**
 * The window's bounds and maximised flag, kept in `<userData>/window-state.json` and restored at the
 * next start. A saved rectangle is used only when it still overlaps a display by a usable amount
 * (monitors get unplugged); otherwise the default size, centred, is used. Reading never throws: a
 * missing or damaged file means "no saved state".
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1440, height: 900 };
export const MIN_SIZE = { width: 900, height: 600 };
const STATE_FILE = 'window-state.json';

function isRect(v: unknown): v is Rect {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every((k) => typeof r[k] === 'number' && Number.isFinite(r[k]));
}

/** Whether at least `min` × `min` px of `a` lie inside `b` (enough to grab and move the window). */
function showsEnough(a: Rect, b: Rect, min = 100): boolean {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w >= min && h >= min;
}

/**
 * The saved state if it is well-formed and at least 100 × 100 px of it lie on one of `displays`
 * (work areas); else null.
 */
export function usableState(saved: unknown, displays: readonly Rect[]): WindowState | null {
  if (!saved || typeof saved !== 'object') return null;
  const s = saved as Record<string, unknown>;
  if (!isRect(s.bounds)) return null;
  const bounds = {
    x: Math.round(s.bounds.x),
    y: Math.round(s.bounds.y),
    width: Math.max(MIN_SIZE.width, Math.round(s.bounds.width)),
    height: Math.max(MIN_SIZE.height, Math.round(s.bounds.height)),
  };
  if (!displays.some((d) => showsEnough(bounds, d))) return null;
  return { bounds, maximized: s.maximized === true };
}

export function loadWindowState(dir: string, displays: readonly Rect[]): WindowState | null {
  try {
    return usableState(JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')), displays);
  } catch {
    return null;
  }
}

export function saveWindowState(dir: string, state: WindowState): void {
  try {
    writeFileSync(join(dir, STATE_FILE), JSON.stringify(state));
  } catch (e) {
    console.warn(`[workbench] could not save the window state: ${String(e)}`);
  }
}
