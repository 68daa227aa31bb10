/**
 * Opening the workbench database: the only place that touches better-sqlite3 directly.
 *
 * Order matters (Signal Desktop style):
 *  1. an existing file is first opened READ-ONLY and its PRAGMA user_version read: a file that is not a
 *     SQLite database (or is corrupt at the header) gives a DatabaseOpenError('corrupt'); a schema
 *     newer than this build knows gives DatabaseOpenError('newer-schema') — in both cases nothing has
 *     been written, so the file is left byte-for-byte as it was (no WAL switch, no migration);
 *  2. the file is opened read-write: WAL, foreign_keys ON, busy_timeout;
 *  3. every pending migration runs in ONE transaction, which also sets user_version; a failing file
 *     rolls everything back and gives DatabaseOpenError('migration-failed') naming the file.
 * Callers print the message and stop (no retry loop).
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations';

export type SqliteDatabase = Database.Database;
export type SqliteStatement = Database.Statement;

export type DatabaseOpenErrorKind = 'corrupt' | 'newer-schema' | 'migration-failed' | 'unavailable';

export class DatabaseOpenError extends Error {
  constructor(
    readonly kind: DatabaseOpenErrorKind,
    readonly path: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'DatabaseOpenError';
  }
}

export interface WorkbenchDatabase {
  readonly sqlite: SqliteDatabase;
  /** absolute path (or ':memory:') */
  readonly path: string;
  /** PRAGMA user_version after migrations */
  readonly schemaVersion: number;
  /** files applied by this open, in order */
  readonly applied: readonly string[];
  close(): void;
}

export interface OpenDatabaseOptions {
  /** defaults to the migrations bundled with the app (tests pass their own) */
  migrations?: readonly Migration[];
  /** ms to wait on a lock held by another process (the CLI, a second window); default 5000 */
  busyTimeoutMs?: number;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function readUserVersion(db: SqliteDatabase): number {
  // touching sqlite_master forces SQLite to parse the header and the schema page
  db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
  return db.pragma('user_version', { simple: true }) as number;
}

export function openDatabase(path: string, options: OpenDatabaseOptions = {}): WorkbenchDatabase {
  const migrations = options.migrations ?? MIGRATIONS;
  const known = migrations.length;
  const inMemory = path === ':memory:';

  if (!inMemory) {
    if (existsSync(path)) {
      if (!statSync(path).isFile())
        throw new DatabaseOpenError('unavailable', path, `The workbench database path ${path} is not a file.`);
      // 1. look, without writing
      let found: number;
      let probe: SqliteDatabase | undefined;
      try {
        probe = new Database(path, { readonly: true, fileMustExist: true });
        found = readUserVersion(probe);
      } catch (e) {
        throw new DatabaseOpenError(
          'corrupt',
          path,
          `Cannot read the workbench database ${path}: it is not a SQLite database or it is damaged (${message(e)}). ` +
            'It was left untouched. Move it aside to start with an empty database, or pass --db FILE to use another file.',
          e,
        );
      } finally {
        probe?.close();
      }
      if (found > known)
        throw new DatabaseOpenError(
          'newer-schema',
          path,
          `The workbench database ${path} has schema version ${found}, but this version of Wasserstein Workbench ` +
            `knows versions up to ${known}: it was written by a newer version of the app. It was left untouched. ` +
            'Update the app, or pass --db FILE to use another file.',
        );
    } else {
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (e) {
        throw new DatabaseOpenError('unavailable', path, `Cannot create the folder for the workbench database ${path}: ${message(e)}`, e);
      }
    }
  }

  // 2. open for writing
  let db: SqliteDatabase;
  try {
    db = new Database(path);
  } catch (e) {
    throw new DatabaseOpenError('unavailable', path, `Cannot open the workbench database ${path}: ${message(e)}`, e);
  }
  try {
    const current = readUserVersion(db);
    // a concurrent newer app could have migrated between the probe and now
    if (current > known)
      throw new DatabaseOpenError(
        'newer-schema',
        path,
        `The workbench database ${path} has schema version ${current}, newer than this app knows (${known}). It was left untouched.`,
      );
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('synchronous = NORMAL');

    // 3. migrate
    const applied = migrate(db, path, migrations);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    return {
      sqlite: db,
      path,
      schemaVersion,
      applied,
      close: () => {
        if (db.open) db.close();
      },
    };
  } catch (e) {
    db.close();
    if (e instanceof DatabaseOpenError) throw e;
    throw new DatabaseOpenError('corrupt', path, `Cannot use the workbench database ${path}: ${message(e)}`, e);
  }
}

/**
 * Apply every migration above user_version in one IMMEDIATE transaction; returns the files applied.
 * Forward-only: there is no down migration.
 */
export function migrate(db: SqliteDatabase, path: string, migrations: readonly Migration[]): string[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return [];
  // A migration may rebuild a parent table (create new, copy, drop, rename): with foreign keys ON the
  // DROP would cascade into the child tables. SQLite's documented procedure: foreign keys OFF outside
  // the transaction, foreign_key_check before COMMIT, then ON again.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  if (foreignKeys) db.pragma('foreign_keys = OFF');
  try {
    return migrateInTransaction(db, path, pending, current);
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
}

function migrateInTransaction(db: SqliteDatabase, path: string, pending: readonly Migration[], current: number): string[] {
  db.exec('BEGIN IMMEDIATE');
  let file = '';
  try {
    for (const m of pending) {
      file = m.file;
      db.exec(m.sql);
    }
    file = '';
    db.pragma(`user_version = ${pending[pending.length - 1].version}`);
    if ((db.pragma('foreign_key_check') as unknown[]).length > 0) throw new Error('foreign key check failed after migrating');
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw new DatabaseOpenError(
      'migration-failed',
      path,
      `Upgrading the workbench database ${path} failed${file ? ` in migration ${file}` : ''}: ${message(e)}. ` +
        `Nothing was changed (still schema version ${current}).`,
      e,
    );
  }
  return pending.map((m) => m.file);
}
