/** Page object of the active run's storage line: points stored vs computed and the connection. */
import type { Locator, Page } from '@playwright/test';

export class RunSyncPanel {
  readonly line: Locator;

  constructor(readonly page: Page) {
    this.line = page.getByTestId('active-sync');
  }

  /** id of the run last started from the form */
  async runId(): Promise<number> {
    const text = (await this.page.getByTestId('active-run').textContent()) ?? '';
    return Number(/run #(\d+)/.exec(text)?.[1] ?? NaN);
  }

  async stored(): Promise<number> {
    return Number((await this.page.getByTestId('active-stored').textContent()) ?? NaN);
  }

  async computed(): Promise<number> {
    return Number((await this.page.getByTestId('active-computed').textContent()) ?? NaN);
  }

  /** 'online' | 'retrying' | 'failed' */
  async connection(): Promise<string> {
    return (await this.line.getAttribute('data-connection')) ?? '';
  }
}
