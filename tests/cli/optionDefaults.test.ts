/**
 * One source for every method's option defaults: for each method of the catalogue, the defaults the form
 * reads (METHODS, as the launch panel fills its fields), the CLI's (`wwb methods --json` and
 * `wwb run --algo ID --help`, a real process), main's validation (runs:create with no options on a real
 * SQLite file stores the filled options, and refuses what the CLI refuses) and the reference implementation (it reads every option from the
 * parsed object and no other key) all equal what the method's spec parses from `{}`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db';
import { createWorkbenchService } from '../../src/main/services';
import { compileMdp } from '../../src/shared/mdp/compile';
import { METHODS, methodSpec, parseMethodOptions, type MethodId } from '../../src/shared/methods';
import { presetById } from '../../src/compute/presets';
import { referenceMethod } from '../../src/compute/reference/registry';
import type { RunSpec } from '../../src/compute/types';

const root = resolve(__dirname, '../..');
const cli = join(root, 'out/main/wwb.js');

beforeAll(() => {
  if (!existsSync(cli)) execFileSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'ignore' });
});

function wwb(...args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`wwb ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** a preset the method can run on */
const presetFor = (id: MethodId): string => (methodSpec(id).actions === 'box' ? 'bandit-quadratic' : 'frozenlake-4x4');

function defaults(id: MethodId): Record<string, unknown> {
  const parsed = parseMethodOptions(id, {});
  if (!parsed.ok) throw new Error(`${id}: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.options as unknown as Record<string, unknown>;
}

describe('every method sees the same option defaults everywhere', () => {
  it('form (METHODS) and CLI (wwb methods --json, wwb run --algo ID --help)', () => {
    const listed = JSON.parse(wwb('methods', '--json')).methods as { id: MethodId; options: { key: string; default?: number | string }[] }[];
    expect(listed.map((m) => m.id)).toEqual(METHODS.map((m) => m.id));
    for (const info of METHODS) {
      const parsed = defaults(info.id);
      const form = Object.fromEntries(info.options.filter((o) => o.default !== undefined).map((o) => [o.key, o.default]));
      expect(form, `${info.id}: form`).toEqual(parsed);
      const cliListed = listed.find((m) => m.id === info.id)!;
      expect(Object.fromEntries(cliListed.options.filter((o) => o.default !== undefined && o.default !== null).map((o) => [o.key, o.default])), `${info.id}: wwb methods`).toEqual(parsed);
      const help = wwb('run', '--algo', info.id, '--help');
      for (const [key, value] of Object.entries(parsed)) expect(help, `${info.id}: run --help`).toContain(`    ${key}=${String(value)} `);
      // the gamma override has no default: "the MDP's gamma"
      expect(help).toMatch(/gamma=\(absent: the MDP's gamma\)/);
    }
  });

  it("main's validation stores exactly the spec's defaults (runs:create with no options, real SQLite file)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'wwb-defaults-'));
    const db = openDatabase(join(dir, 'w.sqlite'));
    try {
      const service = createWorkbenchService(db, { version: 'test', transport: 'browser' });
      const mdpIds: Record<string, number> = {};
      for (const info of METHODS) {
        const preset = presetFor(info.id);
        mdpIds[preset] ??= service.call('mdps:save', { document: presetById(preset)!.build(), preset }).id;
        const run = service.call('runs:create', { mdpId: mdpIds[preset], method: info.id, options: {}, backend: 'reference', seed: 1, maxIterations: 3 });
        expect(run.options, info.id).toEqual(defaults(info.id));
      }
      // the bridge refuses what the form and the CLI refuse, and stores nothing
      const before = service.call('runs:list', {}).length;
      for (const [method, options] of [
        ['ot-trpo', { tau: 0.1 }],
        ['kl-trpo', { delta: 1e12 }],
        ['ot-trpo', { eps: 10 }],
      ] as const) {
        expect(() => service.call('runs:create', { mdpId: mdpIds['frozenlake-4x4'], method, options, backend: 'reference', seed: 1, maxIterations: 3 })).toThrow(/invalid options/);
      }
      expect(service.call('runs:list', {}).length).toBe(before);
    } finally {
      db.close();
    }
  });

  it('the reference implementation reads every option from the parsed object, and no other key', () => {
    for (const info of METHODS) {
      const compiled = compileMdp(presetById(presetFor(info.id))!.build());
      if (!compiled.ok) throw new Error('preset does not compile');
      const parsed = defaults(info.id);
      const read = new Set<string>();
      const options = new Proxy(parsed, {
        get(target, key, receiver) {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key, receiver);
        },
        has(target, key) {
          // asking whether an option is present (value iteration has no tau) is not reading one
          const present = Reflect.has(target, key);
          if (typeof key === 'string' && present) read.add(key);
          return present;
        },
      });
      const spec = { method: info.id, options, init: null, seed: 1 } as unknown as RunSpec;
      referenceMethod(info.id).start(compiled.mdp, spec).step();
      const keys = info.options.map((o) => o.key);
      expect([...read].filter((k) => !keys.includes(k)), `${info.id}: keys read outside the spec`).toEqual([]);
      expect(keys.filter((k) => !read.has(k)), `${info.id}: options the reference never reads`).toEqual([]);
    }
  });
});
