/** Page object of the shell: tabs, status bar; entry point to the per-view page objects. */
import { expect, type Locator, type Page } from '@playwright/test';
import { DesignPage } from './DesignPage';
import { RunsPage } from './RunsPage';
import { ComparePage } from './ComparePage';

export class WorkbenchApp {
  readonly statusBar: Locator;
  readonly design: DesignPage;
  readonly runs: RunsPage;
  readonly compare: ComparePage;

  constructor(readonly page: Page) {
    this.statusBar = page.getByRole('status', { name: 'Status bar' });
    this.design = new DesignPage(page);
    this.runs = new RunsPage(page);
    this.compare = new ComparePage(page);
  }

  tab(name: 'Design' | 'Runs' | 'Compare'): Locator {
    return this.page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name });
  }

  async open(name: 'Design' | 'Runs' | 'Compare'): Promise<void> {
    await this.tab(name).click();
    await expect(this.tab(name)).toHaveAttribute('aria-selected', 'true');
  }

  /** The shell is up and the API answered app:info (the database path is shown). */
  async waitReady(): Promise<void> {
    await expect(this.tab('Design')).toBeVisible();
    await expect(this.statusBar.getByTestId('db-path')).not.toBeEmpty();
  }

  gpuStatus(): Locator {
    return this.statusBar.getByTestId('gpu-status');
  }
}
