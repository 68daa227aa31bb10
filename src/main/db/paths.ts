/**
 * Where the database lives. Desktop and browser mode (and the CLI) agree on one default file so they
 * see the same designs and runs:
 *   Linux   $XDG_CONFIG_HOME/wasserstein-workbench (default ~/.config/wasserstein-workbench)
 *   macOS   ~/Library/Application Support/wasserstein-workbench
 *   Windows %APPDATA%\wasserstein-workbench
 * which is also Electron's app.getPath('userData') for this app (src/main/index.ts sets it explicitly
 * from `userDataDirectory` so the two cannot drift). `--db FILE` (or `--db=FILE`) wins over the
 * environment variable WORKBENCH_DB, which wins over the default.
 */
import { homedir } from 'node:os';
import { resolve, win32, posix } from 'node:path';

export const APP_DIR_NAME = 'wasserstein-workbench';
export const DB_FILE_NAME = 'workbench.sqlite';

export function userDataDirectory(
  env: Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'win32') return win32.join(env.APPDATA || win32.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  const xdg = env.XDG_CONFIG_HOME && posix.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : posix.join(home, '.config');
  return posix.join(xdg, APP_DIR_NAME);
}

/** The value of `--name VALUE` or `--name=VALUE` in argv, if any (the last occurrence wins). */
export function argValue(argv: readonly string[], name: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === name && i + 1 < argv.length) found = argv[++i];
    else if (a.startsWith(`${name}=`)) found = a.slice(name.length + 1);
  }
  return found;
}

export function resolveDatabasePath(
  argv: readonly string[] = process.argv,
  env: Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const fromArg = argValue(argv, '--db');
  if (fromArg) return resolve(fromArg);
  if (env.WORKBENCH_DB) return resolve(env.WORKBENCH_DB);
  return (platform === 'win32' ? win32 : posix).join(userDataDirectory(env, platform, home), DB_FILE_NAME);
}
