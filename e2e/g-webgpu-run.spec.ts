import { test, expect, uid } from './fixtures';

/** A run computed by the WGSL kernels in the page's compute worker, against the f64 reference run. */
test.describe('WebGPU runs in the worker', () => {
  // FrozenLake 4x4 (16 states): the direct dense solve; Taxi (500 states): BiCGSTAB, its first evaluation
  // warm-started from the CPU and the Krylov kernels after kMatP dispatched indirectly from its gate, on
  // Chromium's own Dawn
  for (const preset of ['FrozenLake 4x4', 'Taxi'] as const)
  test(`NPG on ${preset} on WebGPU completes on the GPU backend and agrees with the reference`, async ({ app, page }) => {
    const id = uid();
    const mdpName = `${preset} gpu ${id}`;
    await app.open('Design');
    await app.design.loadPreset(preset);
    await app.design.rename(mdpName);
    await app.design.save();
    await app.open('Runs');

    const finalJ = async (label: string): Promise<number> => Number(((await app.runs.row(label).locator('td').nth(7).textContent()) ?? '').trim());
    for (const backend of ['WebGPU', 'f64 reference'] as const) {
      const label = `npg-${backend === 'WebGPU' ? 'gpu' : 'ref'}-${id}`;
      await app.runs.configure({ mdp: mdpName, method: 'NPG / policy mirror descent (KL)', label, iterations: 60, options: { 'eta (step)': '0.05' } });
      await page.getByRole('radio', { name: backend }).check();
      await app.runs.start();
      await app.runs.waitCompleted(label, 180_000);
      await expect(app.runs.row(label).locator('td').nth(8)).toHaveText(backend === 'WebGPU' ? 'webgpu' : 'reference');
    }
    const gpu = await finalJ(`npg-gpu-${id}`);
    const ref = await finalJ(`npg-ref-${id}`);
    expect(Number.isFinite(gpu) && Number.isFinite(ref)).toBe(true);
    // f32 kernels against the f64 reference: J within 1e-5 relative (the table shows 6 significant digits)
    expect(Math.abs(gpu - ref)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref)) + 5e-6 * Math.abs(ref));
  });
});
