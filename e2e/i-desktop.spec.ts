/**
 * Desktop behaviour in the page (issue 12): the command registry's shortcuts scoped to the active
 * view, the command palette, the dark theme, and the state a reload brings back (last view, Compare
 * selection). Browser mode here; the Electron project runs the same specs where a binary exists.
 */
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, uid } from './fixtures';
import { CommandPalette } from './pages/CommandPalette';
import type { Page } from '@playwright/test';

const SCREENSHOTS = fileURLToPath(new URL('../docs/screenshots', import.meta.url));

/** keys go to the page, not to a focused field (text fields keep their own Ctrl+Z) */
async function blur(page: Page): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

test.describe('desktop behaviour', () => {
  test('Ctrl+1/2/3 switch views; Ctrl+Z on the Runs tab leaves the design alone; Ctrl+Shift+Z and Ctrl+Y redo', async ({ app, page }) => {
    const name = `Undo scope ${uid()}`;
    await app.open('Design');
    await app.design.loadPreset('Chain');
    await app.design.rename(name);
    const title = page.getByRole('heading', { level: 1 });
    await expect(title).toHaveText(name);
    await blur(page);

    for (const [key, tab] of [['Control+2', 'Runs'], ['Control+3', 'Compare'], ['Control+1', 'Design'], ['Control+2', 'Runs']] as const) {
      await page.keyboard.press(key);
      await expect(app.tab(tab)).toHaveAttribute('aria-selected', 'true');
    }

    // Runs tab on screen: the Design view is still mounted (KeepAlive) but its undo is out of scope
    for (let i = 0; i < 3; i++) await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+1');
    await expect(app.tab('Design')).toHaveAttribute('aria-selected', 'true');
    await expect(title).toHaveText(name);

    // in the Design view the same key undoes the rename; both redo keys bring it back
    await blur(page);
    await page.keyboard.press('Control+z');
    await expect(title).not.toHaveText(name);
    await page.keyboard.press('Control+Shift+Z');
    await expect(title).toHaveText(name);
    await page.keyboard.press('Control+z');
    await expect(title).not.toHaveText(name);
    await page.keyboard.press('Control+y');
    await expect(title).toHaveText(name);
  });

  test('Ctrl+S saves the design, Ctrl+Enter starts a run in the Runs view, and nowhere else', async ({ app, page }) => {
    const id = uid();
    const mdpName = `Shortcut chain ${id}`;
    const label = `ctrl-enter-${id}`;
    await app.open('Design');
    await app.design.loadPreset('Chain');
    await app.design.rename(mdpName);
    await blur(page);
    await page.keyboard.press('Control+s');
    await expect(page.getByLabel('unsaved changes')).toHaveCount(0);
    await expect(app.design.savedList).toContainText(mdpName);

    await page.keyboard.press('Control+2');
    await app.runs.configure({ mdp: mdpName, method: 'NPG / policy mirror descent (KL)', label, iterations: 40 });
    // the Design view has no Start: Ctrl+Enter there does nothing
    await page.keyboard.press('Control+1');
    await page.keyboard.press('Control+Enter');
    await page.keyboard.press('Control+2');
    await expect(app.runs.row(label)).toHaveCount(0);
    // on the Runs view it starts the configured run (from inside a form field too)
    await page.getByRole('textbox', { name: 'Label' }).focus();
    await page.keyboard.press('Control+Enter');
    await app.runs.waitCompleted(label);
    await expect(app.runs.row(label)).toHaveCount(1);
  });

  test('the command palette runs a command; the dark theme renders', async ({ app, page }) => {
    const palette = new CommandPalette(page);
    await palette.run('compare', 'Compare');
    await expect(app.tab('Compare')).toHaveAttribute('aria-selected', 'true');

    // Escape closes it without running anything
    await palette.open();
    await page.keyboard.press('Escape');
    await expect(palette.dialog).toHaveCount(0);
    await expect(app.tab('Compare')).toHaveAttribute('aria-selected', 'true');

    // the theme follows the OS until the user picks one
    const html = page.locator('html');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect(html).toHaveAttribute('data-theme', 'light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await palette.run('theme light', 'Theme: Light');
    await expect(html).toHaveAttribute('data-theme', 'light');
    await palette.run('theme dark', 'Theme: Dark');
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect(html).toHaveAttribute('data-theme', 'dark');
    // the page really is dark: body background and text from the dark variables
    const colours = await page.evaluate(() => {
      const s = getComputedStyle(document.body);
      return { bg: getComputedStyle(document.documentElement).backgroundColor, text: s.color };
    });
    expect(colours.bg).toBe('rgb(22, 24, 27)');
    expect(colours.text).toBe('rgb(226, 229, 233)');

    // a screenshot with a chart on it (a short run, selected)
    const id = uid();
    const mdpName = `Dark chain ${id}`;
    const label = `dark-${id}`;
    await app.open('Design');
    await app.design.loadPreset('Chain');
    await app.design.rename(mdpName);
    await app.design.save();
    await app.open('Runs');
    await app.runs.configure({ mdp: mdpName, method: 'NPG / policy mirror descent (KL)', label, iterations: 60 });
    await app.runs.start();
    await app.runs.waitCompleted(label);
    await app.runs.select(label);
    await expect(app.runs.metricsChart()).toBeVisible();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'dark.png') });

    // the About box shows the version
    await palette.run('about', 'About Wasserstein Workbench');
    const about = page.getByRole('dialog', { name: 'Wasserstein Workbench' });
    await expect(about.getByTestId('about-version')).toHaveText(/^version \d+\.\d+\.\d+/);
    await about.getByRole('button', { name: 'Close' }).click();
    await expect(about).toHaveCount(0);
  });

  test('the last view and the Compare selection come back after a reload', async ({ app, page }) => {
    const id = uid();
    const mdpName = `Reload chain ${id}`;
    const label = `reload-${id}`;
    await app.open('Design');
    await app.design.loadPreset('Chain');
    await app.design.rename(mdpName);
    await app.design.save();
    await app.open('Runs');
    await app.runs.configure({ mdp: mdpName, method: 'NPG / policy mirror descent (KL)', label, iterations: 30 });
    await app.runs.start();
    await app.runs.waitCompleted(label);

    await app.open('Compare');
    await app.compare.pick(label);
    await expect(app.compare.chart).toBeVisible();

    await page.reload();
    await app.waitReady();
    await expect(app.tab('Compare')).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('checkbox', { name: new RegExp(`Compare run \\d+ ${label}$`) })).toBeChecked();
    await expect(app.compare.chart).toBeVisible();
  });

  test('reloading the page while a run computes asks first; dismissing keeps the run going', async ({ app, page, target }) => {
    test.skip(target === 'electron', 'the desktop app asks in its window close handler instead');
    const id = uid();
    const mdpName = `Long taxi ${id}`;
    const label = `long-${id}`;
    await app.open('Design');
    await app.design.loadPreset('Taxi');
    await app.design.rename(mdpName);
    await app.design.save();
    await app.open('Runs');
    // softmax policy gradient with a small step on 500 states: runs for minutes
    await app.runs.configure({ mdp: mdpName, method: 'Softmax policy gradient', label, iterations: 10_000_000, options: { 'eta (step)': '0.01' } });
    await app.runs.start();
    await expect(app.runs.activeState()).toHaveAttribute('data-state', 'running');

    const asked = new Promise<string>((resolve) => {
      page.once('dialog', (d) => {
        resolve(d.type());
        void d.dismiss();
      });
    });
    const reload = page.reload({ timeout: 5_000 }).catch(() => 'not reloaded');
    expect(await asked).toBe('beforeunload');
    await reload;
    await expect(app.runs.activeState()).toHaveAttribute('data-state', 'running');

    // with nothing running, a reload goes through without a question
    await page.keyboard.press('Shift+F5');
    await expect(app.runs.activeState()).toHaveAttribute('data-state', 'cancelled');
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.accept();
    });
    await page.reload();
    await app.waitReady();
    expect(dialogs).toBe(0);
    await expect(app.tab('Runs')).toHaveAttribute('aria-selected', 'true');
  });
});
