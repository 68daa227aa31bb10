/// <reference lib="dom" />
/**
 * Frame times of the Design view on big designs: wheel zoom, drag pan and cell selection on Taxi's map
 * (500 states) and a generated 100 x 100 grid world (10^4 states), and scrolling the virtualised state
 * table of that grid. Prints the figures; asserts nothing about time (`npm run bench:ui`, or this file
 * alone: `npx playwright test -c bench/ui.config.ts bench/designerFrames.bench.ts` after a build).
 *
 * Frames are the intervals between animation frames while Playwright drives the input (60 Hz: 16.7 ms
 * is a frame on time); the load time runs from the Load click to the grid on screen, and "validated"
 * to the worker's result in the validation bar. On a shared 2-core machine the figures vary a lot from
 * run to run: compare builds in alternation, not against remembered numbers.
 */
import type { Page } from '@playwright/test';
import { test } from '../e2e/fixtures';

async function frames(page: Page, act: () => Promise<void>): Promise<string> {
  await page.evaluate(() => {
    const w = window as unknown as { __f: number[]; __stop: boolean };
    w.__f = [];
    w.__stop = false;
    let last = performance.now();
    const tick = (now: number) => {
      w.__f.push(now - last);
      last = now;
      if (!w.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await act();
  const f = await page.evaluate(() => {
    const w = window as unknown as { __f: number[]; __stop: boolean };
    w.__stop = true;
    return w.__f.slice(1);
  });
  const s = [...f].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return `${f.length} frames, median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${s[s.length - 1].toFixed(1)} ms, ${f.filter((x) => x > 50).length} over 50 ms`;
}

async function panZoomSelect(page: Page, svg: string, cells: string): Promise<string[]> {
  const box = (await page.locator(svg).boundingBox())!;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const zoom = await frames(page, async () => {
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 20; i++) await page.mouse.wheel(0, i < 10 ? -120 : 120);
  });
  const pan = await frames(page, async () => {
    await page.mouse.move(box.x + 5, box.y + 5);
    await page.mouse.down();
    await page.mouse.move(box.x + 200, box.y + 150, { steps: 30 });
    await page.mouse.up();
  });
  const select = await frames(page, async () => {
    // click ten points across the drawing (painted grids have no per-cell elements)
    const b = (await page.locator(cells).boundingBox())!;
    for (let i = 0; i < 10; i++) await page.mouse.click(b.x + ((i + 0.5) / 10) * b.width, b.y + b.height / 2);
  });
  return [`wheel zoom: ${zoom}`, `drag pan: ${pan}`, `select 10 cells: ${select}`];
}

test('Design view frame times on Taxi and a 10^4-state grid', async ({ app, page }) => {
  await app.open('Design');
  console.log(`\nDesign view frame times in Chromium (headless, ${await page.evaluate(() => navigator.hardwareConcurrency)} cores):`);
  await app.design.loadPreset('Taxi');
  for (const l of await panZoomSelect(page, 'svg[data-view="taxi-map"]', 'svg[data-view="taxi-map"]')) console.log(`  Taxi map (500 states) ${l}`);
  await page.getByRole('combobox', { name: 'Preset' }).selectOption({ label: 'Grid world generator' });
  await page.getByText(/set parameters/).click();
  const form = page.getByRole('group', { name: 'Preset parameters' });
  await form.getByRole('textbox', { name: 'preset parameter rows' }).fill('100');
  await form.getByRole('textbox', { name: 'preset parameter cols' }).fill('100');
  await form.getByRole('textbox', { name: 'preset parameter walls' }).fill('0');
  await form.getByRole('textbox', { name: 'preset parameter holes' }).fill('0');
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await page.getByTestId('canvas-hint').filter({ hasText: 'grid 100 × 100' }).waitFor();
  const drawn = Date.now() - t0;
  await page.getByTestId('validation-summary').filter({ hasText: /^valid ·/ }).waitFor();
  const compiled = await page.getByTestId('validation-summary').locator('xpath=..').getByText(/compiled in/).textContent();
  console.log(`  100 x 100 grid: loaded and drawn in ${drawn} ms, validated after ${Date.now() - t0} ms (${compiled?.trim()})`);
  for (const l of await panZoomSelect(page, 'svg[data-view="grid"]', 'svg[data-view="grid"]')) console.log(`  100 x 100 grid (10^4 states) ${l}`);
  await page.getByRole('combobox', { name: 'Canvas view' }).selectOption('table');
  // the element once: re-resolving a role locator on every step would time Playwright's ARIA queries
  const scroller = (await page.getByRole('grid', { name: 'States table' }).elementHandle())!;
  const scroll = await frames(page, async () => {
    for (let i = 0; i < 30; i++) await scroller.evaluate((el, k) => (el.scrollTop = k * 8000), i);
  });
  console.log(`  state table (10^4 rows, virtualised) scroll: ${scroll}`);
});
