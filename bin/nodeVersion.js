// The Node.js version check every entry point runs first, before anything loads better-sqlite3
// (whose native addon for Node >= 22.14 crashes older Node with a segfault instead of an error).
// Plain JavaScript with no imports, so that it runs on any Node that can parse an ES module.

export const REQUIRED_NODE = '22.14.0';

/** true when `version` ("v22.14.1" or "22.14.1") is at least `required` */
export function nodeVersionAtLeast(version, required = REQUIRED_NODE) {
  const parse = (v) => String(v).replace(/^v/, '').split('.').map((x) => Number.parseInt(x, 10) || 0);
  const a = parse(version);
  const b = parse(required);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** The message for a too-old Node: what is wrong and how to get a good one. */
export function nodeVersionMessage(command, version = process.versions.node, execPath = process.execPath) {
  return [
    `${command}: Wasserstein Workbench needs Node.js >= ${REQUIRED_NODE}; this is Node ${version} (${execPath}).`,
    '(Its SQLite driver, better-sqlite3 13, is built for Node 22.14+ and crashes older versions.)',
    'Ways to a good Node:',
    '  - the project pins one: after `npm install`, run through npm (`npm run wwb -- ...`, `npm run serve`, `npx wwb ...`)',
    '    or call it directly: `node_modules/.bin/node bin/wwb.js ...`;',
    '  - or install Node 22 LTS: https://nodejs.org/en/download, `nvm install 22`, `fnm use 22`,',
    '    or on Debian/Ubuntu the NodeSource packages (https://github.com/nodesource/distributions).',
  ].join('\n');
}

/** Exit with status 1 and the message when this Node is too old. */
export function requireNode(command) {
  if (nodeVersionAtLeast(process.versions.node)) return;
  process.stderr.write(`${nodeVersionMessage(command)}\n`);
  process.exit(1);
}
