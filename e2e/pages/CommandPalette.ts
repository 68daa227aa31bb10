/** Page object of the command palette (Ctrl+Shift+P). */
import { expect, type Locator, type Page } from '@playwright/test';

export class CommandPalette {
  readonly dialog: Locator;
  readonly input: Locator;

  constructor(readonly page: Page) {
    this.dialog = page.getByRole('dialog', { name: 'Command palette' });
    this.input = this.dialog.getByRole('combobox', { name: 'Type a command' });
  }

  async open(): Promise<void> {
    await this.page.keyboard.press('Control+Shift+P');
    await expect(this.dialog).toBeVisible();
    await expect(this.input).toBeFocused();
  }

  option(title: string | RegExp): Locator {
    return this.dialog.getByRole('option', { name: title });
  }

  /** type `query` and run the first matching command with Enter */
  async run(query: string, expectFirst: string | RegExp): Promise<void> {
    await this.open();
    await this.input.fill(query);
    await expect(this.dialog.getByRole('option').first()).toContainText(expectFirst);
    await this.input.press('Enter');
    await expect(this.dialog).toHaveCount(0);
  }
}
