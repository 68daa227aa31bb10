/**
 * Issue 15's done-when in a real browser: sampled OT-TRPO (Monte-Carlo advantages) on a small MDP over
 * three seeds (the third on WebGPU: estimate on the CPU, update on the GPU), grouped in Compare (all but seed: one group of 3 with a band of non-zero width), the exact
 * run of the same configuration computed from the "Compute exact oracle" action and drawn dashed and faint
 * as the oracle in the group chart, the overlay and the run's live view; samples consumed as the x axis.
 * Screenshot: docs/screenshots/compare-sampled-oracle.png.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { test, expect, uid } from './fixtures';

const SHOTS = fileURLToPath(new URL('../docs/screenshots', import.meta.url));

test.describe('sampled runs next to the exact oracle', () => {
  test('three seeds of sampled OT-TRPO: mean and band in Compare, the exact run drawn as the oracle', async ({ app, page }) => {
    test.setTimeout(240_000);
    const id = uid();
    const mdpName = `Chain sampled ${id}`;
    await app.open('Design');
    await app.design.loadPreset('Chain');
    await app.design.rename(mdpName);
    await app.design.save();

    await app.open('Runs');
    const labels: string[] = [];
    for (const seed of [1, 2, 3]) {
      const label = `mc-s${seed}-${id}`;
      await app.runs.configure({ mdp: mdpName, method: 'OT trust region (mass splitting)', label, iterations: 20, options: { 'eps (radius)': '0.1' } });
      await page.locator('#opt-estimator').selectOption('monte-carlo');
      await page.getByLabel('rollouts M', { exact: true }).fill('4');
      await page.getByLabel('horizon H', { exact: true }).fill('20');
      await page.locator('#run-seed').fill(String(seed));
      // the third seed on WebGPU: the estimate on the CPU, the update on the GPU, said in the backend note
      if (seed === 3) await page.getByRole('radio', { name: 'WebGPU' }).check();
      await app.runs.start();
      await app.runs.waitCompleted(label);
      if (seed === 3) await expect(page.getByText(/backend webgpu · .*estimator on the CPU, update on the GPU: monte-carlo: 4 rollouts of horizon 20/).first()).toBeVisible();
      labels.push(label);
    }
    // the live view of a sampled run offers its oracle, none being stored yet
    await app.runs.select(labels[0]);
    await expect(app.runs.detail().getByTestId('oracle-compute')).toBeVisible();

    await app.open('Compare');
    for (const l of labels) await app.compare.pick(l);
    const groups = page.getByTestId('compare-groups');
    await expect(groups.getByRole('table', { name: 'Group summary' }).locator('tbody tr')).toHaveCount(1);
    await expect(groups.getByRole('table', { name: 'Group summary' }).locator('tbody tr td').nth(1)).toHaveText('3');
    // three seeds give three different traces: the band has width
    await expect(groups.getByTestId('zero-width-note')).toHaveCount(0);

    // no exact run of this configuration yet: compute it from Compare
    await groups.getByTestId('oracle-compute').click();
    const legend = groups.getByTestId('oracle-legend');
    await expect(legend).toContainText(/exact oracle: run #\d+/, { timeout: 60_000 });
    const oracleId = /#(\d+)/.exec((await legend.textContent()) ?? '')![1];
    await expect(groups.getByTestId('oracle-compute')).toHaveCount(0);
    // the oracle is a stored exact run, computed by this page: wait until it has finished
    const firstId = /Compare run (\d+) /.exec((await page.getByRole('checkbox', { name: new RegExp(`${labels[0]}$`) }).getAttribute('aria-label')) ?? '')![1];
    await app.open('Runs');
    await app.runs.waitCompleted(`exact oracle of #${firstId}`);
    await app.open('Compare');
    // one dashed line with every row of the exact run (OT-TRPO may converge before its 20 iterations)
    await expect(legend).toHaveAttribute('data-lines', '1');
    await expect.poll(async () => Number(await legend.getAttribute('data-points'))).toBeGreaterThan(2);
    const points = await legend.getAttribute('data-points');

    // at equal sample budgets: the oracle follows the sampled runs' x (update k where sampled update k is)
    await page.getByRole('combobox', { name: 'X axis' }).selectOption('samples');
    await expect(legend).toHaveAttribute('data-lines', '1');
    await expect(legend).toHaveAttribute('data-points', points!);
    await page.getByRole('combobox', { name: 'X axis' }).selectOption('iteration');
    await page.waitForTimeout(300); // let the charts settle before the screenshot
    await page.screenshot({ path: join(SHOTS, 'compare-sampled-oracle.png') });

    // the live view of another seed's run draws the same oracle
    await app.open('Runs');
    await app.runs.select(labels[1]);
    const runLegend = app.runs.detail().getByTestId('oracle-legend');
    await expect(runLegend).toContainText(`#${oracleId}`);
    await expect(runLegend).toHaveAttribute('data-lines', '1');
  });
});
