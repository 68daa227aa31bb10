/**
 * The browser-mode bridge under hostile or broken clients, with real TCP sockets: an early 413 that
 * survives a client sending its whole body at once, the cap on connections and on event sockets, the
 * timeout of a stalled body, and a WebSocket handshake that never echoes the secret.
 */
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type WorkbenchDatabase } from '../../src/main/db';
import { createWorkbenchService } from '../../src/main/services';
import { startBrowserServer, type BrowserServer, type BrowserServerOptions } from '../../src/main/server/browserServer';
import { tempDir, twoStateMdp } from './fixtures';

let cleanup: (() => void) | null = null;
let db: WorkbenchDatabase | null = null;
let server: BrowserServer | null = null;
const sockets: Socket[] = [];

async function start(options: Partial<BrowserServerOptions> = {}): Promise<BrowserServer> {
  const t = tempDir();
  cleanup = t.cleanup;
  const rendererDir = join(t.dir, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>wb</title>');
  db = openDatabase(join(t.dir, 'wb.sqlite'));
  const service = createWorkbenchService(db, { version: '1', transport: 'browser' });
  server = await startBrowserServer({ service, rendererDir, port: 0, ...options });
  return server;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  db?.close();
  cleanup?.();
  server = null;
  db = null;
  cleanup = null;
});

/** Open a TCP connection; resolves once connected. */
function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
    sockets.push(s);
  });
}

/** Everything the server sends until it closes the connection (resets count as a close). */
function readAll(s: Socket): Promise<{ text: string; reset: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let reset = false;
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => (reset = true));
    s.on('close', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), reset }));
  });
}

const head = (srv: BrowserServer, path: string, headers: Record<string, string | number>): string =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${srv.secret}\r\nContent-Type: application/json\r\n` +
  Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('') +
  '\r\n';

const mdpCount = (): number => db!.sqlite.prepare('SELECT count(*) FROM mdps').pluck().get() as number;

describe('bridge limits', () => {
  it('answers 413 from Content-Length before reading, and the answer survives a client that sends the whole body at once', async () => {
    const srv = await start({ maxPayloadBytes: 64 * 1024 });
    for (const size of [200 * 1024, 4 * 1024 * 1024]) {
      const s = await tcp(srv.port);
      const got = readAll(s);
      const body = Buffer.alloc(size, 0x20); // whitespace: valid JSON padding, never parsed
      s.write(Buffer.concat([Buffer.from(head(srv, '/api/call/mdps:save', { 'Content-Length': size })), body]));
      const { text } = await got;
      expect(text, `body of ${size} bytes`).toMatch(/^HTTP\/1\.1 413 /);
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'too-large', message: expect.stringMatching(/limit is 65536 bytes/) });
    }
    // without a length (chunked), refused while streaming, answer delivered as well
    const s = await tcp(srv.port);
    const got = readAll(s);
    const chunk = Buffer.alloc(128 * 1024, 0x20);
    s.write(head(srv, '/api/call/mdps:save', { 'Transfer-Encoding': 'chunked' }));
    for (let i = 0; i < 24; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
    s.write('0\r\n\r\n');
    const { text } = await got;
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/exceeds the limit of 65536 bytes/);
    expect(mdpCount()).toBe(0);
  });

  it('closes a request whose body stalls (408) and runs nothing', async () => {
    const srv = await start({ requestTimeoutMs: 800, headersTimeoutMs: 400 });
    const s = await tcp(srv.port);
    const got = readAll(s);
    const body = JSON.stringify({ document: twoStateMdp() });
    s.write(head(srv, '/api/call/mdps:save', { 'Content-Length': Buffer.byteLength(body) }) + body.slice(0, 20)); // ... and nothing more
    const { text } = await got;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(mdpCount()).toBe(0);
    // the server still answers others
    const ok = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: srv.port, path: '/', headers: { Host: `127.0.0.1:${srv.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(ok).toBe(200);
  });

  it('caps concurrent connections: one more than the cap is closed at once, a freed slot is usable again', async () => {
    const srv = await start({ maxConnections: 4 });
    const held = [await tcp(srv.port), await tcp(srv.port), await tcp(srv.port), await tcp(srv.port)];
    // let the server register them
    await new Promise((r) => setTimeout(r, 50));
    const extra = await tcp(srv.port);
    const closed = readAll(extra);
    extra.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`);
    expect((await closed).text).toBe(''); // dropped without an answer
    held[0].destroy();
    await new Promise((r) => setTimeout(r, 50));
    const again = await tcp(srv.port);
    const answer = readAll(again);
    again.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`);
    expect((await answer).text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('acknowledges the events subprotocol, never the secret, and caps event sockets', async () => {
    const srv = await start({ maxEventSockets: 2 });
    /** the raw 101 answer's subprotocol header, or the status of a refusal */
    const handshake = (protocols: string[], headers: Record<string, string> = {}) =>
      new Promise<{ status: number; protocol: string | undefined; socket?: Socket }>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port: srv.port,
          path: '/api/events',
          headers: {
            Host: `127.0.0.1:${srv.port}`,
            Connection: 'Upgrade',
            Upgrade: 'websocket',
            'Sec-WebSocket-Version': '13',
            'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
            ...(protocols.length ? { 'Sec-WebSocket-Protocol': protocols.join(', ') } : {}),
            ...headers,
          },
        });
        req.on('upgrade', (res, socket) => {
          sockets.push(socket);
          resolve({ status: res.statusCode ?? 0, protocol: res.headers['sec-websocket-protocol'] as string | undefined, socket });
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, protocol: res.headers['sec-websocket-protocol'] as string | undefined });
        });
        req.on('error', reject);
        req.end();
      });
    const both = await handshake(['workbench-events', `bearer.${srv.secret}`]);
    expect(both).toMatchObject({ status: 101, protocol: 'workbench-events' });
    // only the credential offered: accepted (it authenticates) but not acknowledged as a subprotocol
    const onlyBearer = await handshake([`bearer.${srv.secret}`]);
    expect(onlyBearer.status).toBe(101);
    expect(onlyBearer.protocol ?? '').not.toContain(srv.secret);
    expect(onlyBearer.protocol).toBeUndefined();
    // the cap: a third event socket is refused
    expect((await handshake(['workbench-events', `bearer.${srv.secret}`])).status).toBe(503);
    both.socket?.destroy();
    onlyBearer.socket?.destroy();
    await new Promise((r) => setTimeout(r, 50));
    // a real client still connects once a slot is free
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/events`, ['workbench-events', `bearer.${srv.secret}`]);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('workbench-events');
    ws.close();
  });
});
