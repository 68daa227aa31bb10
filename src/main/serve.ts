/**
 * Browser mode: `node out/main/serve.js [--port N] [--db FILE] [--renderer DIR] [--print-json] [--help]`.
 * Flags are strict (node:util parseArgs): an unknown flag or a missing value is exit 2 with the list of
 * known flags, so `--dbb FILE` never starts on the default database.
 * Serves out/renderer and the contract on 127.0.0.1 only (see server/browserServer.ts).
 *
 * stdout, first line, machine-readable:   WORKBENCH_URL=http://127.0.0.1:PORT/#token=SECRET
 *   (with --print-json instead: {"url":..., "origin":..., "port":..., "token":..., "db":...})
 * then a human line. Port: --port, else WORKBENCH_PORT, else 5317; 0 = any free port.
 * Exit codes: 0 after SIGINT/SIGTERM (database closed), 1 when the database cannot be opened or the
 * port is taken (message on stderr; no retry loop), 2 for bad arguments.
 *
 * Runs and leases: start-up marks 'interrupted' only runs whose lease has expired, and a sweep every
 * lease/2 does the same for runs whose owner died while the server runs (a kill -9'd CLI). A live CLI run
 * or another server's page keeps renewing its lease and is never touched. The lease length is
 * WORKBENCH_LEASE_MS (default 30 000 ms; src/main/services/runs.ts).
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { DatabaseOpenError, openDatabase, resolveDatabasePath } from './db';
import { createWorkbenchService, leaseMsFromEnv } from './services';
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

/** The flags serve.js knows, for parseArgs and the usage text. */
export const SERVE_FLAGS = {
  port: { type: 'string', hint: 'N', help: 'port on 127.0.0.1 (0 = any free port; default WORKBENCH_PORT, else 5317)' },
  db: { type: 'string', hint: 'FILE', help: 'the workbench database (default WORKBENCH_DB, else the user-data folder)' },
  renderer: { type: 'string', hint: 'DIR', help: 'the built renderer (default out/renderer)' },
  'print-json': { type: 'boolean', hint: '', help: 'print the URL, port, token and database as one JSON line' },
  help: { type: 'boolean', hint: '', help: 'print this text' },
} as const;

export function serveUsage(): string {
  const lines = Object.entries(SERVE_FLAGS).map(([name, f]) => `  --${`${name} ${f.hint}`.trim().padEnd(18)} ${f.help}`);
  return (
    `usage: node out/main/serve.js [flags]\n${lines.join('\n')}\n` +
    'environment:\n' +
    '  WORKBENCH_PORT      port when --port is not given\n' +
    '  WORKBENCH_DB        database when --db is not given\n' +
    '  WORKBENCH_TOKEN     a fixed secret (32-256 hex digits): an open tab keeps working across a restart\n' +
    '  WORKBENCH_LEASE_MS  run lease, ms (default 30000): a run whose owner stops renewing it for this long\n' +
    '                      is marked interrupted (at start-up and by a sweep every lease/2)\n'
  );
}

/** Strict flags: unknown flags, positionals and missing values are exit 2 with the known flags. */
function parseServeArgs(argv: string[]): { port?: string; db?: string; renderer?: string; 'print-json'?: boolean; help?: boolean } {
  const options = Object.fromEntries(Object.entries(SERVE_FLAGS).map(([k, f]) => [k, { type: f.type }])) as {
    [K in keyof typeof SERVE_FLAGS]: { type: (typeof SERVE_FLAGS)[K]['type'] };
  };
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    fail(2, `wasserstein-workbench serve: ${why}\n${serveUsage()}`);
  }
}

/**
 * WORKBENCH_TOKEN: a fixed secret (32 to 256 hex digits) instead of a fresh random one, so that a tab
 * keeps working across a restart of the server on the same port (its unsent run results are then
 * delivered). Anything else is refused (exit 2): a weak secret must not be used silently.
 */
function tokenFromEnv(): string | undefined {
  const raw = process.env.WORKBENCH_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[0-9a-f]{32,256}$/i.test(raw)) fail(2, 'wasserstein-workbench serve: WORKBENCH_TOKEN must be 32 to 256 hex digits');
  return raw.toLowerCase();
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flags = parseServeArgs(argv);
  if (flags.help) {
    process.stdout.write(serveUsage());
    process.exit(0);
  }
  const port = parsePort(flags.port ?? process.env.WORKBENCH_PORT);
  const rendererDir = resolve(flags.renderer ?? fileURLToPath(new URL('../renderer', import.meta.url)));
  if (!existsSync(resolve(rendererDir, 'index.html')))
    fail(1, `wasserstein-workbench serve: no index.html in ${rendererDir}; run 'npx electron-vite build' first or pass --renderer DIR`);
  const dbPath = resolveDatabasePath(flags.db === undefined ? [] : ['--db', flags.db], process.env);

  let db;
  try {
    db = openDatabase(dbPath);
  } catch (e) {
    fail(1, e instanceof DatabaseOpenError ? e.message : `Cannot open the workbench database ${dbPath}: ${String(e)}`);
  }
  const service = createWorkbenchService(db, { version: APP_VERSION, transport: 'browser' }, { sweepIntervalMs: leaseMsFromEnv() / 2 });
  let server;
  try {
    server = await startBrowserServer({ service, rendererDir, port, secret: tokenFromEnv() });
  } catch (e) {
    db.close();
    const code = (e as { code?: string }).code;
    fail(1, code === 'EADDRINUSE' ? `wasserstein-workbench serve: port ${port} is in use; pass --port N (0 = any free port)` : String(e));
  }

  if (flags['print-json'])
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
    service.dispose();
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
