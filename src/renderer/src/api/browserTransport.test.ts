import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkbenchApiError } from '../../../shared/api';
import { createBrowserApi, takeToken } from './browserTransport';

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('takeToken', () => {
  it('reads #token=, stores it, and removes it from the visible URL', () => {
    const replaceState = vi.fn();
    vi.stubGlobal('history', { state: null, replaceState });
    const store = memoryStorage();
    const loc = { hash: '#token=abc123&view=runs', pathname: '/', search: '' } as Location;
    expect(takeToken(loc, store)).toBe('abc123');
    expect(store.getItem('wwb.token')).toBe('abc123');
    expect(replaceState).toHaveBeenCalledWith(null, '', '/#view=runs');
    // a reload (no fragment) finds it in sessionStorage
    expect(takeToken({ hash: '', pathname: '/', search: '' } as Location, store)).toBe('abc123');
  });
});

describe('createBrowserApi', () => {
  it('POSTs /api/call/<channel> with the bearer token and returns the JSON result', async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ deleted: true }), { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const api = createBrowserApi({ baseUrl: 'http://127.0.0.1:9', token: 's3cret' });
    expect(api.transport).toBe('browser');
    await expect(api['runs:delete']({ id: 4 })).resolves.toEqual({ deleted: true });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:9/api/call/runs:delete');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer s3cret');
    expect(JSON.parse(init.body as string)).toEqual({ id: 4 });
  });

  it('turns an ApiErrorBody into a WorkbenchApiError with code, message and details', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ code: 'invalid-payload', message: 'bad document', details: ['gamma: must be < 1'] }), { status: 400 })),
    );
    const api = createBrowserApi({ baseUrl: 'http://127.0.0.1:9', token: 't' });
    const err = await api['mdps:get']({ id: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchApiError);
    expect(err).toMatchObject({ code: 'invalid-payload', message: 'bad document', details: ['gamma: must be < 1'] });
  });

  it('maps a bare HTTP status and a network failure to coded errors', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('', { status: 401 })));
    const api = createBrowserApi({ baseUrl: 'http://127.0.0.1:9', token: 't' });
    await expect(api['app:info']({})).rejects.toMatchObject({ code: 'unauthorized' });
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('connection refused'))));
    await expect(api['app:info']({})).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('unreachable') });
  });

  it('refuses to call without a token', async () => {
    const api = createBrowserApi({ baseUrl: 'http://127.0.0.1:9', token: null });
    await expect(api['app:info']({})).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
