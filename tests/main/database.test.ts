import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DatabaseOpenError,
  MIGRATIONS,
  SCHEMA_VERSION,
  openDatabase,
  parseMigrations,
  resolveDatabasePath,
  userDataDirectory,
} from '../../src/main/db';
import { tempDir } from './fixtures';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function userVersion(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

describe('openDatabase', () => {
  it('creates a new database and applies every migration from empty', () => {
    const path = join(dir, 'sub', 'folder', 'wb.sqlite');
    const db = openDatabase(path);
    expect(db.applied).toEqual(MIGRATIONS.map((m) => m.file));
    expect(db.schemaVersion).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
    const tables = db.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['mdps', 'experiments', 'runs', 'trace_points', 'policy_snapshots']));
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    // trace_points is clustered by (run_id, iteration)
    const sql = db.sqlite.prepare("SELECT sql FROM sqlite_master WHERE name = 'trace_points'").pluck().get() as string;
    expect(sql).toMatch(/WITHOUT ROWID/);
    db.close();
    // reopening applies nothing
    const again = openDatabase(path);
    expect(again.applied).toEqual([]);
    expect(again.schemaVersion).toBe(SCHEMA_VERSION);
    again.close();
  });

  it('refuses a database from a newer app and leaves its bytes untouched', () => {
    const path = join(dir, 'newer.sqlite');
    const raw = new Database(path);
    raw.exec('CREATE TABLE future (x INTEGER); INSERT INTO future VALUES (42);');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    const before = readFileSync(path);
    let error: unknown;
    try {
      openDatabase(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect((error as DatabaseOpenError).kind).toBe('newer-schema');
    expect((error as Error).message).toMatch(new RegExp(`schema version ${SCHEMA_VERSION + 5}`));
    expect((error as Error).message).toMatch(/newer version/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('rolls back a failing migration, names the file and leaves user_version unchanged', () => {
    const path = join(dir, 'broken.sqlite');
    openDatabase(path).close(); // at SCHEMA_VERSION
    const broken = parseMigrations({
      ...Object.fromEntries(MIGRATIONS.map((m) => [m.file, m.sql])),
      [`${String(SCHEMA_VERSION + 1).padStart(4, '0')}_add_column.sql`]: 'ALTER TABLE runs ADD COLUMN ok_column TEXT;',
      [`${String(SCHEMA_VERSION + 2).padStart(4, '0')}_broken.sql`]: 'CREATE TABLE oops (;',
    });
    let error: unknown;
    try {
      openDatabase(path, { migrations: broken });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect((error as DatabaseOpenError).kind).toBe('migration-failed');
    expect((error as Error).message).toContain(`${String(SCHEMA_VERSION + 2).padStart(4, '0')}_broken.sql`);
    expect(userVersion(path)).toBe(SCHEMA_VERSION);
    // the earlier pending migration of the same batch was rolled back too
    const db = new Database(path, { readonly: true });
    const cols = db.prepare('PRAGMA table_info(runs)').all() as { name: string }[];
    db.close();
    expect(cols.map((c) => c.name)).not.toContain('ok_column');
  });

  it('a broken first migration leaves an empty file at user_version 0', () => {
    const path = join(dir, 'fresh-broken.sqlite');
    expect(() => openDatabase(path, { migrations: parseMigrations({ '0001_bad.sql': 'CREATE TABLE t (x); SELEC nonsense;' }) })).toThrow(
      /0001_bad\.sql/,
    );
    expect(userVersion(path)).toBe(0);
  });

  it('gives a clear error for a file that is not a database, and leaves it alone', () => {
    const path = join(dir, 'corrupt.sqlite');
    const junk = Buffer.alloc(8192, 0x5a);
    writeFileSync(path, junk);
    expect(() => openDatabase(path)).toThrow(DatabaseOpenError);
    try {
      openDatabase(path);
    } catch (e) {
      expect((e as DatabaseOpenError).kind).toBe('corrupt');
      expect((e as Error).message).toMatch(/not a SQLite database or it is damaged/);
      expect((e as Error).message).toContain(path);
    }
    expect(readFileSync(path).equals(junk)).toBe(true);
  });

  it('gives a clear error for a database whose header is damaged', () => {
    const good = join(dir, 'good.sqlite');
    openDatabase(good).close();
    const path = join(dir, 'damaged.sqlite');
    copyFileSync(good, path);
    const bytes = readFileSync(path);
    bytes.write('garbage garbage!', 0, 'latin1'); // the 16-byte magic string
    writeFileSync(path, bytes);
    expect(() => openDatabase(path)).toThrow(/damaged/);
  });

  it('refuses migrations that are misnumbered', () => {
    expect(() => parseMigrations({ '0002_x.sql': '' })).toThrow(/without gaps/);
    expect(() => parseMigrations({ 'init.sql': '' })).toThrow(/NNNN_name/);
  });
});

describe('resolveDatabasePath', () => {
  const home = '/home/ada';
  it('prefers --db, then WORKBENCH_DB, then the user-data folder', () => {
    expect(resolveDatabasePath(['node', 'x', '--db', '/data/a.sqlite'], { WORKBENCH_DB: '/data/b.sqlite' }, 'linux', home)).toBe(
      '/data/a.sqlite',
    );
    expect(resolveDatabasePath(['node', 'x', '--db=/data/c.sqlite'], {}, 'linux', home)).toBe('/data/c.sqlite');
    expect(resolveDatabasePath(['node', 'x'], { WORKBENCH_DB: '/data/b.sqlite' }, 'linux', home)).toBe('/data/b.sqlite');
    expect(resolveDatabasePath(['node', 'x'], {}, 'linux', home)).toBe('/home/ada/.config/wasserstein-workbench/workbench.sqlite');
  });
  it('computes the platform user-data folder like Electron', () => {
    expect(userDataDirectory({}, 'linux', home)).toBe('/home/ada/.config/wasserstein-workbench');
    expect(userDataDirectory({ XDG_CONFIG_HOME: '/xdg' }, 'linux', home)).toBe('/xdg/wasserstein-workbench');
    expect(userDataDirectory({}, 'darwin', home)).toBe('/home/ada/Library/Application Support/wasserstein-workbench');
    expect(userDataDirectory({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ada')).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\wasserstein-workbench',
    );
  });
});
