/**
 * A WebGPU run from the CLI on a machine without a GPU driver does not greet the user with Dawn's
 * "Found no drivers!" (the probe is skipped when no Vulkan ICD manifest exists); where a probe does
 * run and fails, one line explains the warnings. Real Dawn, real CLI, a temporary database.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SWIFTSHADER_ICDS, vulkanDriverInstalled, vulkanIcdDirectories } from '../../src/cli/nodeGpu';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wwb-dawn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Dawn driver warnings', () => {
  it('finds driver manifests in the loader folders only', () => {
    expect(vulkanIcdDirectories({ XDG_DATA_DIRS: '/a:/b', XDG_CONFIG_DIRS: '/c', XDG_DATA_HOME: '/h' })).toEqual([
      '/c/vulkan/icd.d',
      '/etc/vulkan/icd.d',
      '/a/vulkan/icd.d',
      '/b/vulkan/icd.d',
      '/h/vulkan/icd.d',
    ]);
    expect(vulkanDriverInstalled('linux', [join(dir, 'none')])).toBe(false);
    expect(vulkanDriverInstalled('darwin', [])).toBe(true);
  });

  it.skipIf(!SWIFTSHADER_ICDS.some((p) => existsSync(p)))('a CLI WebGPU run prints no unexplained driver warning', () => {
    expect(existsSync(join(ROOT, 'out/main/wwb.js')), 'build first: npx electron-vite build').toBe(true);
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: tmpdir() };
    delete env.VK_ICD_FILENAMES;
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/wwb.js'), 'run', '--mdp', 'preset:chain', '--algo', 'npg', '--backend', 'webgpu', '--iterations', '5', '--db', join(dir, 'w.sqlite')], {
      encoding: 'utf8',
      env,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/adapter=/); // how to see which adapter ran: the run's diagnostics
    if (!vulkanDriverInstalled()) expect(r.stderr).not.toMatch(/Found no drivers/);
    if (/Found no drivers|VK_ERROR/.test(r.stderr)) expect(r.stderr).toMatch(/note: the Vulkan warnings above .* harmless/);
  });
});
