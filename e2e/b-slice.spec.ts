import { test, expect, uid } from './fixtures';

test.describe('the vertical slice', () => {
  test('FrozenLake 4x4: save, run soft VI and NPG live, reload, runs and traces are still there', async ({ app, page }) => {
    const id = uid();
    const mdpName = `FrozenLake e2e ${id}`;
    const svi = `svi-${id}`;
    const npg = `npg-${id}`;

    await test.step('design: load the preset and save it', async () => {
      await app.open('Design');
      await app.design.loadPreset('FrozenLake 4x4');
      await expect(app.design.states()).toHaveCount(16);
      await app.design.rename(mdpName);
      await app.design.save();
      await expect(app.design.savedList.getByRole('button', { name: `Open ${mdpName}` })).toBeVisible();
    });

    await test.step('run soft value iteration: live chart, then completed', async () => {
      await app.open('Runs');
      await app.runs.configure({ mdp: mdpName, method: 'Soft value iteration (exact)', label: svi });
      await app.runs.start();
      await expect(app.runs.row(svi)).toBeVisible();
      await expect(app.runs.metricsChart()).toBeVisible();
      await expect.poll(() => app.runs.chartPoints(), { message: 'the live chart receives points' }).toBeGreaterThan(0);
      await app.runs.waitCompleted(svi);
    });

    await test.step('run NPG: live chart, then completed', async () => {
      await app.runs.configure({ mdp: mdpName, method: 'NPG / policy mirror descent (KL)', label: npg, iterations: 150, options: { 'eta (step)': '0.05' } });
      await app.runs.start();
      await expect(app.runs.row(npg)).toBeVisible();
      await expect.poll(() => app.runs.chartPoints()).toBeGreaterThan(0);
      await app.runs.waitCompleted(npg);
      // NPG in log space reaches the optimum before its 150 updates: the driver says why it stopped
      await app.runs.select(npg);
      await expect(app.runs.detail().locator('dt[title="stopReason"] + dd')).toContainText('converged');
    });

    await test.step('reload: both runs are listed again, with their traces', async () => {
      await page.reload();
      await app.waitReady();
      await app.open('Runs');
      await expect(app.runs.status(svi)).toHaveText('completed');
      await expect(app.runs.status(npg)).toHaveText('completed');
      for (const label of [svi, npg]) {
        await app.runs.select(label);
        await expect(app.runs.metricsChart()).toBeVisible();
        await expect.poll(() => app.runs.chartPoints(), { message: `trace of ${label} loaded from the database` }).toBeGreaterThan(1);
      }
      // NPG's policy evolves over stored snapshots
      await app.runs.detail().getByRole('tab', { name: 'Policy' }).click();
      await expect(page.getByRole('img', { name: /^Policy heatmap of run/ })).toBeVisible();
      await expect(page.getByRole('slider', { name: 'Policy snapshot' })).toBeEnabled();
      // the last snapshot is the converged policy: NPG stopped at its criterion after 50 updates
      await expect(page.getByTestId('snapshot-iteration')).toHaveText('iteration 50');
    });
  });
});
