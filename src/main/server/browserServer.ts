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
 * server answers 'workbench-events'). Without it: 401 and nothing runs. Order of API checks: host,
 * origin, secret, method, channel (404 unknown-channel), size (413, stream-limited), JSON (400), schema
 * (400), handler — the same `invokeCall` as the Electron IPC handlers.
 *
 * Runs and closed sockets: a WebSocket closing (tab reload, tab closed) does not touch runs. A run that
 * was 'running' stays so until the renderer calls runs:finish (e.g. 'interrupted' for the run its
 * reloaded page no longer computes) or the next start-up marks it 'interrupted'.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_PAYLOAD_BYTES, type ApiErrorBody } from '../../shared/api';
import { HTTP_CALL_PATH, HTTP_EVENTS_PATH, isCallName } from '../../shared/apiSchemas';
import { httpStatusFor, type WorkbenchService } from '../services';
import { securityHeaders } from '../security/csp';
import {
  BEARER_PROTOCOL_PREFIX,
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
}

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
 * Read a request body up to `limit` bytes. Past the limit the rest is drained and discarded (so the
 * client can read the 413), and the connection is dropped if it keeps sending far beyond.
 */
function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (over) {
        if (bytes > limit * 2 + 1_048_576) req.destroy();
        return;
      }
      if (bytes > limit) {
        over = true;
        chunks.length = 0;
        resolveBody({ ok: false, tooLarge: true, bytes });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolveBody({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', reject);
  });
}

export function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const { service, rendererDir } = options;
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const limit = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
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
      sendError(res, 413, { code: 'too-large', message: `payload is ${declared} bytes; the limit is ${limit} bytes` }, { Connection: 'close' });
      req.resume();
      return;
    }
    const body = await readBody(req, limit);
    if (!body.ok) {
      sendError(res, 413, { code: 'too-large', message: `payload exceeds the limit of ${limit} bytes` }, { Connection: 'close' });
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

  const server = createServer((req, res) => {
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
  server.on('connection', (s) => {
    connections.add(s);
    s.on('close', () => connections.delete(s));
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024, // clients have nothing to say on this socket
    handleProtocols: (protocols) => (protocols.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : ([...protocols].find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX)) ?? false)),
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
