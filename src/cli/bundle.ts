/**
 * `wwb export-bundle` / `wwb import-bundle`: experiment bundles (src/shared/bundleFormat.ts) from a
 * terminal, through the same services as the app (src/main/services/bundle.ts).
 *
 *   wwb export-bundle --db F (--experiment NAME|ID)... (--run ID)... --out FILE[.gz] [--gzip] [--json]
 *   wwb import-bundle FILE[.gz] --db F [--json]
 *
 * The export is written to a temporary file beside FILE and renamed, so a failed write never leaves a
 * half bundle; a path that cannot be written gets one line naming the path and the reason (exit 2).
 * A gzip file (by its magic bytes) is decompressed with a cap on its size (a zip bomb is refused). A
 * damaged or hostile bundle is refused whole with a specific message, nothing stored (exit 2).
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DatabaseOpenError, openDatabase } from '../main/db';
import { createWorkbenchService, type WorkbenchService } from '../main/services';
import { APP_VERSION } from '../main/version';
import { WorkbenchApiError } from '../shared/api';
import { BUNDLE_LIMITS } from '../shared/bundleFormat';
import { UsageError, bool, flag, list, type FlagSpecs, type ParsedArgs } from './args';

export const BUNDLE_FLAGS: Record<'export-bundle' | 'import-bundle', FlagSpecs> = {
  'export-bundle': {
    db: { type: 'string', value: 'FILE', help: 'the workbench database' },
    experiment: { type: 'string', multiple: true, value: 'NAME|ID', help: 'an experiment to export with all its runs' },
    run: { type: 'string', multiple: true, value: 'ID', help: 'a run to export with its experiment' },
    out: { type: 'string', value: 'FILE', help: 'the bundle file (gzip-compressed when it ends in .gz)' },
    gzip: { type: 'boolean', help: 'compress with gzip whatever the name' },
    json: { type: 'boolean', help: 'machine-readable JSON on stdout' },
    help: { type: 'boolean', help: 'this text' },
  },
  'import-bundle': {
    db: { type: 'string', value: 'FILE', help: 'the workbench database (created when it does not exist)' },
    json: { type: 'boolean', help: 'machine-readable JSON on stdout' },
    help: { type: 'boolean', help: 'this text' },
  },
};

export const BUNDLE_USAGE = {
  'export-bundle': 'wwb export-bundle --db F (--experiment NAME|ID)... (--run ID)... --out FILE[.gz]: experiments and runs as one bundle file',
  'import-bundle': 'wwb import-bundle FILE --db F: a bundle into a database (ids remapped; runs already there are skipped)',
};

function openService(dbPath: string): WorkbenchService {
  try {
    const db = openDatabase(dbPath);
    // the app may be open on the same file: leave its running runs alone
    return createWorkbenchService(db, { version: APP_VERSION, transport: 'browser' }, { recoverInterrupted: false, ownerKind: 'cli' });
  } catch (error) {
    if (error instanceof DatabaseOpenError) throw new UsageError(error.message);
    throw error;
  }
}

/** Why a file could not be written, in words. */
export function writeProblem(path: string, error: NodeJS.ErrnoException): string {
  const why: Record<string, string> = {
    ENOENT: `the folder '${dirname(path)}' does not exist`,
    ENOTDIR: `a part of the path is not a folder`,
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a folder',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
  };
  return `cannot write the bundle to '${path}': ${why[error.code ?? ''] ?? error.message}${error.code ? ` (${error.code})` : ''}; nothing was written`;
}

/** Write `data` to `path` through a temporary file in the same folder (renamed at the end). */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    // the temporary file's failure is the target's (same folder, same permissions)
    throw new UsageError(writeProblem(path, error as NodeJS.ErrnoException));
  }
}

/** The text of a bundle file, gunzipped when it starts with gzip's magic bytes, with a size cap. */
export function readBundleFile(path: string): string {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`cannot read the bundle '${path}': it is a folder`);
    size = st.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read the bundle '${path}': ${(error as Error).message}`);
  }
  if (size > BUNDLE_LIMITS.maxBytes) throw new UsageError(`bundle refused, nothing was stored: '${path}' is ${size} bytes; at most ${BUNDLE_LIMITS.maxBytes} are read`);
  const raw = readFileSync(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw, { maxOutputLength: BUNDLE_LIMITS.maxBytes }).toString('utf8');
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
        throw new UsageError(`bundle refused, nothing was stored: '${path}' decompresses to more than ${BUNDLE_LIMITS.maxBytes} bytes`);
      throw new UsageError(`bundle refused, nothing was stored: '${path}' is a damaged gzip file (${e.message})`);
    }
  }
  return raw.toString('utf8');
}

function experimentIdOf(service: WorkbenchService, ref: string): number {
  const all = service.call('experiments:list', {});
  const byName = all.filter((e) => e.name === ref);
  if (byName.length === 1) return byName[0].id;
  if (byName.length > 1) throw new UsageError(`--experiment '${ref}': ${byName.length} experiments have this name; give its id (${byName.map((e) => e.id).join(', ')})`);
  if (/^\d+$/.test(ref) && all.some((e) => e.id === Number(ref))) return Number(ref);
  throw new UsageError(`--experiment '${ref}': no experiment has this name or id`);
}

export function commandExportBundle(args: ParsedArgs): { out: string; bytes: number; runs: number; experiments: number; mdps: number; skippedActive: number[] } {
  const dbPath = flag(args, 'db');
  if (!dbPath) throw new UsageError('--db FILE is required');
  const out = flag(args, 'out');
  if (!out) throw new UsageError('--out FILE is required');
  const service = openService(dbPath);
  try {
    const experimentIds = list(args, 'experiment').map((ref) => experimentIdOf(service, ref));
    const runIds = list(args, 'run').map((v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--run must be a run id (a positive integer), got '${v}'`);
      return Number(v);
    });
    if (!experimentIds.length && !runIds.length) throw new UsageError('name what to export: --experiment NAME|ID and / or --run ID');
    let result;
    try {
      result = service.handlers['bundle:export']({ experimentIds, runIds });
    } catch (error) {
      if (error instanceof WorkbenchApiError) throw new UsageError(error.message);
      throw error;
    }
    const data = bool(args, 'gzip') || out.endsWith('.gz') ? gzipSync(result.text) : result.text;
    writeFileAtomic(out, data);
    return { out, bytes: data.length, runs: result.runs, experiments: result.experiments, mdps: result.mdps, skippedActive: result.skippedActive };
  } finally {
    service.db.close();
  }
}

export function commandImportBundle(args: ParsedArgs) {
  const file = args.positionals[0];
  if (!file) throw new UsageError('import-bundle needs the bundle FILE');
  const dbPath = flag(args, 'db');
  if (!dbPath) throw new UsageError('--db FILE is required');
  const text = readBundleFile(file);
  const service = openService(dbPath);
  try {
    // the trusted in-process call: the CLI reads bundles up to BUNDLE_LIMITS.maxBytes (the transports' payload cap is lower)
    return service.handlers['bundle:import']({ text });
  } catch (error) {
    if (error instanceof WorkbenchApiError) throw new UsageError(error.message);
    throw error;
  } finally {
    service.db.close();
  }
}
