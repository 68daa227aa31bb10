/** Window bounds restored only where a display still shows them; recent files kept in order, capped. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWindowState, saveWindowState, usableState } from '../../src/main/window/windowState';
import { MAX_RECENT, loadRecent, saveRecent, withRecent } from '../../src/main/window/recentFiles';

const dir = mkdtempSync(join(tmpdir(), 'wwb-winstate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const screen = { x: 0, y: 0, width: 1920, height: 1080 };

describe('window state', () => {
  it('round-trips through the file and keeps the maximised flag', () => {
    saveWindowState(dir, { bounds: { x: 100, y: 50, width: 1200, height: 800 }, maximized: true });
    expect(loadWindowState(dir, [screen])).toEqual({ bounds: { x: 100, y: 50, width: 1200, height: 800 }, maximized: true });
  });

  it('drops a window left on an unplugged monitor, a damaged file, and sizes below the minimum', () => {
    expect(usableState({ bounds: { x: 2500, y: 0, width: 1200, height: 800 }, maximized: false }, [screen])).toBeNull();
    expect(usableState({ bounds: { x: 1850, y: 0, width: 1200, height: 800 }, maximized: false }, [screen])).toBeNull(); // 70 px visible
    expect(usableState({ bounds: { x: 2500, y: 0, width: 1200, height: 800 } }, [screen, { x: 1920, y: 0, width: 2560, height: 1440 }])).not.toBeNull();
    expect(usableState({ bounds: { x: 0, y: 0, width: 10, height: 10 } }, [screen])!.bounds).toEqual({ x: 0, y: 0, width: 900, height: 600 });
    expect(usableState({ bounds: { x: 'a', y: 0, width: 1, height: 1 } }, [screen])).toBeNull();
    writeFileSync(join(dir, 'window-state.json'), '{not json');
    expect(loadWindowState(dir, [screen])).toBeNull();
  });
});

describe('recent files', () => {
  it('most recent first, no duplicates, at most MAX_RECENT, absolute paths only from disk', () => {
    let list: string[] = [];
    for (let i = 0; i < 12; i++) list = withRecent(list, `/m/${i}.mdp.json`);
    list = withRecent(list, '/m/5.mdp.json');
    expect(list[0]).toBe('/m/5.mdp.json');
    expect(list).toHaveLength(MAX_RECENT);
    expect(new Set(list).size).toBe(list.length);
    saveRecent(dir, list);
    expect(loadRecent(dir)).toEqual(list);
    writeFileSync(join(dir, 'recent-files.json'), JSON.stringify(['relative.json', 7, '/abs.mdp.json']));
    expect(loadRecent(dir)).toEqual(['/abs.mdp.json']);
  });
});
