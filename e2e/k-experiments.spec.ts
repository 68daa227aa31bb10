/**
 * Issue 9's slice in a real browser: OT-TRPO and KL-TRPO on CliffWalking over two radii and random
 * initial policies, then the runs library: filters, label / tags / notes saved and found by search after
 * a reload, a full-resolution CSV export (rows = updates + 1, with the app version and config hash), the
 * delete confirmations naming what they delete (an experiment with or without its runs), and "Compare these". Screenshot: docs/screenshots/runs-library.png.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { test, expect, uid } from './fixtures';

const SHOTS = fileURLToPath(new URL('../docs/screenshots', import.meta.url));

test.describe('experiments and the runs library', () => {
  test('runs, filters, annotations found after a reload, full-resolution export, delete statement', async ({ app, page }) => {
    test.setTimeout(240_000);
    const id = uid();
    const mdpName = `Cliff k ${id}`;
    await app.open('Design');
    await app.design.loadPreset('CliffWalking');
    await app.design.rename(mdpName);
    await app.design.save();

    await app.open('Runs');
    const labels: string[] = [];
    const grid = [
      { method: 'OT trust region (mass splitting)', option: 'eps (radius)', values: ['0.05', '0.2'], tag: 'ot' },
      { method: 'KL trust region (exact TRPO step)', option: 'delta (KL radius)', values: ['0.02', '0.1'], tag: 'kl' },
    ];
    for (const g of grid)
      for (const v of g.values) {
        const label = `${g.tag}-${v}-${id}`;
        await app.runs.configure({ mdp: mdpName, method: g.method, label, iterations: 12, options: { [g.option]: v } });
        await page.locator('#run-init').selectOption('random');
        await page.locator('#run-seed').fill(String(labels.length + 1));
        await app.runs.start();
        await app.runs.waitCompleted(label);
        labels.push(label);
      }

    await page.getByRole('tab', { name: 'Library' }).click();
    const library = page.getByTestId('runs-library');
    await expect(library).toBeVisible();
    const search = page.getByTestId('library-search');
    await search.fill(id);
    await expect(page.getByTestId('library-count')).toHaveText(/^4 of \d+ runs$/);
    await page.getByTestId('filter-method').selectOption('kl-trpo');
    await expect(page.getByTestId('library-count')).toHaveText(/^2 of /);
    await page.getByTestId('filter-method').selectOption('');
    // sort by seed, both ways (cells: select, #, label, method, MDP, seed, status, rows, ...)
    await page.getByTestId('library-table').getByRole('columnheader', { name: /^seed/ }).click();
    await expect(page.getByTestId('library-table').locator('tbody tr').first().locator('td').nth(5)).toHaveText('1');
    await page.getByTestId('library-table').getByRole('columnheader', { name: /^seed/ }).click();
    await expect(page.getByTestId('library-table').locator('tbody tr').first().locator('td').nth(5)).toHaveText('4');
    // options are searchable too
    await search.fill(`${id} eps=0.2`);
    await expect(page.getByTestId('library-count')).toHaveText(/^1 of /);
    await search.fill(id);

    // annotate one run
    const table = page.getByTestId('library-table');
    const row = table.locator('tbody tr').filter({ hasText: labels[1] });
    await row.click();
    const editor = page.getByTestId('run-editor');
    await expect(editor).toBeVisible();
    const newLabel = `renamed-${id}`;
    await page.getByTestId('edit-label').fill(newLabel);
    await page.getByTestId('edit-tags').fill(`baseline-${id}, radius sweep`);
    await page.getByTestId('edit-notes').fill(`# Why\nThe **larger** radius ${id}.`);
    await page.getByTestId('save-run').click();
    await expect(page.getByTestId('save-run')).toBeDisabled();
    await expect(table.locator('tbody tr').filter({ hasText: newLabel })).toContainText(`baseline-${id}`);

    // an experiment: create, rename, file the run under it, find it by the experiment filter
    await page.getByRole('button', { name: 'New experiment' }).click();
    const expEditor = page.getByTestId('experiment-editor');
    await expect(expEditor).toBeVisible();
    await expEditor.getByLabel('Experiment name').fill(`radii-${id}`);
    await expEditor.getByLabel('Experiment notes').fill('OT vs KL radii on CliffWalking');
    await expEditor.getByRole('button', { name: 'Save experiment' }).click();
    await expect(page.getByTestId('filter-experiment').locator('option', { hasText: `radii-${id}` })).toHaveCount(1);
    await page.getByTestId('filter-experiment').selectOption('');
    await table.locator('tbody tr').filter({ hasText: newLabel }).click();
    await page.getByLabel('Run experiment').selectOption({ label: `radii-${id}` });
    await page.getByTestId('save-run').click();
    await expect(table.locator('tbody tr').filter({ hasText: newLabel })).toContainText(`radii-${id}`);
    await page.getByTestId('filter-experiment').selectOption({ label: `radii-${id} (1)` });
    await expect(page.getByTestId('library-count')).toHaveText(/^1 of /);
    await expEditor.getByRole('button', { name: 'Delete experiment…' }).click();
    await expect(page.getByRole('alertdialog')).toContainText("Its 1 run stay, moved to their MDP's default experiment; no trace is deleted");
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    // with its runs: the statement names the runs and their trace rows
    await expEditor.getByLabel('Also delete its runs').check();
    await expEditor.getByRole('button', { name: 'Delete experiment…' }).click();
    await expect(page.getByRole('alertdialog')).toContainText(/its 1 run with their \d+ trace rows and policy snapshots/);
    await expect(page.getByRole('alertdialog').getByRole('button', { name: 'Delete experiment and 1 run' })).toBeVisible();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('filter-experiment').selectOption('');
    await table.locator('tbody tr').filter({ hasText: newLabel }).click();

    // full-resolution CSV: one row per stored iteration, with the provenance lines
    const rows = Number(await table.locator('tbody tr').filter({ hasText: newLabel }).locator('td').nth(7).textContent());
    const download = page.waitForEvent('download');
    await page.getByTestId('export-csv').click();
    const text = await readFile((await (await download).path())!, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^# wasserstein-workbench export by the app /);
    expect(lines[1]).toMatch(/^# run app_version \S+; config_hash [0-9a-f]{64}$/);
    expect(lines[2]).toMatch(/^iteration,J,Jplain,gap,/);
    const data = lines.slice(3);
    expect(data).toHaveLength(rows);
    const lastIteration = Number(data[data.length - 1].split(',')[0]);
    expect(data).toHaveLength(lastIteration + 1); // iterations + 1 (row 0 = the initial policy)
    expect(data.map((l) => Number(l.split(',')[0]))).toEqual(Array.from({ length: rows }, (_, i) => i));

    // delete states what it deletes; cancelling keeps the run
    await page.getByTestId('delete-run').click();
    const dialog = page.getByRole('alertdialog');
    await expect(dialog).toContainText(`${rows} trace rows`);
    await expect(dialog).toContainText('Other runs, the MDP and the experiment stay');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(table.locator('tbody tr').filter({ hasText: newLabel })).toHaveCount(1);

    await page.setViewportSize({ width: 1440, height: 820 });
    await page.screenshot({ path: join(SHOTS, 'runs-library.png') });

    // after a reload the annotations are found by search (tag and a word of the notes)
    await page.reload();
    await app.waitReady();
    await page.getByRole('tab', { name: 'Library' }).click();
    await page.getByTestId('library-search').fill(`baseline-${id}`);
    await expect(page.getByTestId('library-count')).toHaveText(/^1 of /);
    await expect(table.locator('tbody tr')).toContainText(newLabel);
    await page.getByTestId('library-search').fill(`larger radius ${id}`);
    await expect(page.getByTestId('library-count')).toHaveText(/^1 of /);
    await page.getByTestId('library-search').fill('');
    await page.getByTestId('filter-tag').selectOption(`baseline-${id}`);
    await expect(page.getByTestId('library-count')).toHaveText(/^1 of /);
    await table.locator('tbody tr').first().click();
    await expect(page.getByTestId('edit-notes')).toHaveValue(`# Why\nThe **larger** radius ${id}.`);

    // Compare these: the filtered runs go to Compare
    await page.getByTestId('filter-tag').selectOption('');
    await page.getByTestId('library-search').fill(id);
    await page.getByRole('button', { name: 'Compare these' }).click();
    await expect(page.getByRole('tab', { name: 'Compare' })).toHaveAttribute('aria-selected', 'true');

    // Compare's CSV: every stored row of each run (not the chart's downsampled trace), with provenance columns
    const cmpDownload = page.waitForEvent('download');
    await page.getByRole('region', { name: 'Metric overlay' }).getByRole('button', { name: 'Export CSV' }).click();
    const cmpAll = (await readFile((await (await cmpDownload).path())!, 'utf8')).trim().split('\n');
    // a '#' provenance line (app version, each run's config hash), then the header and the rows
    expect(cmpAll[0]).toMatch(/^# Wasserstein Workbench \d+\.\d+\.\d+; run \d+ config [0-9a-f]{64}/);
    const cmpLines = cmpAll.filter((l) => !l.startsWith('#'));
    expect(cmpLines[0]).toMatch(/^run_id,label,method,iteration,J,.*,app_version,config_hash$/);
    const renamedRows = cmpLines.filter((l) => l.includes(`"${newLabel}"`));
    expect(renamedRows).toHaveLength(rows);
    expect(renamedRows[0]).toMatch(/,[0-9a-f]{64}$/);

    // groups: by method, mean with a min-max band, a baseline with deltas, the sortable summary
    const groups = page.getByTestId('compare-groups');
    await expect(groups).toBeVisible();
    await groups.getByLabel('Group by').selectOption('method');
    await groups.getByLabel('Band').selectOption('minmax');
    await expect(groups.getByRole('img', { name: /^Group means of gap J\* − J for 2 groups$/ })).toBeVisible();
    const summary = groups.getByRole('table', { name: 'Group summary' });
    await expect(summary.locator('tbody tr')).toHaveCount(2);
    await expect(summary.locator('tbody tr').first()).toContainText('2');
    await groups.getByLabel('Y scale').selectOption('linear');
    await groups.getByLabel('Baseline').selectOption('kl-trpo');
    await expect(summary.locator('tbody tr.base')).toContainText('kl-trpo');
    await summary.getByRole('columnheader', { name: /final J/ }).click();
    await expect(summary.getByRole('columnheader', { name: /final J/ })).toHaveAttribute('aria-sort', 'ascending');
    await groups.getByLabel('Smoothing').fill('0.6');
    // aggregated CSV per group: one row per group and iteration, with provenance
    const groupDownload = page.waitForEvent('download');
    await groups.getByTestId('export-groups').click();
    const groupCsv = (await readFile((await (await groupDownload).path())!, 'utf8')).trim().split('\n');
    expect(groupCsv.filter((l) => l.startsWith('# group ')).length).toBe(4);
    const header = groupCsv.findIndex((l) => l === 'group,iteration,n,mean,lo,hi');
    expect(header).toBeGreaterThan(0);
    const groupRows = groupCsv.slice(header + 1);
    expect(new Set(groupRows.map((l) => l.split(',')[0]))).toEqual(new Set(['"kl-trpo"', '"ot-trpo"']));
    for (const l of groupRows) {
      const [, , n, m, lo, hi] = l.split(',').map(Number);
      expect(n === 1 || n === 2).toBe(true);
      expect(lo).toBeLessThanOrEqual(m);
      expect(hi).toBeGreaterThanOrEqual(m);
    }
    // normalised scores with bootstrap intervals
    await groups.getByTestId('compute-scores').click();
    await expect(groups.getByTestId('scores-table').locator('tbody tr')).toHaveCount(2);
    await expect(groups).toContainText('P(ot-trpo > kl-trpo)');
    await groups.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'compare-groups.png') });
  });
});
