/**
 * The README's examples work as written: every `npx wwb …` line of its ```bash blocks runs against
 * the built CLI (bin/wwb.js, on this Node) in a scratch folder that sees the repository's docs/, so the
 * input files must be the ones shipped under docs/examples/. Also: the shipped converted file is what
 * `convert` makes today, and the citation file names the package's version.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The `npx wwb` lines of the README's bash blocks, as argument lists. */
export function wwbExamples(markdown: string): string[][] {
  const out: string[][] = [];
  for (const block of markdown.matchAll(/```bash\n([\s\S]*?)```/g)) {
    for (const raw of block[1].split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (!/^(npx )?wwb\s/.test(line)) continue;
      if (/["'`$\\|;&<>]/.test(line)) throw new Error(`README example needs a shell to run: ${line}`);
      out.push(line.split(/\s+/).slice(line.startsWith('npx ') ? 2 : 1));
    }
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'wwb-readme-'));
symlinkSync(join(ROOT, 'docs'), join(work, 'docs'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('README examples', () => {
  const examples = wwbExamples(README);

  it('finds the examples (presets, methods, solve, run, convert)', () => {
    expect(examples.map((a) => a[0])).toEqual(expect.arrayContaining(['presets', 'methods', 'solve', 'run', 'convert']));
    expect(examples.length).toBeGreaterThanOrEqual(7);
    expect(existsSync(join(ROOT, 'out/main/wwb.js')), 'build first: npx electron-vite build').toBe(true);
  });

  for (const args of examples) {
    it(`wwb ${args.join(' ')}`, () => {
      const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() };
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/wwb.js'), ...args], { cwd: work, encoding: 'utf8', env, timeout: 300_000 });
      expect(r.status, `exit ${r.status}\n${r.stderr}`).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
      if (args.includes('--json')) expect(() => JSON.parse(r.stdout)).not.toThrow();
      const db = args[args.indexOf('--db') + 1];
      if (args.includes('--db')) expect(existsSync(join(work, db))).toBe(true);
      if (args[0] === 'convert') {
        const out = args[args.indexOf('--out') + 1];
        // the shipped docs/examples/frozenlake.mdp.json is exactly what convert writes
        expect(JSON.parse(readFileSync(join(work, out), 'utf8'))).toEqual(JSON.parse(readFileSync(join(ROOT, 'docs/examples/frozenlake.mdp.json'), 'utf8')));
      }
    });
  }

  it('CITATION.cff cites the version in package.json', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(readFileSync(join(ROOT, 'CITATION.cff'), 'utf8')).toMatch(new RegExp(`^version: "${version.replace(/\./g, '\\.')}"$`, 'm'));
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });
});
