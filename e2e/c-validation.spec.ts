import { test, expect } from './fixtures';

test.describe('live validation', () => {
  test('a bad gamma and a bad probability show their specific errors and lose nothing', async ({ app, page }) => {
    await app.open('Design');
    await app.design.loadPreset('FrozenLake 4x4');
    await expect(app.design.states()).toHaveCount(16);

    await test.step('gamma out of range: error at gamma, save disabled, document intact', async () => {
      await app.design.section('Model');
      await app.design.gammaField().fill('1.5');
      await expect(app.design.validationSummary).toContainText('error');
      await expect(app.design.issue(/gamma/)).toBeVisible();
      await expect(app.design.issue(/gamma/).first()).toContainText('gamma');
      await expect(app.design.gammaField()).toHaveAttribute('aria-invalid', 'true');
      await expect(app.design.saveButton).toBeDisabled();
      await expect(app.design.states()).toHaveCount(16);
    });

    await test.step('not a number: inline error, the document keeps its last value', async () => {
      await app.design.gammaField().fill('0.9x');
      await expect(page.getByRole('alert').filter({ hasText: "gamma: '0.9x' is not a number" })).toBeVisible();
      await expect(page.getByRole('textbox', { name: 'Name' })).toHaveValue('FrozenLake 4x4');
      await app.design.gammaField().fill('0.95');
      await expect(app.design.validationSummary).toContainText('valid');
      await expect(app.design.issues).toHaveCount(0);
    });

    await test.step('probability that breaks a row sum: error with its location', async () => {
      await app.design.section('Transitions');
      await app.design.states().first().click();
      const p = app.design.probabilityField(0);
      const before = await p.inputValue();
      await p.fill('1.5');
      await expect(app.design.validationSummary).toContainText('error');
      const issue = app.design.issues.getByRole('listitem').first();
      await expect(issue).toContainText(/transitions/);
      await expect(issue).toContainText(/probabilit|sum/i);
      await expect(app.design.states()).toHaveCount(16);
      await expect(app.design.saveButton).toBeDisabled();
      // negative probability: its own error
      await p.fill('-0.2');
      await expect(app.design.issues.getByRole('listitem').filter({ hasText: /negative|>= 0|non-negative|must be/i }).first()).toBeVisible();
      // restoring the value makes the document valid again, nothing else changed
      await p.fill(before);
      await expect(app.design.validationSummary).toContainText('valid');
      await expect(app.design.states()).toHaveCount(16);
      await expect(app.design.saveButton).toBeEnabled();
    });
  });
});
