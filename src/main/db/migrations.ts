/**
 * The schema migrations, `migrations/NNNN_name.sql`, imported as text by Vite so the SQL travels inside
 * the bundled out/main/*.js (and vitest sees exactly the same list). Numbers start at 1 and are
 * contiguous; PRAGMA user_version holds the number of the last one applied.
 */
export interface Migration {
  /** 1, 2, ... */
  version: number;
  /** file name, e.g. '0001_initial.sql' (named in error messages) */
  file: string;
  sql: string;
}

const files = import.meta.glob('../../../migrations/*.sql', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

const NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** Parse and order a `{ path: sql }` map; throws on a misnamed file, a gap or a duplicate number. */
export function parseMigrations(byPath: Record<string, string>): Migration[] {
  const list: Migration[] = [];
  for (const [path, sql] of Object.entries(byPath)) {
    const file = path.slice(path.lastIndexOf('/') + 1);
    const m = NAME.exec(file);
    if (!m) throw new Error(`migration file '${file}' is not named NNNN_name.sql (lower-case name)`);
    list.push({ version: Number(m[1]), file, sql });
  }
  list.sort((a, b) => a.version - b.version);
  list.forEach((mig, i) => {
    if (mig.version !== i + 1)
      throw new Error(
        `migrations must be numbered 0001, 0002, ... without gaps or duplicates; found '${mig.file}' where ${String(i + 1).padStart(4, '0')} was expected`,
      );
  });
  return list;
}

/** The migrations this build of the app knows. */
export const MIGRATIONS: readonly Migration[] = parseMigrations(files);

/** The schema version this build of the app writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
