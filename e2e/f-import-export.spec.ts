import { readFile } from 'node:fs/promises';
import { test, expect, uid } from './fixtures';

test.describe('import and export', () => {
  test('export the native JSON and import it back; import a Gymnasium P table', async ({ app, page }) => {
    const name = `Chain export ${uid()}`;
    await app.open('Design');
    await app.design.loadPreset('Chain');
    await app.design.rename(name);

    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export JSON' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/\.mdp\.json$/);
    const text = await readFile((await download.path())!, 'utf8');
    const exported = JSON.parse(text) as { format: string; name: string; states: unknown[] };
    expect(exported.format).toBe('wasserstein-workbench/mdp');
    expect(exported.name).toBe(name);
    expect(exported.states).toHaveLength(8);

    // a different document, then the exported file brings the chain back
    await app.design.loadPreset('FrozenLake 4x4', { discard: true });
    await expect(app.design.states()).toHaveCount(16);
    // a preset that was not edited is not 'unsaved': no discard question
    await app.design.importFile('chain.mdp.json', text);
    await expect(app.design.states()).toHaveCount(8);
    await app.design.section('Model');
    await expect(page.getByRole('textbox', { name: 'Name' })).toHaveValue(name);

    // Gymnasium-style: P[s][a] = [[prob, next, reward, terminated], ...]
    const gym = {
      P: {
        0: { 0: [[1, 0, 0, false]], 1: [[0.9, 1, 0, false], [0.1, 0, 0, false]] },
        1: { 0: [[1, 0, 0, false]], 1: [[1, 2, 1, true]] },
        2: { 0: [[1, 2, 0, false]], 1: [[1, 2, 0, false]] },
      },
      initial_state_distrib: [1, 0, 0],
    };
    await app.design.importFile('toy-gym.json', JSON.stringify(gym), { discard: true });
    await expect(app.design.states()).toHaveCount(3);
    await expect(app.design.validationSummary).toContainText('valid');

    // a file that is neither: a clear error and the document stays
    await app.design.importFile('junk.json', '{"hello": 1}', { discard: true });
    await expect(page.getByRole('alert').filter({ hasText: 'junk.json' })).toBeVisible();
    await expect(app.design.states()).toHaveCount(3);
  });
});
