/**
 * The designer as a new user meets it: draw an MDP with the mouse, give one state its own reward
 * formula, break and repair it, survive a reload before saving, save; drop a Gymnasium table on the
 * page and check it has the same exact optimum as the preset (and as a numpy value iteration); see
 * CliffWalking as a grid and Taxi as its map. Screenshots go to docs/screenshots/design-*.png.
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, uid } from './fixtures';

const SHOTS = fileURLToPath(new URL('../docs/screenshots', import.meta.url));
const GYM_FROZEN_LAKE = readFileSync(fileURLToPath(new URL('./data/gymnasium-frozenlake-4x4.json', import.meta.url)), 'utf8');
/** J* of FrozenLake 4x4 (slippery, gamma 0.99) by value iteration in numpy on the same Gymnasium table */
const NUMPY_J_STAR = 0.5420259320004548;

test.describe('designer', () => {
  test('draw a 3-state, 2-action MDP, a per-state reward formula, a fixed error, a draft across a reload, save', async ({ app, page }) => {
    const name = `Drawn ${uid()}`;
    // the reload below asks "leave the page?" (beforeunload) because of the unsaved edits: answer yes
    page.on('dialog', (d) => void d.accept());
    await app.open('Design');
    await expect(page.getByLabel('unsaved changes')).toHaveCount(0);
    await expect(app.design.states()).toHaveCount(2);

    await test.step('a third state, then transitions drawn with the mouse', async () => {
      await page.getByRole('button', { name: '+ Add state' }).click();
      await expect(app.design.states()).toHaveCount(3);
      // s0 --move--> s2 with 0.4: the row (s0, move) was full, so its other outcome is scaled to 0.6
      await app.design.drawTransition('s0', 's2', { action: 'move', p: '0.4', rescale: true });
      await expect(app.design.edge('s0', 's2')).toHaveCount(1);
      // s2 --move--> s0 with 0.5 (the self-loop keeps 0.5), and a self-loop drawn on s1 under "move"
      await app.design.drawTransition('s2', 's0', { action: 'move', p: '0.5', rescale: true });
      await app.design.drawTransition('s1', 's1', { action: 'move', p: '0.25', rescale: true });
      await expect(app.design.edge('s1', 's1')).toHaveCount(1);
      await expect(app.design.validationSummary).toContainText('valid');
      // edge labels carry the action and probability
      await expect(page.locator('.edge-label').filter({ hasText: 'move 0.4' })).toHaveCount(1);
      await expect(page.locator('.edge-label').filter({ hasText: 'move 0.6' })).toHaveCount(1);
    });

    await test.step('select an edge, break its row sum, see the located error, repair it', async () => {
      await app.design.section('Transitions');
      await app.design.clickEdge('s0', 's2');
      const editor = page.getByRole('table', { name: 'Outcomes of the selected edge' });
      await expect(editor).toBeVisible();
      // the outcome table highlights the same outcome
      await expect(page.locator('table[aria-label="Transitions"] tr.picked')).toHaveCount(1);
      const p = editor.getByRole('textbox', { name: 'P(s2 | s0, move)' });
      await p.fill('0.7');
      await expect(app.design.validationSummary).toContainText('error');
      await expect(app.design.issues.getByRole('listitem').first()).toContainText(/transitions/);
      await expect(app.design.saveButton).toBeDisabled();
      await p.fill('0.4');
      await expect(app.design.validationSummary).toContainText('valid');
      await expect(app.design.saveButton).toBeEnabled();
    });

    await test.step("one state's reward by formula, with its own located error", async () => {
      await app.design.section('Rewards');
      await page.getByRole('radio', { name: 'formula' }).check();
      await page.getByRole('textbox', { name: 'reward formula', exact: true }).fill('0');
      await app.design.state('s2').click();
      await page.getByRole('button', { name: '+ Formula for this state' }).click();
      const f = page.getByRole('textbox', { name: 'reward formula of state s2' });
      await f.fill('j == 1 ? 2 : 0.5 +');
      await expect(f).toHaveAttribute('aria-invalid', 'true');
      await expect(page.getByRole('alert').filter({ hasText: 'rewards.perState["2"]' }).first()).toBeVisible();
      await expect(app.design.saveButton).toBeDisabled();
      await f.fill('j == 1 ? 2 : 0.5');
      await expect(app.design.validationSummary).toContainText('valid');
      await expect(page.getByRole('img', { name: 'Reward preview' })).toBeVisible();
      await app.design.rename(name);
      await page.screenshot({ path: join(SHOTS, 'design-drawn.png') });
    });

    await test.step('a reload before saving restores the draft with a notice', async () => {
      await page.waitForTimeout(800); // the draft is written 0.3 s after the last edit
      await page.reload();
      await app.waitReady();
      await expect(page.getByRole('status', { name: 'Draft restored' })).toContainText(name);
      await expect(page.getByLabel('unsaved changes')).toBeVisible();
      await expect(app.design.states()).toHaveCount(3);
      await app.design.section('Rewards');
      await expect(page.getByRole('textbox', { name: 'reward formula of state s2' })).toHaveValue('j == 1 ? 2 : 0.5');
    });

    await test.step('save: the draft is gone, the MDP is in the library', async () => {
      await app.design.save();
      await expect(app.design.savedList.getByRole('button', { name: `Open ${name}` })).toBeVisible();
      await page.waitForTimeout(500);
      await page.reload();
      await app.waitReady();
      await expect(page.getByRole('status', { name: 'Draft restored' })).toHaveCount(0);
    });
  });

  test('a dropped Gymnasium FrozenLake table: preview, then the same exact optimum as the preset', async ({ app, page }) => {
    await app.open('Design');
    await app.design.loadPreset('FrozenLake 4x4');
    await expect(page.getByLabel('unsaved changes')).toHaveCount(0);
    const presetJ = await app.design.exactOptimum();
    expect(Math.abs(presetJ - NUMPY_J_STAR)).toBeLessThan(1e-9);

    await test.step('hostile and malformed drops get a specific message and change nothing', async () => {
      await app.design.dropFile('broken.json', '{"P": {"0": ');
      await expect(page.getByRole('alert').filter({ hasText: 'broken.json is not valid JSON' })).toBeVisible();
      await app.design.dropFile('list.json', '[1, 2, 3]');
      await expect(page.getByRole('alert').filter({ hasText: 'list.json: expected a JSON object' })).toBeVisible();
      await app.design.dropFile('bad-gym.json', '{"P": {"0": {"0": [[1.5, 7, 0, false]]}}, "initial_state_distrib": [1]}');
      await expect(page.getByRole('alert').filter({ hasText: 'bad-gym.json is neither' })).toBeVisible();
      await expect(app.design.importPreview()).toHaveCount(0);
      await expect(app.design.states()).toHaveCount(16);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('FrozenLake 4x4');
    });

    await test.step('the real table: a preview first, cancel keeps the preset', async () => {
      await app.design.dropFile('frozenlake-gym.json', GYM_FROZEN_LAKE);
      const preview = app.design.importPreview();
      await expect(preview.getByTestId('preview-S')).toHaveText('16');
      await expect(preview.getByTestId('preview-N')).toHaveText('4');
      await expect(preview.getByTestId('preview-issues')).toContainText('0 errors');
      await page.screenshot({ path: join(SHOTS, 'design-drop-preview.png') });
      await preview.getByRole('button', { name: 'Cancel' }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('FrozenLake 4x4');
      await app.design.dropFile('frozenlake-gym.json', GYM_FROZEN_LAKE);
      await app.design.importPreview().getByRole('button', { name: 'Replace the current design' }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('frozenlake-gym');
      await expect(app.design.validationSummary).toContainText('valid');
    });

    const droppedJ = await app.design.exactOptimum();
    expect(Math.abs(droppedJ - presetJ)).toBeLessThan(1e-12);
    expect(Math.abs(droppedJ - NUMPY_J_STAR)).toBeLessThan(1e-9);
  });

  test('CliffWalking as a grid and Taxi as its map; a generated grid and a Garnet from the parameter form', async ({ app, page }) => {
    await app.open('Design');
    await app.design.loadPreset('CliffWalking');
    const grid = page.locator('svg[data-view="grid"]');
    await expect(grid).toBeVisible();
    await expect(grid.locator('.cell')).toHaveCount(48);
    await expect(grid.locator('.cell.cliff')).toHaveCount(10);
    await expect(grid.locator('.cell.goal')).toHaveCount(1);
    await expect(grid.locator('.cell.start')).toHaveCount(1);
    await app.design.state('(2,1)').click();
    await expect(grid.locator('.arrow')).toHaveCount(4);
    await page.screenshot({ path: join(SHOTS, 'design-cliffwalking.png') });

    await app.design.loadPreset('Taxi');
    const map = page.locator('svg[data-view="taxi-map"]');
    await expect(map).toBeVisible();
    await expect(map.locator('.cell')).toHaveCount(25);
    await page.getByRole('combobox', { name: 'Passenger' }).selectOption({ label: 'waiting at Y' });
    await page.getByRole('combobox', { name: 'Destination' }).selectOption({ label: 'B' });
    await app.design.state('taxi (2,2) passenger Y to B').click();
    await expect(map.locator('.move')).toHaveCount(4);
    await expect(page.locator('.outcomes')).toContainText('pickup');
    await page.screenshot({ path: join(SHOTS, 'design-taxi.png') });

    await test.step('the grid world generator through the preset parameter form; bad input changes nothing', async () => {
      await page.getByRole('combobox', { name: 'Preset' }).selectOption({ label: 'Grid world generator' });
      await page.getByText(/set parameters/).click();
      const form = page.getByRole('group', { name: 'Preset parameters' });
      await form.getByRole('textbox', { name: 'preset parameter rows' }).fill('12');
      await form.getByRole('textbox', { name: 'preset parameter cols' }).fill('16');
      await form.getByRole('textbox', { name: 'preset parameter startRow' }).fill('40');
      await page.getByRole('button', { name: 'Load', exact: true }).click();
      await expect(page.getByRole('alert').filter({ hasText: 'startRow = 40' })).toBeVisible();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Taxi');
      await form.getByRole('textbox', { name: 'preset parameter startRow' }).fill('0');
      await form.getByRole('textbox', { name: 'preset parameter walls' }).fill('0.2');
      await page.getByRole('button', { name: 'Load', exact: true }).click();
      await expect(page.getByRole('heading', { level: 1 })).toContainText('Generated grid 12x16');
      await expect(grid.locator('.wall')).not.toHaveCount(0);
      await page.screenshot({ path: join(SHOTS, 'design-generated-grid.png') });
    });

    await test.step('the gallery', async () => {
      await page.getByRole('button', { name: 'Gallery…' }).click();
      const gallery = page.getByRole('dialog', { name: 'Presets gallery' });
      await expect(gallery.getByRole('button', { name: /^Load preset / })).toHaveCount(15);
      await page.screenshot({ path: join(SHOTS, 'design-gallery.png') });
      await gallery.getByRole('button', { name: 'Load preset Garnet (random MDP)' }).click();
      await expect(page.getByRole('heading', { level: 1 })).toContainText('Garnet S=20');
      await expect(app.design.states()).toHaveCount(20);
    });

    await test.step('a 100 x 100 generated grid (10^4 states) is checked in the background, an edit there with the usual messages', async () => {
      test.setTimeout(360_000); // 10^5 outcomes to build and compile on a shared CI machine
      await page.getByRole('combobox', { name: 'Preset' }).selectOption({ label: 'Grid world generator' });
      const form = page.getByRole('group', { name: 'Preset parameters' });
      if (!(await form.isVisible())) await page.getByText(/set parameters/).click();
      await form.getByRole('textbox', { name: 'preset parameter rows' }).fill('100');
      await form.getByRole('textbox', { name: 'preset parameter cols' }).fill('100');
      await form.getByRole('textbox', { name: 'preset parameter walls' }).fill('0');
      await form.getByRole('textbox', { name: 'preset parameter holes' }).fill('0');
      await page.getByRole('button', { name: 'Load', exact: true }).click();
      await expect(page.getByRole('heading', { level: 1 })).toContainText('Generated grid 100x100');
      await expect(app.design.validationSummary).toContainText('valid · S=10000 · N=4', { timeout: 90_000 });
      // a cell in the middle of the painted grid, then its first outcome made to break its row sum
      const box = (await grid.boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await expect(page.getByTestId('grid-outcomes')).toBeVisible();
      await app.design.section('Transitions');
      const p = page.getByRole('textbox', { name: /^probability of outcome \d+$/ }).first();
      const before = await p.inputValue();
      await p.fill('1.5');
      await expect(app.design.validationSummary).toContainText('error', { timeout: 90_000 });
      const issue = app.design.issues.getByRole('listitem').first();
      await expect(issue).toContainText(/transitions/);
      await expect(issue).toContainText(/probabilit|sum/i);
      await expect(app.design.saveButton).toBeDisabled();
      await p.fill(before);
      await expect(app.design.validationSummary).toContainText('valid · S=10000', { timeout: 90_000 });
      await app.design.section('Model');
    });
  });
});
