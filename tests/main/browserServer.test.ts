import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../src/shared/api';
import { openDatabase, SCHEMA_VERSION, type WorkbenchDatabase } from '../../src/main/db';
import { createWorkbenchService, type WorkbenchService } from '../../src/main/services';
import { startBrowserServer, type BrowserServer } from '../../src/main/server/browserServer';
import { point, tempDir, twoStateMdp } from './fixtures';

let cleanup: () => void;
let db: WorkbenchDatabase;
let service: WorkbenchService;
let server: BrowserServer;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (Host and path exactly as given; no normalisation). */
function raw(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; host?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: { Host: options.host ?? `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const auth = (): Record<string, string> => ({ Authorization: `Bearer ${server.secret}`, 'Content-Type': 'application/json' });
const call = (channel: string, payload: unknown, headers: Record<string, string> = auth()) =>
  raw('POST', `/api/call/${channel}`, { headers, body: JSON.stringify(payload) });
const mdpCount = (): number => db.sqlite.prepare('SELECT count(*) FROM mdps').pluck().get() as number;

beforeEach(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  const rendererDir = join(t.dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>wb</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(rendererDir, 'assets', 'kernel.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(t.dir, 'secret.txt'), 'TOP SECRET');
  db = openDatabase(join(t.dir, 'wb.sqlite'));
  service = createWorkbenchService(db, { version: '1.2.3', transport: 'browser' });
  server = await startBrowserServer({ service, rendererDir, port: 0 });
});
afterEach(async () => {
  await server.close();
  db.close();
  cleanup();
});

describe('browser-mode server', () => {
  it('binds 127.0.0.1 and prints a token URL', () => {
    expect(server.server.address()).toMatchObject({ address: '127.0.0.1' });
    expect(server.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.secret}`);
  });

  it('refuses API calls without the secret (401) and changes nothing', async () => {
    const none = await call('mdps:save', { document: twoStateMdp() }, { 'Content-Type': 'application/json' });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ code: 'unauthorized' });
    const wrong = await call('mdps:save', { document: twoStateMdp() }, { Authorization: `Bearer ${'0'.repeat(64)}` });
    expect(wrong.status).toBe(401);
    const unknownWithoutSecret = await call('nope:nope', {}, {});
    expect(unknownWithoutSecret.status).toBe(401);
    expect(mdpCount()).toBe(0);
  });

  it('answers calls with the secret (200) through the same services', async () => {
    const info = await call('app:info', {});
    expect(info.status).toBe(200);
    expect(info.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(info.body)).toMatchObject({ version: '1.2.3', transport: 'browser', schemaVersion: SCHEMA_VERSION });
    const saved = await call('mdps:save', { document: twoStateMdp() });
    expect(saved.status).toBe(200);
    expect(JSON.parse(saved.body)).toMatchObject({ name: 'two-state', states: 2 });
    // percent-encoded channel names work too
    const list = await raw('POST', '/api/call/mdps%3Alist', { headers: auth(), body: '{}' });
    expect(JSON.parse(list.body)).toHaveLength(1);
  });

  it('maps errors to statuses: malformed JSON 400, schema 400, unknown channel 404, not found 404, conflict 409', async () => {
    const malformed = await raw('POST', '/api/call/mdps:save', { headers: auth(), body: '{"document": {' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({ code: 'invalid-payload' });
    expect(JSON.parse(malformed.body).message).toMatch(/not valid JSON/);
    expect(mdpCount()).toBe(0);

    const invalid = await call('mdps:save', { document: { ...twoStateMdp(), gamma: 'high' } });
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).details).toContain('document.gamma: expected a number, got string');
    expect(mdpCount()).toBe(0);

    const unknown = await call('mdps:explode', {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 'unknown-channel' });
    const noApi = await raw('GET', '/api/other', { headers: auth() });
    expect(noApi.status).toBe(404);

    expect((await call('runs:get', { id: 77 })).status).toBe(404);
    const get = await raw('GET', '/api/call/app:info', { headers: auth() });
    expect(get.status).toBe(405);

    const mdp = JSON.parse((await call('mdps:save', { document: twoStateMdp() })).body);
    const run = JSON.parse(
      (await call('runs:create', { mdpId: mdp.id, method: 'ot-trpo', options: {}, backend: 'reference', seed: 0, maxIterations: 5 })).body,
    );
    await call('runs:appendTrace', { id: run.id, points: [point(0), point(1)] });
    // the same point again is a harmless retry; a different one at a stored iteration is a conflict
    expect((await call('runs:appendTrace', { id: run.id, points: [point(1)] })).status).toBe(200);
    const overlap = await call('runs:appendTrace', { id: run.id, points: [point(1, { J: 42 })] });
    expect(overlap.status).toBe(409);
    expect(JSON.parse(overlap.body)).toMatchObject({ code: 'conflict' });
    // null over JSON is an option left out: gamma absent = the MDP's gamma (D1)
    const nanGamma = await raw('POST', '/api/call/runs:create', {
      headers: auth(),
      body: JSON.stringify({ mdpId: mdp.id, method: 'npg', options: { tau: 0.1, gamma: NaN }, backend: 'reference', seed: 0, maxIterations: 5 }),
    });
    expect(nanGamma.status).toBe(200);
    expect(JSON.parse(nanGamma.body).options).toEqual({ tau: 0.1, eta: 0.05 });
    expect('gamma' in service.call('runs:get', { id: JSON.parse(nanGamma.body).id }).options).toBe(false);
  });

  it('refuses oversized bodies with 413, stream-limited, storing nothing', async () => {
    // declared too large: refused before reading
    const declared = await raw('POST', '/api/call/mdps:save', {
      headers: { ...auth(), 'Content-Length': String(MAX_PAYLOAD_BYTES + 1) },
      body: '{}',
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ code: 'too-large' });
    // really too large, streamed without a length
    const doc = twoStateMdp();
    doc.description = 'x'.repeat(MAX_PAYLOAD_BYTES + 10);
    const big = await raw('POST', '/api/call/mdps:save', {
      headers: { ...auth(), 'Transfer-Encoding': 'chunked' },
      body: JSON.stringify({ document: doc }),
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ code: 'too-large' });
    expect(mdpCount()).toBe(0);
  });

  it('answers a deeply nested payload with 400 and a message, never 500', async () => {
    // a valid document with one deeply nested extra in an open part of it
    const body = JSON.stringify({ document: twoStateMdp() }).replace('"transitions":{', `"transitions":{"x":${'['.repeat(200_000)}${']'.repeat(200_000)},`);
    const res = await raw('POST', '/api/call/mdps:save', { headers: auth(), body });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'invalid-payload', details: [expect.stringMatching(/nested deeper than 64 levels/)] });
    expect(mdpCount()).toBe(0);
  });

  it('refuses a wrong Host (DNS rebinding) and cross-origin callers', async () => {
    const rebinding = await raw('POST', '/api/call/app:info', { headers: auth(), body: '{}', host: `evil.example:${server.port}` });
    expect(rebinding.status).toBe(421);
    expect((await raw('GET', '/', { host: 'evil.example' })).status).toBe(421);
    expect((await raw('GET', '/', { host: `localhost:${server.port}` })).status).toBe(200);
    const cross = await raw('POST', '/api/call/mdps:save', {
      headers: { ...auth(), Origin: 'https://evil.example' },
      body: JSON.stringify({ document: twoStateMdp() }),
    });
    expect(cross.status).toBe(403);
    expect(mdpCount()).toBe(0);
    const same = await raw('POST', '/api/call/app:info', { headers: { ...auth(), Origin: `http://127.0.0.1:${server.port}` }, body: '{}' });
    expect(same.status).toBe(200);
  });

  it('serves the renderer with the CSP and MIME types, and refuses path traversal', async () => {
    const index = await raw('GET', '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).toContain(`ws://127.0.0.1:${server.port}`);
    expect((await raw('GET', '/assets/app.js')).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await raw('GET', '/assets/kernel.wasm')).headers['content-type']).toBe('application/wasm');
    expect((await raw('GET', '/assets/missing.js')).status).toBe(404);
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets%2f..%2f..%2fsecret.txt']) {
      const res = await raw('GET', path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body, path).not.toContain('TOP SECRET');
    }
  });

  it('pushes onRunChanged over an authenticated WebSocket after runs:finish', async () => {
    const mdp = JSON.parse((await call('mdps:save', { document: twoStateMdp() })).body);
    const run = JSON.parse(
      (await call('runs:create', { mdpId: mdp.id, method: 'ot-trpo', options: {}, backend: 'reference', seed: 0, maxIterations: 5 })).body,
    );
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, ['workbench-events', `bearer.${server.secret}`]);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('workbench-events');
    const received = new Promise<{ event: string; data: { id: number; status: string } }>((resolve) => {
      ws.on('message', (m) => {
        const msg = JSON.parse(String(m));
        if (msg.event === 'onRunChanged' && msg.data.status === 'cancelled') resolve(msg);
      });
    });
    const finished = await call('runs:finish', { id: run.id, status: 'cancelled' });
    expect(finished.status).toBe(200);
    const msg = await received;
    expect(msg.data).toMatchObject({ id: run.id, status: 'cancelled' });
    ws.close();
  });

  it('refuses a WebSocket without the secret or from another origin', async () => {
    const attempt = (protocols: string[], headers: Record<string, string> = {}) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, protocols, { headers });
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.once('error', () => resolve('error'));
      });
    expect(await attempt(['workbench-events'])).toBe('401');
    expect(await attempt(['workbench-events', `bearer.${'1'.repeat(64)}`])).toBe('401');
    expect(await attempt(['workbench-events', `bearer.${server.secret}`], { Origin: 'https://evil.example' })).toBe('403');
    expect(server.socketCount).toBe(0);
  });
});
