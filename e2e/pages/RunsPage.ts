/** Page object of the Runs view. */
import { expect, type Locator, type Page } from '@playwright/test';

export class RunsPage {
  readonly table: Locator;
  readonly startButton: Locator;
  readonly pauseButton: Locator;
  readonly resumeButton: Locator;
  readonly cancelButton: Locator;

  constructor(readonly page: Page) {
    this.table = page.getByRole('table', { name: 'Runs' });
    this.startButton = page.getByRole('button', { name: 'Start run' });
    this.pauseButton = page.getByRole('button', { name: 'Pause' });
    this.resumeButton = page.getByRole('button', { name: 'Resume' });
    this.cancelButton = page.getByRole('button', { name: 'Cancel' });
  }

  async configure(opts: { mdp: string; method: string; label: string; iterations?: number; options?: Record<string, string> }): Promise<void> {
    const mdp = this.page.getByRole('combobox', { name: 'MDP' });
    const option = mdp.locator('option', { hasText: opts.mdp });
    await expect(option).toHaveCount(1);
    await mdp.selectOption({ label: (await option.textContent())!.trim() });
    await this.page.getByRole('combobox', { name: 'Method' }).selectOption({ label: opts.method });
    for (const [label, value] of Object.entries(opts.options ?? {})) await this.page.getByLabel(label, { exact: true }).fill(value);
    if (opts.iterations !== undefined) await this.page.getByRole('textbox', { name: 'Iterations' }).fill(String(opts.iterations));
    await this.page.getByRole('textbox', { name: 'Label' }).fill(opts.label);
  }

  async start(): Promise<void> {
    await expect(this.startButton).toBeEnabled();
    await this.startButton.click();
  }

  row(label: string): Locator {
    return this.table.getByRole('row').filter({ hasText: label });
  }

  status(label: string): Locator {
    return this.row(label).locator('[data-status]');
  }

  async waitCompleted(label: string, timeout = 120_000): Promise<void> {
    await expect(this.status(label)).toHaveText('completed', { timeout });
  }

  async select(label: string): Promise<void> {
    await this.row(label).click();
    await expect(this.detail()).toBeVisible();
  }

  /** lifecycle state of the run last started from the form (worker-confirmed) */
  activeState(): Locator {
    return this.page.getByTestId('active-state');
  }

  /** iterations the active run has computed */
  async activeCount(): Promise<number> {
    const text = (await this.page.getByTestId('active-count').textContent()) ?? '';
    return Number(/^(\d+)/.exec(text.trim())?.[1] ?? 0);
  }

  detail(): Locator {
    return this.page.getByRole('region', { name: /^Run \d+$/ });
  }

  metricsChart(): Locator {
    return this.page.getByRole('img', { name: /^Metrics of run \d+/ });
  }

  /** number of trace points the chart of the selected run holds */
  async chartPoints(): Promise<number> {
    const text = (await this.page.getByTestId('chart-points').textContent()) ?? '';
    return Number(/(\d+) points/.exec(text)?.[1] ?? 0);
  }
}
