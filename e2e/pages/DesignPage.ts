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

  state(label: string): Locator {
    return this.canvas.getByRole('button', { name: `State ${label}`, exact: true });
  }

  edge(from: string, to: string): Locator {
    return this.canvas.getByRole('button', { name: `Edge ${from} → ${to}`, exact: true });
  }

  /** Click an edge at the middle of its curve (the centre of its bounding box is not on a curve). */
  async clickEdge(from: string, to: string): Promise<void> {
    const pt = await this.edge(from, to).evaluate((el) => {
      const path = el as SVGPathElement;
      const p = path.getPointAtLength(path.getTotalLength() / 2);
      const q = new DOMPoint(p.x, p.y).matrixTransform(path.getScreenCTM()!);
      return { x: q.x, y: q.y };
    });
    await this.page.mouse.click(pt.x, pt.y);
  }

  /**
   * Draw a transition on the canvas with the mouse: press on the handle of `from`, move onto `to` (the
   * same state for a self-loop), release; then fill the in-place form.
   */
  async drawTransition(from: string, to: string, opts: { action: string; p?: string; rescale?: boolean }): Promise<void> {
    const handle = this.canvas.getByRole('button', { name: `Draw a transition from ${from}`, exact: true });
    const h = (await handle.boundingBox())!;
    const t = (await this.state(to).boundingBox())!;
    const mouse = this.page.mouse;
    await mouse.move(h.x + h.width / 2, h.y + h.height / 2);
    await mouse.down();
    const tx = t.x + t.width / 2, ty = t.y + t.height / 2;
    await mouse.move((h.x + tx) / 2, (h.y + ty) / 2 - 30, { steps: 5 });
    await mouse.move(tx, ty, { steps: 5 });
    await mouse.up();
    const form = this.page.getByRole('dialog', { name: 'New transition' });
    await expect(form).toBeVisible();
    await form.getByRole('combobox', { name: 'Action of the new transition' }).selectOption({ label: opts.action });
    if (opts.rescale !== undefined) await form.getByRole('checkbox', { name: 'Rescale the other outcomes' }).setChecked(opts.rescale);
    if (opts.p !== undefined) await form.getByRole('textbox', { name: 'Probability of the new transition' }).fill(opts.p);
    await form.getByRole('button', { name: 'Add transition' }).click();
    await expect(form).toHaveCount(0);
  }

  /** Drop a file on the Design view with a real drop event carrying it in a DataTransfer. */
  async dropFile(name: string, content: string): Promise<void> {
    const target = this.page.getByRole('region', { name: 'Design canvas' });
    const dt = await this.page.evaluateHandle(
      ({ name, content }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([content], name, { type: 'application/json' }));
        return dt;
      },
      { name, content },
    );
    await target.dispatchEvent('dragenter', { dataTransfer: dt });
    await target.dispatchEvent('dragover', { dataTransfer: dt });
    await target.dispatchEvent('drop', { dataTransfer: dt });
  }

  importPreview(): Locator {
    return this.page.getByRole('dialog', { name: 'Import preview' });
  }

  /** Solve the current design exactly (Model section) and read J*. */
  async exactOptimum(): Promise<number> {
    await this.section('Model');
    const box = this.page.getByRole('group', { name: 'Exact optimum' });
    await box.getByRole('button', { name: 'Solve exactly' }).click();
    const j = box.getByTestId('exact-J');
    await expect(j).not.toBeEmpty();
    return Number(await j.textContent());
  }
}
