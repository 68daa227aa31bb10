/**
 * Experiment bundles in a real browser: two runs on CliffWalking filed under a new experiment with
 * markdown notes (rendered, not raw), bulk-tagged with select-all, exported as a bundle from the
 * experiment panel; the downloaded file imported by `wwb import-bundle` into a fresh database gives the
 * same full-resolution traces as the app's own CSV export; importing it again into the app adds nothing;
 * an edited copy is refused whole with a specific message and nothing stored. The "fresh database" is a
 * temporary file of the CLI (the app's server keeps the e2e database). Screenshot:
 * docs/screenshots/experiments.png.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, uid } from './fixtures';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = join(ROOT, 'docs/screenshots');
/** the CLI needs Node 22 (better-sqlite3's build): the repository's own node when present */
const NODE = existsSync(join(ROOT, 'node_modules/.bin/node')) ? join(ROOT, 'node_modules/.bin/node') : process.execPath;
const wwb = (...args: string[]) => spawnSync(NODE, [join(ROOT, 'out/main/wwb.js'), ...args], { encoding: 'utf8', cwd: ROOT, timeout: 120_000 });
/** data lines of a CSV export (the first '#' line names who exported, the second the run's provenance) */
const csvBody = (text: string) => text.trim().split('\n').slice(1);

