/**
 * Every entry point checks the Node version before it loads better-sqlite3: under a too-old Node the
 * launchers print how to get a good one and exit 1 (instead of a segfault, exit 139). Run for real
 * under the machine's system Node when it is older than 22.14 (Debian's /usr/bin/node is 20 here).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REQUIRED_NODE, nodeVersionAtLeast, nodeVersionMessage } from '../../bin/nodeVersion.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SYSTEM_NODE = '/usr/bin/node';

function versionOf(node: string): string | null {
  const r = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
const systemVersion = existsSync(SYSTEM_NODE) ? versionOf(SYSTEM_NODE) : null;
const oldNode = systemVersion !== null && !nodeVersionAtLeast(systemVersion);

describe('Node version check', () => {
  it('compares versions numerically', () => {
    expect(REQUIRED_NODE).toBe('22.14.0');
    expect(nodeVersionAtLeast('22.14.0')).toBe(true);
    expect(nodeVersionAtLeast('v22.14.1')).toBe(true);
    expect(nodeVersionAtLeast('22.13.9')).toBe(false);
    expect(nodeVersionAtLeast('22.9.0')).toBe(false); // not a string comparison
    expect(nodeVersionAtLeast('20.20.2')).toBe(false);
    expect(nodeVersionAtLeast('24.0.0')).toBe(true);
    expect(nodeVersionAtLeast('100.0.0')).toBe(true);
    expect(nodeVersionMessage('wwb', '20.1.0', '/usr/bin/node')).toMatch(/^wwb: .*needs Node\.js >= 22\.14\.0; this is Node 20\.1\.0 \(\/usr\/bin\/node\)/);
  });

  it.skipIf(!oldNode)('under an old Node, bin/wwb.js, bin/serve.js and bin/bench.js say so and exit 1 (no segfault)', () => {
    for (const [launcher, args] of [
      ['bin/wwb.js', ['run', '--preset', 'chain', '--method', 'npg', '--db', join(ROOT, 'never-created.sqlite')]],
      ['bin/serve.js', ['--port', '0']],
      ['bin/bench.js', ['--quick']],
    ] as const) {
      const r = spawnSync(SYSTEM_NODE, [join(ROOT, launcher), ...args], { encoding: 'utf8', cwd: ROOT });
      expect(r.signal, launcher).toBeNull();
      expect(r.status, `${launcher}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(`needs Node.js >= 22.14.0; this is Node ${systemVersion}`);
      expect(r.stderr).toContain('node_modules/.bin/node bin/wwb.js');
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(ROOT, 'never-created.sqlite'))).toBe(false);
  });

  it('under a good Node the launcher runs the CLI', () => {
    expect(existsSync(join(ROOT, 'out/main/wwb.js')), 'build first: npx electron-vite build').toBe(true);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/wwb.js'), 'presets', '--json'], { encoding: 'utf8', cwd: ROOT });
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { presets: { id: string }[] }).presets.map((p) => p.id)).toContain('chain');
  });
});
