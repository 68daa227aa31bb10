/**
 * Browser mode: `node out/main/serve.js [--port N] [--db FILE] [--renderer DIR] [--print-json]`.
 * Serves out/renderer and the contract on 127.0.0.1 only (see server/browserServer.ts).
 *
 * stdout, first line, machine-readable:   WORKBENCH_URL=http://127.0.0.1:PORT/#token=SECRET
 *   (with --print-json instead: {"url":..., "origin":..., "port":..., "token":..., "db":...})
 * then a human line. Port: --port, else WORKBENCH_PORT, else 5317; 0 = any free port.
 * Exit codes: 0 after SIGINT/SIGTERM (database closed), 1 when the database cannot be opened or the
 * port is taken (message on stderr; no retry loop), 2 for bad arguments.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { DatabaseOpenError, argValue, openDatabase, resolveDatabasePath } from './db';
import { createWorkbenchService } from './services';
import { DEFAULT_PORT, startBrowserServer } from './server/browserServer';
import { APP_VERSION } from './version';

function fail(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(2, `wasserstein-workbench serve: invalid port '${raw}' (0..65535; 0 = any free port)`);
  return n;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const port = parsePort(argValue(argv, '--port') ?? process.env.WORKBENCH_PORT);
  const rendererDir = resolve(argValue(argv, '--renderer') ?? fileURLToPath(new URL('../renderer', import.meta.url)));
  if (!existsSync(resolve(rendererDir, 'index.html')))
    fail(1, `wasserstein-workbench serve: no index.html in ${rendererDir}; run 'npx electron-vite build' first or pass --renderer DIR`);
  const dbPath = resolveDatabasePath(argv, process.env);

  let db;
  try {
    db = openDatabase(dbPath);
  } catch (e) {
    fail(1, e instanceof DatabaseOpenError ? e.message : `Cannot open the workbench database ${dbPath}: ${String(e)}`);
  }
  const service = createWorkbenchService(db, { version: APP_VERSION, transport: 'browser' });
  let server;
  try {
    server = await startBrowserServer({ service, rendererDir, port });
  } catch (e) {
    db.close();
    const code = (e as { code?: string }).code;
    fail(1, code === 'EADDRINUSE' ? `wasserstein-workbench serve: port ${port} is in use; pass --port N (0 = any free port)` : String(e));
  }

  if (argv.includes('--print-json'))
    process.stdout.write(`${JSON.stringify({ url: server.url, origin: server.origin, port: server.port, token: server.secret, db: dbPath })}\n`);
  else process.stdout.write(`WORKBENCH_URL=${server.url}\n`);
  process.stdout.write(`Wasserstein Workbench (browser mode) — open ${server.url}\n  database: ${dbPath}\n`);
  if (service.recoveredRunIds.length)
    process.stdout.write(`  marked ${service.recoveredRunIds.length} unfinished run(s) from an earlier session as interrupted\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: shutting down\n`);
    const force = setTimeout(() => {
      db.close();
      process.exit(0);
    }, 3000);
    force.unref();
    void server.close().then(() => {
      db.close();
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
