import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, DESKTOP_CALL_NAMES, EVENT_NAMES } from '../../src/shared/api';
import { IPC_EVENT_CHANNEL } from '../../src/shared/apiSchemas';
import { openDatabase, type WorkbenchDatabase } from '../../src/main/db';
import { registerIpcHandlers } from '../../src/main/ipc/registerIpc';
import { createWorkbenchService, type WorkbenchService } from '../../src/main/services';
import { tempDir, twoStateMdp } from './fixtures';

type Handler = (event: unknown, payload: unknown) => unknown;

const mocks = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoke: vi.fn(),
  on: vi.fn(),
}));
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => mocks.exposed.set(key, api) },
  ipcRenderer: { invoke: mocks.invoke, on: mocks.on },
}));

let cleanup: () => void;
let db: WorkbenchDatabase;
let service: WorkbenchService;
let handlers: Map<string, Handler>;

beforeEach(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  db = openDatabase(join(t.dir, 'wb.sqlite'));
  service = createWorkbenchService(db, { version: '1', transport: 'electron' });
  handlers = new Map();
  const fakeIpcMain = {
    handle: (channel: string, h: Handler) => handlers.set(channel, h),
    removeHandler: (channel: string) => handlers.delete(channel),
  };
  registerIpcHandlers(fakeIpcMain as never, service);
});
afterEach(() => {
  db.close();
  cleanup();
});

const frame = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } });

describe('IPC handlers', () => {
  it('registers one handler per call', () => {
    expect([...handlers.keys()].sort()).toEqual([...CALL_NAMES].sort());
  });

  it('checks the sender frame before anything runs', () => {
    const save = handlers.get('mdps:save')!;
    for (const event of [frame('https://evil.example/'), frame('file:///tmp/x.html'), frame('app://workbench/index.html', {}), { senderFrame: null }]) {
      expect(save(event, { document: twoStateMdp() })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    }
    expect(db.sqlite.prepare('SELECT count(*) FROM mdps').pluck().get()).toBe(0);
    expect(save(frame('app://workbench/index.html'), { document: twoStateMdp() })).toMatchObject({ ok: true, result: { name: 'two-state' } });
  });

  it('validates the payload with the shared schemas', () => {
    const out = handlers.get('runs:get')!(frame('app://workbench/index.html'), { id: -1 });
    expect(out).toEqual({ ok: false, error: { code: 'invalid-payload', message: 'invalid payload for runs:get', details: ['id: must be >= 1, got -1'] } });
  });
});

describe('preload', () => {
  it('exposes one wrapper per call, on() for known events and the transport, nothing else', async () => {
    await import('../../src/preload/index');
    const api = mocks.exposed.get('workbench') as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...CALL_NAMES, 'on', 'transport'].sort());
    expect(api.transport).toBe('electron');
    // besides `workbench`, only the desktop-only calls (native dialogs, menu state), closed the same way
    expect([...mocks.exposed.keys()].sort()).toEqual(['workbench', 'workbenchDesktop']);
    expect(Object.keys(mocks.exposed.get('workbenchDesktop') as object).sort()).toEqual([...DESKTOP_CALL_NAMES, 'on'].sort());

    mocks.invoke.mockResolvedValueOnce({ ok: true, result: { version: '1' } });
    await expect((api['app:info'] as (p: unknown) => Promise<unknown>)({})).resolves.toEqual({ version: '1' });
    expect(mocks.invoke).toHaveBeenLastCalledWith('app:info', {});
    mocks.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'not-found', message: 'run 3 does not exist' } });
    await expect((api['runs:get'] as (p: unknown) => Promise<unknown>)({ id: 3 })).rejects.toEqual({
      name: 'WorkbenchApiError',
      code: 'not-found',
      message: 'run 3 does not exist',
      details: [],
    });

    const on = api.on as (e: string, l: (d: unknown) => void) => () => void;
    expect(() => on('onSecret', () => {})).toThrow(/unknown event/);
    const seen: unknown[] = [];
    const off = on(EVENT_NAMES[0], (d) => seen.push(d));
    const [channel, dispatch] = mocks.on.mock.calls[0] as [string, (e: unknown, name: string, data: unknown) => void];
    expect(channel).toBe(IPC_EVENT_CHANNEL);
    dispatch({}, EVENT_NAMES[0], { id: 1 });
    dispatch({}, 'onOther', { id: 2 });
    off();
    dispatch({}, EVENT_NAMES[0], { id: 3 });
    expect(seen).toEqual([{ id: 1 }]);
  });
});
