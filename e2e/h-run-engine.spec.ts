import { test, expect, uid } from './fixtures';

test.describe('run engine in the launch panel', () => {
  test("the form refuses what the method's spec refuses; random and stored-run inits start runs", async ({ app, page }) => {
    const id = uid();
    const mdpName = `FrozenLake engine ${id}`;
    const first = `ot-random-${id}`;
    const second = `ot-from-run-${id}`;

    await app.open('Design');
    await app.design.loadPreset('FrozenLake 4x4');
    await app.design.rename(mdpName);
    await app.design.save();
    await app.open('Runs');

    await test.step('OT-TRPO with tau > 0 or a radius above max c is refused in the form', async () => {
      await app.runs.configure({ mdp: mdpName, method: 'OT trust region (mass splitting)', label: first, iterations: 5 });
      await page.getByLabel('tau (must be 0)', { exact: true }).fill('0.1');
      await expect(page.getByRole('alert').filter({ hasText: "ot-trpo: option 'tau' must be 0, got 0.1" })).toContainText('wasserstein-flow, langevin, jko-sinkhorn, npg');
      await expect(app.runs.startButton).toBeDisabled();
      await page.getByLabel('tau (must be 0)', { exact: true }).fill('0');
      await page.getByLabel('eps (radius)', { exact: true }).fill('10');
      await expect(page.getByRole('alert').filter({ hasText: "ot-trpo: option 'eps' (radius) must lie in (0, 4] on this MDP" })).toBeVisible();
      await expect(app.runs.startButton).toBeDisabled();
      await page.getByLabel('eps (radius)', { exact: true }).fill('0.2');
    });

    await test.step("a random init (the run's seed) starts and completes a run of 5 updates", async () => {
      await page.getByRole('combobox', { name: 'Initial policy' }).selectOption('random');
      await page.getByRole('textbox', { name: 'Seed' }).fill('5');
      await app.runs.start();
      await app.runs.waitCompleted(first);
    });

    await test.step("the final policy of that run starts the next one", async () => {
      await app.runs.configure({ mdp: mdpName, method: 'OT trust region (mass splitting)', label: second, iterations: 5 });
      await page.getByRole('combobox', { name: 'Initial policy' }).selectOption('run');
      const stored = page.getByRole('combobox', { name: 'Stored run' });
      const option = stored.locator('option', { hasText: first });
      await expect(option).toHaveCount(1);
      await stored.selectOption({ label: (await option.textContent())!.trim() });
      await app.runs.start();
      await app.runs.waitCompleted(second);
    });
  });
});