test.describe('experiment bundles', () => {
  test('export an experiment from the UI, import into a fresh database (same traces), re-import adds nothing, tampered copy refused', async ({ app, page, target }) => {
    test.skip(target !== 'browser', 'the CLI half needs the browser project');
    test.setTimeout(240_000);
    const id = uid();
    const mdpName = `Cliff o ${id}`;
    const tmp = mkdtempSync(join(tmpdir(), 'wwb-e2e-bundle-'));
    try {
      await app.open('Design');
      await app.design.loadPreset('CliffWalking');
      await app.design.rename(mdpName);
      await app.design.save();
      await app.open('Runs');
      const labels = [`ot-${id}`, `kl-${id}`];
      await app.runs.configure({ mdp: mdpName, method: 'OT trust region (mass splitting)', label: labels[0], iterations: 10, options: { 'eps (radius)': '0.2' } });
      await page.locator('#run-init').selectOption('random');
      await page.locator('#run-seed').fill('3');
      await app.runs.start();
      await app.runs.waitCompleted(labels[0]);
      await app.runs.configure({ mdp: mdpName, method: 'KL trust region (exact TRPO step)', label: labels[1], iterations: 10, options: { 'delta (KL radius)': '0.05' } });
      await page.locator('#run-init').selectOption('uniform');
      await app.runs.start();
      await app.runs.waitCompleted(labels[1]);

      await page.getByRole('tab', { name: 'Library' }).click();
      const table = page.getByTestId('library-table');
      const search = page.getByTestId('library-search');
      // every run belongs to an experiment: these two joined the MDP's default one
      await search.fill(id);
      await expect(page.getByTestId('library-count')).toHaveText(/^2 of /);
      await expect(table.locator('tbody tr').first()).toContainText(`Default: ${mdpName}`);

      // a new experiment with markdown notes, rendered (headings, bold, lists), never as raw markup
      await page.getByRole('button', { name: 'New experiment' }).click();
      const expEditor = page.getByTestId('experiment-editor');
      await expEditor.getByLabel('Experiment name').fill(`bundle-${id}`);
      await expEditor.getByLabel('Experiment notes').fill(`## OT vs KL ${id}\nThe **radius** matters:\n- eps 0.2\n- delta 0.05\n<img src=x onerror="window.__pwned=1">`);
      await expEditor.getByRole('button', { name: 'Save experiment' }).click();
      const notes = page.getByTestId('experiment-notes');
      await expect(notes.locator('h5')).toHaveText(`OT vs KL ${id}`);
      await expect(notes.locator('strong')).toHaveText('radius');
      await expect(notes.locator('li')).toHaveCount(2);
      await expect(notes).toContainText('<img src=x onerror="window.__pwned=1">');
      await expect(notes.locator('img')).toHaveCount(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

      // select all shown, bulk-tag, bulk-move into the experiment
      await page.getByTestId('filter-experiment').selectOption('');
      await search.fill(id);
      await page.getByTestId('select-all').check();
      await expect(page.getByTestId('bulk-count')).toHaveText('2 selected');
      await page.getByTestId('bulk-tag').fill(`sweep-${id}`);
      await page.getByTestId('bulk-add-tag').click();
      await expect(table.locator('tbody tr .tag', { hasText: `sweep-${id}` })).toHaveCount(2);
      await page.getByTestId('bulk-experiment').selectOption({ label: `bundle-${id}` });
      await page.getByTestId('bulk-move').click();
      await expect(table.locator('tbody tr', { hasText: `bundle-${id}` })).toHaveCount(2);
      await page.getByTestId('select-all').uncheck();

      // one run annotated: more tags (each its own colour) and notes
      await table.locator('tbody tr', { hasText: labels[0] }).click();
      await page.getByTestId('edit-tags').fill(`sweep-${id}, baseline, radius 0.2`);
      await page.getByTestId('edit-notes').fill('Random init (seed 3); **largest** radius of the sweep.');
      await page.getByTestId('save-run').click();
      await expect(page.getByTestId('save-run')).toBeDisabled();
      const tagColours = await table.locator('tbody tr', { hasText: labels[0] }).locator('.tag').evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
      expect(new Set(tagColours).size).toBe(3);

      // the app's own CSV of the first run (every stored row)
      const csvDownload = page.waitForEvent('download');
      await page.getByTestId('export-csv').click();
      const appCsv = readFileSync((await (await csvDownload).path())!, 'utf8');

      // export the experiment as a bundle
      await page.getByTestId('filter-experiment').selectOption({ label: `bundle-${id} (2)` });
      await expect(page.getByTestId('library-count')).toHaveText(/^2 of /);
      await expect(page.getByTestId('experiment-notes').locator('strong')).toHaveText('radius');
      await page.setViewportSize({ width: 1440, height: 820 });
      // notices out of the picture (they also expire on their own)
      await expect(async () => {
        const dismiss = page.getByRole('alert').getByRole('button', { name: 'Dismiss' });
        if (await dismiss.count()) await dismiss.first().click({ timeout: 1000 });
        expect(await page.getByRole('alert').count()).toBe(0);
      }).toPass();
      await page.screenshot({ path: join(SHOTS, 'experiments.png') });
      const bundleDownload = page.waitForEvent('download');
      await page.getByTestId('export-experiment-bundle').click();
      const dl = await bundleDownload;
      expect(dl.suggestedFilename()).toMatch(new RegExp(`^wwb-bundle-bundle-${id}-\\d{4}-\\d{2}-\\d{2}\\.json$`));
      const bundlePath = join(tmp, dl.suggestedFilename());
      await dl.saveAs(bundlePath);
      const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
      expect(bundle).toMatchObject({ format: 'wasserstein-workbench/bundle', formatVersion: 1 });
      expect(bundle.content.runs.map((r: { label: string }) => r.label).sort()).toEqual([...labels].sort());
      expect(bundle.content.runs.find((r: { label: string }) => r.label === labels[0]).init).toEqual({ kind: 'random', seed: 3 });
      expect(bundle.content.runs.find((r: { label: string }) => r.label === labels[1]).init).toEqual({ kind: 'uniform' });

      // into a fresh database with the CLI: the same rows, the experiment and its notes
      const fresh = join(tmp, 'fresh.sqlite');
      const im = wwb('import-bundle', bundlePath, '--db', fresh, '--json');
      expect(im.status, im.stderr).toBe(0);
      const result = JSON.parse(im.stdout);
      expect(result).toMatchObject({ runsSkipped: 0, mdpsCreated: 1, experimentsCreated: 1 });
      const firstUid = bundle.content.runs.find((r: { label: string }) => r.label === labels[0]).uid;
      const cliCsv = wwb('export', '--run', String(result.idMap[firstUid]), '--db', fresh);
      expect(cliCsv.status, cliCsv.stderr).toBe(0);
      expect(csvBody(cliCsv.stdout)).toEqual(csvBody(appCsv));
      expect(csvBody(appCsv).length).toBeGreaterThan(3);
      const py = spawnSync('/usr/bin/python3', [join(ROOT, 'tools/python/wwb_reader.py'), fresh, '--experiment', `bundle-${id}`], { encoding: 'utf8' });
      if (py.status === 0) expect(JSON.parse(py.stdout).runs).toHaveLength(2);

      // the same bundle imported into the app again: nothing added
      const count = await page.getByTestId('library-count').textContent();
      await page.getByTestId('import-bundle-file').setInputFiles(bundlePath);
      await expect(page.getByRole('alert').filter({ hasText: 'Imported 0 runs' })).toContainText('(2 already here)');
      await expect(page.getByTestId('library-count')).toHaveText(count!);

      // a tampered copy (one J changed, checksum kept) is refused whole
      const tampered = JSON.parse(readFileSync(bundlePath, 'utf8'));
      tampered.content.runs[0].trace.columns.J[1] = 42;
      tampered.content.runs[0].uid = '0'.repeat(32);
      const tamperedPath = join(tmp, 'tampered.json');
      writeFileSync(tamperedPath, JSON.stringify(tampered));
      await page.getByTestId('import-bundle-file').setInputFiles(tamperedPath);
      await expect(page.getByRole('alert').filter({ hasText: 'refused' }).last()).toContainText('the bundle is damaged: its checksum is sha256:');
      await page.getByTestId('filter-experiment').selectOption('');
      await search.fill(id);
      await expect(page.getByTestId('library-count')).toHaveText(/^2 of /);

      // re-run from the stored configuration: the recorded random init (seed 3) again, so the same J
      await table.locator('tbody tr', { hasText: labels[0] }).first().click();
      await page.getByTestId('rerun').click();
      const rerunRow = table.locator('tbody tr', { hasText: `${labels[0]} (re-run)` });
      await expect(rerunRow).toContainText('completed', { timeout: 120_000 });
      await expect(rerunRow).toContainText(`bundle-${id}`); // same experiment
      await rerunRow.click();
      await expect(page.getByTestId('run-editor')).toContainText('init random (seed 3)');
      const rerunDownload = page.waitForEvent('download');
      await page.getByTestId('export-csv').click();
      const rerunCsv = readFileSync((await (await rerunDownload).path())!, 'utf8');
      const column = (text: string, name: string) => {
        const lines = text.trim().split('\n').filter((l) => !l.startsWith('#'));
        const k = lines[0].split(',').indexOf(name);
        return lines.slice(1).map((l) => l.split(',')[k]);
      };
      expect(column(rerunCsv, 'J')).toEqual(column(appCsv, 'J'));

      // duplicate as new: the launch panel shows the configuration to edit, then start
      await table.locator('tbody tr', { hasText: labels[1] }).click();
      await page.getByTestId('duplicate').click();
      await expect(page.getByRole('tab', { name: 'Runs' })).toHaveAttribute('aria-selected', 'true');
      await expect(page.locator('#run-seed')).toHaveValue('3');
      await expect(page.locator('#run-init')).toHaveValue('uniform');
      await expect(page.locator('#run-label')).toHaveValue(`${labels[1]} (copy)`);
      await expect(page.getByRole('alert').filter({ hasText: 'Configuration of run' })).toBeVisible();

      // after a reload: found by the bulk tag; the experiment's notes still rendered
      await page.reload();
      await app.waitReady();
      await page.getByRole('tab', { name: 'Library' }).click();
      await page.getByTestId('library-search').fill(`sweep-${id}`);
      await expect(page.getByTestId('library-count')).toHaveText(/^3 of /); // the re-run kept its original's tags
      await page.getByTestId('library-search').fill(`largest radius ${id}`);
      await expect(page.getByTestId('library-count')).toHaveText(/^1 of /); // the notes, found by search
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
