import { test, expect, uid } from './fixtures';

test.describe('the fitted rate on the gap chart', () => {
  test('NPG on FrozenLake 4x4: the fitted line is drawn with its slope, unit and the bound in the diagnostics', async ({ app, page }) => {
    const id = uid();
    const mdpName = `FrozenLake rate ${id}`;
    const label = `npg-rate-${id}`;
    await app.open('Design');
    await app.design.loadPreset('FrozenLake 4x4');
    await app.design.rename(mdpName);
    await app.design.save();
    await expect(app.design.savedList.getByRole('button', { name: `Open ${mdpName}` })).toBeVisible();

    await app.open('Runs');
    await app.runs.configure({ mdp: mdpName, method: 'NPG / policy mirror descent (KL)', label, iterations: 60, options: { 'eta (step)': '0.05' } });
    await app.runs.start();
    await app.runs.waitCompleted(label);
    await app.runs.select(label);
    await expect(app.runs.metricsChart()).toBeVisible();
    const fit = page.getByTestId('chart-rate-fit');
    await expect(fit).toContainText(/fitted rate [0-9.e+-]+ per iteration \(factor [0-9.e+-]+, r² [0-9.]+\) on iterations/);
    // the diagnostics table carries the unit, the window and NPG's bound next to the measured factor
    const detail = app.runs.detail();
    const diag = (key: string) => detail.locator(`dt[title="${key}"] + dd`);
    await expect(diag('gapRateUnit')).toContainText('per iteration');
    await expect(diag('rateBound')).toContainText('0.995');
    await expect(diag('withinRateBound')).toContainText(/true|yes/);
  });
});
