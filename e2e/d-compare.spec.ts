import { readFile } from 'node:fs/promises';
import { test, expect, uid } from './fixtures';

test.describe('compare', () => {
  test('two runs overlaid, with the configuration diff highlighted', async ({ app, page }) => {
    const id = uid();
    const mdpName = `Chain e2e ${id}`;
    const a = `npg-fast-${id}`;
    const b = `npg-slow-${id}`;

    await app.open('Design');
    await app.design.loadPreset('Chain');
    await app.design.rename(mdpName);
    await app.design.save();

    await app.open('Runs');
    await app.runs.configure({ mdp: mdpName, method: 'NPG / policy mirror descent (KL)', label: a, iterations: 60, options: { 'eta (step)': '0.1' } });
    await app.runs.start();
    await app.runs.waitCompleted(a);
    await app.runs.configure({ mdp: mdpName, method: 'NPG / policy mirror descent (KL)', label: b, iterations: 60, options: { 'eta (step)': '0.02' } });
    await app.runs.start();
    await app.runs.waitCompleted(b);

    await app.open('Compare');
    await app.compare.pick(a);
    await app.compare.pick(b);
    await expect(app.compare.chart).toBeVisible();
    await expect(app.compare.chart).toHaveAttribute('aria-label', 'Overlay of gap J* − J for 2 runs');
    await expect(app.compare.diff).toBeVisible();
    // eta differs and is highlighted; method and MDP are the same
    await expect(app.compare.diffRow('eta')).toHaveAttribute('data-differs', 'true');
    await expect(app.compare.diffRow('eta')).toContainText('0.02');
    await expect(app.compare.diffRow('method')).toHaveAttribute('data-differs', 'false');
    await expect(app.compare.diffRow('MDP')).toHaveAttribute('data-differs', 'false');

    await app.compare.metric('J (regularised)');
    await expect(app.compare.chart).toHaveAttribute('aria-label', 'Overlay of J (regularised) for 2 runs');

    for (const [button, ext] of [['Export CSV', 'csv'], ['Export JSON', 'json'], ['Export PNG', 'png']] as const) {
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: button }).click();
      const file = await download;
      expect(file.suggestedFilename()).toMatch(new RegExp(`\\.${ext}$`));
      if (ext === 'csv') {
        const text = await readFile((await file.path())!, 'utf8');
        // a '#' line with the app version and the runs' configuration hashes, then the header
        expect(text.split('\n')[0]).toMatch(/^# Wasserstein Workbench \S+; run \d+ config [0-9a-f]{64}/);
        expect(text.split('\n')[1]).toMatch(/^run_id,label,method,iteration,J,/);
        expect(text).toContain(a);
        expect(text).toContain(b);
      }
    }
  });
});
