/** The database layer: the only importer of better-sqlite3. */
export { openDatabase, migrate, DatabaseOpenError } from './openDatabase';
export type { WorkbenchDatabase, OpenDatabaseOptions, SqliteDatabase, SqliteStatement, DatabaseOpenErrorKind } from './openDatabase';
export { MIGRATIONS, SCHEMA_VERSION, parseMigrations, type Migration } from './migrations';
export { resolveDatabasePath, userDataDirectory, argValue, APP_DIR_NAME, DB_FILE_NAME } from './paths';
