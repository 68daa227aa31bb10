/** Page object of the Compare view. */
import type { Locator, Page } from '@playwright/test';

export class ComparePage {
  readonly chart: Locator;
  readonly diff: Locator;

  constructor(readonly page: Page) {
    this.chart = page.getByRole('img', { name: /^Overlay of / });
    this.diff = page.getByRole('table', { name: 'Config diff' });
  }

  async pick(label: string): Promise<void> {
    await this.page.getByRole('checkbox', { name: new RegExp(`Compare run \\d+ ${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).check();
  }

  async metric(label: string): Promise<void> {
    await this.page.getByRole('combobox', { name: 'Metric' }).selectOption({ label });
  }

  diffRow(setting: string): Locator {
    return this.diff.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: setting, exact: true }) });
  }
}
