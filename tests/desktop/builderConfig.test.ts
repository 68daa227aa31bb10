/**
 * Packaging configuration, read from electron-builder.yml the way electron-builder reads it (js-yaml,
 * its own parser): the Electron fuses, the `webgpu` package kept out of the installers (and the
 * desktop bundle never importing it), the icons, and the *.mdp.json file association.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(join(ROOT, 'node_modules/app-builder-lib/package.json'));
const yaml = require('js-yaml') as { load(text: string): unknown };

interface BuilderConfig {
  files: string[];
  icon?: string;
  electronFuses?: Record<string, boolean>;
  fileAssociations?: { ext: string; name: string; role?: string }[];
  asarUnpack?: string[];
  linux?: { icon?: string };
}
const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

/**
 * electron-builder's `files` semantics for one path: production node_modules are in unless excluded,
 * anything else must be matched; the last matching pattern decides (a "!" excludes).
 */
function included(path: string, patterns: readonly string[]): boolean {
  const toRegex = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '\u0001')
        .replace(/\*\*/g, '\u0002')
        .replace(/\*/g, '[^/]*')
        .replace(/\u0001/g, '(?:.*/)?')
        .replace(/\u0002/g, '.*')}$`,
    );
  let verdict = path.startsWith('node_modules/');
  for (const p of patterns) {
    const negate = p.startsWith('!');
    if (toRegex(negate ? p.slice(1) : p).test(path)) verdict = !negate;
  }
  return verdict;
}

describe('electron-builder.yml', () => {
  it('flips the Electron fuses: no run-as-node, encrypted cookies, no NODE_OPTIONS / --inspect, asar only and checked', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('leaves the webgpu package (Dawn for Node) out of the installers, keeps better-sqlite3 and the app', () => {
    // electron-builder copies production node_modules, then applies `files`
    expect(included('node_modules/webgpu/dist/linux-x64.dawn.node', config.files)).toBe(false);
    expect(included('node_modules/webgpu/package.json', config.files)).toBe(false);
    expect(included('node_modules/better-sqlite3/build/Release/better_sqlite3.node', config.files)).toBe(true);
    expect(included('out/main/index.js', config.files)).toBe(true);
    expect(included('migrations/0001_initial.sql', config.files)).toBe(true);
    expect(included('src/main/index.ts', config.files)).toBe(false);
  });

  it('the desktop entry bundle never loads webgpu (only the CLI and the bench do)', () => {
    const out = join(ROOT, 'out/main');
    expect(existsSync(join(out, 'index.js')), 'build first: npx electron-vite build').toBe(true);
    // follow index.js's static imports of local chunks
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(out, file), 'utf8');
      expect(text, `${file} imports webgpu`).not.toMatch(/(?:from|import\(|require\()\s*["']webgpu["']/);
      for (const m of text.matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)) visit(posix.join(posix.dirname(file), m[1]));
    };
    visit('index.js');
    expect(seen.size).toBeGreaterThan(1);
    // and the CLI does use it (so the check above is looking at the right thing)
    expect(readFileSync(join(out, 'wwb.js'), 'utf8') + readdirSync(join(out, 'chunks')).map((f) => readFileSync(join(out, 'chunks', f), 'utf8')).join('')).toMatch(/["']webgpu["']/);
  });

  it('has icons: a 512 × 512 PNG for every platform, and the Linux size set', () => {
    expect(config.icon).toBe('build/icon.png');
    const png = readFileSync(join(ROOT, 'build/icon.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
    expect(config.linux?.icon).toBe('build/icons');
    for (const n of [16, 32, 48, 64, 128, 256, 512]) {
      const f = readFileSync(join(ROOT, `build/icons/${n}x${n}.png`));
      expect([f.readUInt32BE(16), f.readUInt32BE(20)]).toEqual([n, n]);
    }
  });

  it('associates *.mdp.json with the app and unpacks the SQLite addon', () => {
    expect(config.fileAssociations).toEqual([expect.objectContaining({ ext: 'mdp.json', role: 'Editor' })]);
    expect(config.asarUnpack).toContain('node_modules/better-sqlite3/**/*.node');
  });
});
