/// <reference lib="dom" />
/**
 * Frame times of the UI thread (requestAnimationFrame intervals) while a long run computes in the
 * worker, per backend: the UI must stay responsive (the budget we hold ourselves to is 20 ms frames).
 */
import type { Page } from '@playwright/test';
import { test, uid } from '../e2e/fixtures';

async function startFrameProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __frameStop: boolean; __long: number[]; __obs?: PerformanceObserver };
    w.__frames = [];
    w.__frameStop = false;
    // main-thread tasks over 50 ms: tells our own work on the UI thread from CPU contention
    w.__long = [];
    w.__obs?.disconnect();
    w.__obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push(e.duration, e.startTime - t0);
    });
    w.__obs.observe({ type: 'longtask', buffered: false });
    const t0 = performance.now();
    let last = t0;
    const tick = (now: number) => {
      w.__frames.push(now - last);
      last = now;
      if (!w.__frameStop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

async function stopFrameProbe(page: Page): Promise<{ frames: number[]; longTasks: number[]; longAt: number[] }> {
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __frameStop: boolean; __long: number[]; __obs?: PerformanceObserver };
    w.__frameStop = true;
    w.__obs?.disconnect();
    return { frames: w.__frames.slice(1), longTasks: w.__long.filter((_, i) => i % 2 === 0), longAt: w.__long.filter((_, i) => i % 2 === 1) };
  });
}

function summary(frames: number[]): string {
  const sorted = [...frames].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const over = frames.filter((f) => f > 20).length;
  return `${frames.length} frames: median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms, ${over} over 20 ms (${((100 * over) / frames.length).toFixed(1)}%)`;
}

test('UI frame times during long runs', async ({ app, page }) => {
  const id = uid();
  const mdpName = `Taxi frames ${id}`;
  await app.open('Design');
  await app.design.loadPreset('Taxi');
  await app.design.rename(mdpName);
  await app.design.save();
  await app.open('Runs');
  const cases = [
    { backend: 'f64 reference', method: 'Wasserstein gradient flow (Fokker–Planck, Scharfetter–Gummel)', iterations: 400 },
    { backend: 'WebGPU', method: 'Wasserstein gradient flow (Fokker–Planck, Scharfetter–Gummel)', iterations: 100 },
    { backend: 'f64 reference', method: 'OT trust region (mass splitting)', iterations: 200 },
  ] as const;
  console.log(`\nUI frame times in Chromium (headless, ${await page.evaluate(() => navigator.hardwareConcurrency)} cores) while runs compute in the worker, Taxi (S=500, N=6):`);
  for (const c of cases) {
    const label = `frames-${c.backend}-${id}-${c.iterations}`;
    await app.runs.configure({ mdp: mdpName, method: c.method, label, iterations: c.iterations });
    await page.getByRole('radio', { name: c.backend }).check();
    await startFrameProbe(page);
    const t0 = Date.now();
    await app.runs.start();
    await app.runs.waitCompleted(label, 590_000);
    const wall = (Date.now() - t0) / 1000;
    const { frames, longTasks, longAt } = await stopFrameProbe(page);
    const longMs = longTasks.reduce((a, b) => a + b, 0);
    console.log(`  ${c.method.split(' (')[0]} on ${c.backend}, ${c.iterations} iterations in ${wall.toFixed(1)} s — ${summary(frames)}`);
    console.log(`      main-thread tasks > 50 ms: ${longTasks.length} (${longMs.toFixed(0)} ms in all, longest ${longTasks.length ? Math.max(...longTasks).toFixed(0) : 0} ms; at ${longAt.map((t) => `${(t / 1000).toFixed(2)} s`).join(', ') || '-'} after the start)`);
  }
});
