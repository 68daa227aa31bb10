/**
 * Browser mode: the renderer and the contract over HTTP on 127.0.0.1 only.
 *
 *   GET  /, /assets/...        out/renderer, with the app's CSP (no auth: the page is not secret, and
 *                              the browser must load it before it can read the token)
 *   POST /api/call/<channel>   JSON payload → 200 JSON result, or ApiErrorBody with 4xx/5xx
 *   GET  /api/events           WebSocket; server → client messages {"event": name, "data": ...}
 *
 * Every request: Host must be 127.0.0.1:PORT / localhost:PORT (DNS rebinding), a present Origin must
 * be this server's. Every /api request: the per-launch secret, `Authorization: Bearer <secret>` (HTTP)
 * or the WebSocket subprotocol `bearer.<secret>` (offer ['workbench-events', 'bearer.<secret>']; the
 * server answers 'workbench-events' and never echoes the secret back). Without it: 401 and nothing runs.
 * Order of API checks: host, origin, secret, method, channel (404 unknown-channel), size (413: at once
 * from Content-Length, else while streaming), JSON (400), schema (400), handler — the same `invokeCall`
 * as the Electron IPC handlers.
 *
 * Limits (a local page needs a handful of connections; a stuck or hostile client must not hold the
 * process): at most `maxConnections` TCP connections (further ones are closed at once) and
 * `maxEventSockets` event sockets (503); a request must arrive completely within `requestTimeoutMs`
 * (Node answers 408 and closes), headers within `headersTimeoutMs`, and an idle socket is closed after
 * `idleTimeoutMs`. A 413 is written before the body is read and the connection then lingers, reading
 * and discarding, until the client has sent its body (or `lingerMs`): closing a socket with unread data
 * makes the kernel send a reset that destroys the response before the client reads it.
 *
 * Runs and closed sockets: a WebSocket closing (tab reload, tab closed) does not touch runs. A run that
 * was 'running' stays so until its page calls runs:finish (e.g. 'interrupted' for the run its reloaded
 * page no longer computes) or its lease expires (the page stopped renewing it): then the start-up
 * recovery or the periodic sweep (serve.ts) marks it 'interrupted'.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_PAYLOAD_BYTES, type ApiErrorBody } from '../../shared/api';
import { isCallName } from '../../shared/apiSchemas';
import { HTTP_CALL_PATH, HTTP_EVENTS_PATH } from '../../shared/wire';
import { httpStatusFor, type WorkbenchService } from '../services';
import { securityHeaders } from '../security/csp';
import {
  EVENTS_PROTOCOL,
  bearerMatches,
  isAllowedHost,
  isAllowedOrigin,
  parseProtocols,
  protocolsCarrySecret,
} from './requestGuards';
import { mimeTypeFor, resolveStaticPath } from './staticFiles';

export const DEFAULT_PORT = 5317;

export interface BrowserServerOptions {
  service: WorkbenchService;
  /** folder with index.html (out/renderer) */
  rendererDir: string;
  /** 0 = any free port */
  port?: number;
  /** defaults to crypto.randomBytes(32) hex */
  secret?: string;
  /** the body limit; defaults to MAX_PAYLOAD_BYTES */
  maxPayloadBytes?: number;
  /** TCP connections at once (default 64) */
  maxConnections?: number;
  /** authenticated event WebSockets at once (default 16) */
  maxEventSockets?: number;
  /** the whole request (headers and body) must arrive within this, ms (default 30 000) */
  requestTimeoutMs?: number;
  /** the headers must arrive within this, ms (default 10 000; at most requestTimeoutMs) */
  headersTimeoutMs?: number;
  /** a socket with no traffic is closed after this, ms (default 120 000) */
  idleTimeoutMs?: number;
  /** after an early 413: how long to keep discarding the client's body before closing, ms (default 5 000) */
  lingerMs?: number;
}

export const BRIDGE_LIMITS = {
  maxConnections: 64,
  maxEventSockets: 16,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  lingerMs: 5_000,
} as const;

export interface BrowserServer {
  readonly port: number;
  readonly origin: string;
  readonly secret: string;
  /** the URL to open: http://127.0.0.1:PORT/#token=SECRET */
  readonly url: string;
  readonly server: Server;
  /** connected, authenticated event sockets */
  readonly socketCount: number;
  close(): Promise<void>;
}

