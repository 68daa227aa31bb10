/** Page object of the Design view. */
import { expect, type Locator, type Page } from '@playwright/test';

export class DesignPage {
  readonly canvas: Locator;
  readonly issues: Locator;
  readonly validationSummary: Locator;
  readonly saveButton: Locator;
  readonly savedList: Locator;

  constructor(readonly page: Page) {
    this.canvas = page.getByRole('group', { name: 'MDP canvas' });
    this.issues = page.getByRole('list', { name: 'Validation issues' });
    this.validationSummary = page.getByTestId('validation-summary');
    this.saveButton = page.getByRole('button', { name: 'Save', exact: true });
    this.savedList = page.getByRole('list', { name: 'Saved MDPs' });
  }

  states(): Locator {
    return this.canvas.getByRole('button', { name: /^State / });
  }

  /** load a preset; `discard` answers the unsaved-changes question when the current document is dirty */
  async loadPreset(title: string, opts: { discard?: boolean } = {}): Promise<void> {
    await this.page.getByRole('combobox', { name: 'Preset' }).selectOption({ label: title });
    await this.page.getByRole('button', { name: 'Load', exact: true }).click();
    if (opts.discard) await this.discardChanges();
    await expect(this.validationSummary).toContainText('valid');
  }

  async discardChanges(): Promise<void> {
    const dialog = this.page.getByRole('alertdialog', { name: 'Discard unsaved changes?' });
    await dialog.getByRole('button', { name: 'Discard changes' }).click();
    await expect(dialog).toHaveCount(0);
  }

  async importFile(name: string, content: string, opts: { discard?: boolean } = {}): Promise<void> {
    await this.page.getByLabel('Import file').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(content) });
    if (opts.discard) await this.discardChanges();
  }

  async rename(name: string): Promise<void> {
    await this.section('Model');
    await this.page.getByRole('textbox', { name: 'Name' }).fill(name);
  }

  async save(): Promise<void> {
    await expect(this.saveButton).toBeEnabled();
    await this.saveButton.click();
    await expect(this.page.getByLabel('unsaved changes')).toHaveCount(0);
  }

  async section(name: 'Model' | 'Actions' | 'Rewards' | 'Transitions'): Promise<void> {
    const tab = this.page.getByRole('tablist', { name: 'Inspector sections' }).getByRole('tab', { name });
    await tab.click();
    await expect(tab).toHaveAttribute('aria-selected', 'true');
  }

  gammaField(): Locator {
    return this.page.getByRole('textbox', { name: 'gamma', exact: true });
  }

  probabilityField(outcome: number): Locator {
    return this.page.getByRole('textbox', { name: `probability of outcome ${outcome}`, exact: true });
  }

  issue(text: string | RegExp): Locator {
    return this.issues.getByRole('listitem').filter({ hasText: text });
  }
}
