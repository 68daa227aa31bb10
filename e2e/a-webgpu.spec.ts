import { test, expect } from './fixtures';

test.describe('WebGPU in the page', () => {
  test('navigator.gpu gives an adapter and the status bar names it', async ({ app, page }) => {
    const adapter = await page.evaluate(async () => {
      if (!('gpu' in navigator) || !navigator.gpu) return { ok: false, why: 'navigator.gpu missing' };
      const a = await navigator.gpu.requestAdapter();
      if (!a) return { ok: false, why: 'requestAdapter() returned null' };
      return { ok: true, vendor: a.info?.vendor ?? '', architecture: a.info?.architecture ?? '' };
    });
    expect(adapter.ok, JSON.stringify(adapter)).toBe(true);
    await expect(app.gpuStatus()).not.toContainText('checking');
    await expect(app.gpuStatus()).not.toContainText('no adapter');
    await expect(app.gpuStatus()).not.toContainText('unsupported');
    // and the run form offers the WebGPU backend
    await app.open('Runs');
    await expect(page.getByRole('radio', { name: 'WebGPU' })).toBeEnabled();
  });
});