const API_CALL_PREFIX = HTTP_CALL_PATH;
const EVENTS_PATH = HTTP_EVENTS_PATH;

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, error: ApiErrorBody, extra: Record<string, string> = {}): void {
  sendJson(res, status, error, extra);
}

function sendPlain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

type BodyResult = { ok: true; text: string } | { ok: false; tooLarge: true; bytes: number };

/**
 * Read a request body up to `limit` bytes; past the limit stop collecting and report it (the caller
 * answers 413 with `refuseAndLinger`, which keeps discarding the rest).
 */
function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let over = false;
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > limit) {
        over = true;
        chunks.length = 0;
        req.off('data', onData);
        resolveBody({ ok: false, tooLarge: true, bytes });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (!over) resolveBody({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', reject);
  });
}

/**
 * Answer with a final error and close the connection without losing the answer: the response is
 * written straight to the socket, our side is half-closed (FIN), and the request body the client is
 * still sending is read and discarded until it ends (or `lingerMs`), and only then is the socket
 * destroyed. (Node's own close after `Connection: close` destroys the socket at once; with unread
 * bytes in the receive buffer the kernel then sends RST and the client loses the 413.)
 */
function refuseAndLinger(req: IncomingMessage, res: ServerResponse, status: number, error: ApiErrorBody, lingerMs: number): void {
  const socket = req.socket;
  const text = JSON.stringify(error);
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(text)}\r\n` +
    'Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n';
  // the ServerResponse is never used: Node must not write its own answer or reuse the socket
  res.detachSocket(socket);
  socket.write(head + text);
  socket.end();
  const done = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(done, lingerMs);
  timer.unref();
  req.on('end', done);
  req.on('error', done);
  socket.on('close', () => clearTimeout(timer));
  req.resume();
}

export function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const { service, rendererDir } = options;
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const limit = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  const maxEventSockets = options.maxEventSockets ?? BRIDGE_LIMITS.maxEventSockets;
  const lingerMs = options.lingerMs ?? BRIDGE_LIMITS.lingerMs;
  const requestTimeout = options.requestTimeoutMs ?? BRIDGE_LIMITS.requestTimeoutMs;
  let port = options.port ?? DEFAULT_PORT;
  let origin = '';
  const sockets = new Set<WebSocket>();
  const connections = new Set<Socket>();

  async function handleApiCall(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'POST') {
      sendError(res, 405, { code: 'invalid-payload', message: 'API calls are POST requests' }, { Allow: 'POST' });
      return;
    }
    let channel: string;
    try {
      channel = decodeURIComponent(pathname.slice(API_CALL_PREFIX.length));
    } catch {
      channel = pathname.slice(API_CALL_PREFIX.length);
    }
    if (!isCallName(channel)) {
      sendError(res, 404, { code: 'unknown-channel', message: `unknown channel '${channel.slice(0, 100)}'` });
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      refuseAndLinger(req, res, 413, { code: 'too-large', message: `payload is ${declared} bytes; the limit is ${limit} bytes` }, lingerMs);
      return;
    }
    const body = await readBody(req, limit);
    if (!body.ok) {
      refuseAndLinger(req, res, 413, { code: 'too-large', message: `payload exceeds the limit of ${limit} bytes` }, lingerMs);
      return;
    }
    let payload: unknown;
    if (body.text.trim() === '') payload = {};
    else {
      try {
        payload = JSON.parse(body.text);
      } catch (e) {
        sendError(res, 400, {
          code: 'invalid-payload',
          message: `the request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
        });
        return;
      }
    }
    const outcome = service.invoke(channel, payload, { payloadBytes: Buffer.byteLength(body.text) });
    if (outcome.ok) sendJson(res, 200, outcome.result === undefined ? null : outcome.result);
    else sendError(res, httpStatusFor(outcome.error.code), outcome.error);
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      res.end();
      return;
    }
    const file = resolveStaticPath(rendererDir, pathname);
    if (!file) {
      sendPlain(res, 400, 'bad path');
      return;
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      sendPlain(res, 404, 'not found');
      return;
    }
    res.writeHead(200, {
      ...securityHeaders({ origin }),
      'Content-Type': mimeTypeFor(file),
      'Content-Length': size,
      'Cache-Control': file.endsWith('.html') ? 'no-cache' : 'public, max-age=3600',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  const headersTimeout = Math.min(options.headersTimeoutMs ?? BRIDGE_LIMITS.headersTimeoutMs, requestTimeout);
  const server = createServer({
    requestTimeout,
    headersTimeout,
    // how often Node checks the two timeouts above (its default, 30 s, would hold a stalled body that long)
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 2))),
  }, (req, res) => {
    const host = req.headers.host;
    if (!isAllowedHost(host, port)) {
      sendError(res, 421, { code: 'unauthorized', message: `requests must be addressed to 127.0.0.1:${port} or localhost:${port}` });
      req.resume();
      return;
    }
    if (!isAllowedOrigin(req.headers.origin, port)) {
      sendError(res, 403, { code: 'unauthorized', message: 'cross-origin requests are refused' });
      req.resume();
      return;
    }
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', origin).pathname;
    } catch {
      sendPlain(res, 400, 'bad request');
      return;
    }
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      if (!bearerMatches(req.headers.authorization, secret)) {
        sendError(res, 401, { code: 'unauthorized', message: 'missing or wrong secret (Authorization: Bearer <token from the launch URL>)' }, {
          'WWW-Authenticate': 'Bearer',
        });
        req.resume();
        return;
      }
      if (pathname.startsWith(API_CALL_PREFIX)) {
        handleApiCall(req, res, pathname).catch((e: unknown) => {
          if (!res.headersSent) sendError(res, 500, { code: 'internal', message: e instanceof Error ? e.message : String(e) });
          else res.destroy();
        });
        return;
      }
      sendError(res, 404, { code: 'unknown-channel', message: `no API at ${pathname.slice(0, 100)}` });
      req.resume();
      return;
    }
    handleStatic(req, res, pathname);
  });
  server.maxConnections = options.maxConnections ?? BRIDGE_LIMITS.maxConnections;
  server.keepAliveTimeout = 5_000;
  server.timeout = options.idleTimeoutMs ?? BRIDGE_LIMITS.idleTimeoutMs;
  server.on('connection', (s) => {
    connections.add(s);
    s.on('close', () => connections.delete(s));
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024, // clients have nothing to say on this socket
    // acknowledge the events protocol only: the `bearer.<secret>` offer is a credential, never echoed
    handleProtocols: (protocols) => (protocols.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false),
  });
  const unsubscribe = service.events.subscribe((event, data) => {
    if (sockets.size === 0) return;
    const message = JSON.stringify({ event, data });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message);
  });

  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let pathname = '';
    try {
      pathname = new URL(req.url ?? '/', origin).pathname;
    } catch {
      /* refused below */
    }
    if (!isAllowedHost(req.headers.host, port)) return refuse(421, 'Misdirected Request');
    if (!isAllowedOrigin(req.headers.origin, port)) return refuse(403, 'Forbidden');
    if (pathname !== EVENTS_PATH) return refuse(404, 'Not Found');
    const offered = parseProtocols(req.headers['sec-websocket-protocol'] as string | undefined);
    if (!protocolsCarrySecret(offered, secret) && !bearerMatches(req.headers.authorization, secret)) return refuse(401, 'Unauthorized');
    if (sockets.size >= maxEventSockets) return refuse(503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.on('message', () => {
        /* ignored: events flow server → client only */
      });
    });
  });

  return new Promise((resolveStart, rejectStart) => {
    server.once('error', rejectStart);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', rejectStart);
      port = (server.address() as AddressInfo).port;
      origin = `http://127.0.0.1:${port}`;
      let closing: Promise<void> | null = null;
      resolveStart({
        port,
        origin,
        secret,
        url: `${origin}/#token=${secret}`,
        server,
        get socketCount() {
          return sockets.size;
        },
        close() {
          closing ??= new Promise<void>((done) => {
            unsubscribe();
            for (const ws of sockets) ws.close(1001, 'server shutting down');
            wss.close();
            server.close(() => done());
            server.closeIdleConnections();
            setTimeout(() => {
              for (const s of connections) s.destroy();
            }, 1000).unref();
          });
          return closing;
        },
      });
    });
  });
}
