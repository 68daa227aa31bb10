/// <reference lib="dom" />
/**
 * Frame times of the UI thread (requestAnimationFrame intervals) while a long run computes in the
 * worker, per backend: the UI must stay responsive (the budget we hold ourselves to is 20 ms frames).
 */
import type { Page } from '@playwright/test';
import { test, uid } from '../e2e/fixtures';

async function startFrameProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __frameStop: boolean; __long: number[]; __obs?: PerformanceObserver; __calls: Record<string, [number, number]>; __fetch?: typeof fetch };
    // the API calls the page makes meanwhile (count, request bytes), per channel
    w.__calls = {};
    w.__fetch ??= window.fetch;
    const orig = w.__fetch;
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const m = /\/api\/call\/([^?]+)/.exec(String(input));
      if (m) {
        const c = (w.__calls[decodeURIComponent(m[1])] ??= [0, 0]);
        c[0]++;
        c[1] += typeof init?.body === 'string' ? init.body.length : 0;
      }
      return orig(input, init);
    };
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

async function stopFrameProbe(page: Page): Promise<{ frames: number[]; longTasks: number[]; longAt: number[]; calls: string }> {
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __frameStop: boolean; __long: number[]; __obs?: PerformanceObserver; __calls: Record<string, [number, number]>; __fetch?: typeof fetch };
    w.__frameStop = true;
    w.__obs?.disconnect();
    if (w.__fetch) window.fetch = w.__fetch;
    const calls = Object.entries(w.__calls).map(([k, [n, bytes]]) => `${k} ${n} (${(bytes / 1024).toFixed(0)} KiB)`).join(', ') || 'none';
    return { frames: w.__frames.slice(1), longTasks: w.__long.filter((_, i) => i % 2 === 0), longAt: w.__long.filter((_, i) => i % 2 === 1), calls };
  });
}

/**
 * Optional CPU profile of the page's main thread (CDP Profiler), when WWB_BENCH_PROFILE names a folder:
 * the .cpuprofile is written there (open it in Chromium's DevTools) and the functions with the most
 * self time are printed. Without the variable nothing is recorded.
 */
type CDPSession = Awaited<ReturnType<ReturnType<Page['context']>['newCDPSession']>>;
async function profileStart(page: Page): Promise<CDPSession | null> {
  if (process.env.WWB_BENCH_TRACE) {
    // a Chromium performance trace instead (style, layout, paint and scripts on the main thread)
    await page.context().browser()!.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'gpu', 'v8'] });
    return { trace: page } as unknown as CDPSession;
  }
  if (!process.env.WWB_BENCH_PROFILE) return null;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await cdp.send('Profiler.start');
  return cdp;
}
async function profileStop(cdp: CDPSession | null, name: string): Promise<void> {
  if (!cdp) return;
  if ('trace' in cdp) {
    const buf = await (cdp as unknown as { trace: Page }).trace.context().browser()!.stopTracing();
    const { writeFileSync, mkdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    mkdirSync(process.env.WWB_BENCH_TRACE!, { recursive: true });
    writeFileSync(join(process.env.WWB_BENCH_TRACE!, `${name}.trace.json`), buf);
    console.log(`  trace ${name}: ${join(process.env.WWB_BENCH_TRACE!, `${name}.trace.json`)}`);
    return;
  }
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.detach();
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = process.env.WWB_BENCH_PROFILE!;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  // self time per function (samples x their intervals)
  const self = new Map<number, number>();
  const dts = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (dts[i] ?? 0) / 1000));
  const byFn = new Map<string, number>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + (self.get(n.id) ?? 0));
  }
  const top = [...byFn].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 15);
  console.log(`  profile ${name}: ${join(dir, `${name}.cpuprofile`)}; most self time: ${top.map(([k, ms]) => `${k} ${ms.toFixed(0)} ms`).join('; ')}`);
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

/**
 * Compare: 10 runs x 10,000 iterations, from "Select shown" to the overlay drawn with their data
 * (target <= 300 ms). The runs are computed by `wwb run` (Langevin on a 1-D bandit: it never converges
 * early) into the server's database. Also printed: where the time goes (each API call's request, body
 * read and JSON parse, and the main-thread tasks over 50 ms, from the click), the bytes of the display
 * traces (metric column only, downsampled in SQL with a min/max envelope) against the former all-metrics
 * 4,000-point response, and of the summary table's statistics (runs:summary, computed in main) against
 * the full-resolution columns the page used to download for it. Then a new run's "finishing" time (from
 * its last iteration to status completed) with nothing selected in Compare and with the 10 runs selected
 * in the hidden Compare tab: it must not depend on what Compare shows.
 */
test('Compare: 10 runs x 10,000 iterations, selection to drawn chart; a new run finishing with them selected', async ({ app, page }) => {
  test.setTimeout(900_000);
  const { spawn } = await import('node:child_process');
  const { join } = await import('node:path');
  const os = await import('node:os');
  const id = uid();
  const db = join(process.env.WORKBENCH_E2E_DIR ?? '', 'e2e.sqlite');
  const runOne = (seed: number) =>
    new Promise<void>((done, fail) => {
      const child = spawn(process.execPath, ['out/main/wwb.js', 'run', '--mdp', 'preset:bandit-quadratic', '--algo', 'langevin', '--iterations', '10000', '--seed', String(seed), '--label', `bench-${id}-${seed}`, '--db', db], { stdio: 'ignore' });
      child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`wwb run exited with ${code}`))));
    });
  const t0 = Date.now();
  for (let s = 1; s <= 10; s += 2) await Promise.all([runOne(s), runOne(s + 1)]);
  console.log(`\nCompare selection to drawn chart: 10 Langevin runs x 10,000 iterations stored by wwb in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  // a new run's finishing time (last iteration to status completed), started from the Runs tab
  const mdpName = `Chain finishing ${id}`;
  await app.open('Design');
  await app.design.loadPreset('Chain');
  await app.design.rename(mdpName);
  await app.design.save();
  const N = 3000;
  const finishing = async (label: string): Promise<{ finish: number; total: number }> => {
    await app.open('Runs');
    await app.runs.configure({ mdp: mdpName, method: 'NPG / policy mirror descent (KL)', label, iterations: N, options: { 'eta (step)': '0.001' } });
    const ts = Date.now();
    await app.runs.start();
    await page.waitForFunction((n) => Number(/^(\d+)/.exec(document.querySelector('[data-testid="active-count"]')?.textContent?.trim() ?? '')?.[1] ?? 0) >= n, N, { polling: 20, timeout: 300_000 });
    const tLast = Date.now();
    await app.runs.waitCompleted(label, 300_000);
    const tDone = Date.now();
    return { finish: (tDone - tLast) / 1000, total: (tDone - ts) / 1000 };
  };
  const alone = await finishing(`finish-none-${id}`);

  await page.reload();
  await app.open('Compare');
  await page.getByRole('textbox', { name: 'Filter runs' }).fill(`bench-${id}`);
  type Call = { channel: string; start: number; headers: number; body: number; parsed: number; bytes: number };
  const times: { data: number; drawn: number; calls: Call[]; longTasks: { at: number; ms: number }[] }[] = [];
  for (let rep = 0; rep < 3; rep++) {
    if (rep > 0) {
      await page.getByRole('button', { name: 'Clear' }).click();
      // a fresh page each time: nothing cached in the view
      await page.reload();
      await app.open('Compare');
      await page.getByRole('textbox', { name: 'Filter runs' }).fill(`bench-${id}`);
    }
    const prof = await profileStart(page);
    const ms = await page.evaluate(async () => {
      const button = Array.from(document.querySelectorAll('button')).find((b) => b.textContent?.trim() === 'Select shown')!;
      // the API calls' timeline: request sent, headers in, body read, body parsed (as the transport does)
      const calls: Call[] = [];
      const w = window as unknown as { __origFetch?: typeof fetch };
      w.__origFetch ??= window.fetch;
      const orig = w.__origFetch;
      window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = String(input);
        const m = /\/api\/call\/([^?]+)/.exec(url);
        const c: Call = { channel: m ? decodeURIComponent(m[1]) : url, start: performance.now() - t, headers: NaN, body: NaN, parsed: NaN, bytes: 0 };
        calls.push(c);
        const res = await orig(input, init);
        c.headers = performance.now() - t;
        const text = res.text.bind(res);
        res.text = async () => {
          const body = await text();
          c.body = performance.now() - t;
          c.bytes = body.length;
          const p0 = performance.now();
          JSON.parse(body);
          c.parsed = c.body + (performance.now() - p0);
          return body;
        };
        return res;
      };
      const longTasks: { at: number; ms: number }[] = [];
      const obs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (e.startTime >= t) longTasks.push({ at: e.startTime - t, ms: e.duration });
      });
      obs.observe({ type: 'longtask', buffered: false });
      const t = performance.now();
      button.click();
      // drawn: the points note is in the DOM (data loaded, option set) and the chart finished a frame
      // at or after that moment (data-drawnAt is stamped by the chart's 'finished' event)
      const drawn = await new Promise<{ data: number; drawn: number }>((resolve) => {
        let tData: number | null = null;
        const poll = () => {
          const chart = document.querySelector('[role="img"][aria-label^="Overlay of "]') as HTMLElement | null;
          const note = document.querySelector('[data-testid="overlay-points"]');
          if (chart && note && chart.getAttribute('aria-label')?.endsWith('for 10 runs')) {
            tData ??= performance.now();
            const at = Number(chart.dataset.drawnAt ?? NaN);
            if (at >= tData - 20) return resolve({ data: tData - t, drawn: Math.max(at, tData) - t });
          }
          requestAnimationFrame(poll);
        };
        requestAnimationFrame(poll);
      });
      // let the calls after the draw (the summaries) finish before reading the timeline
      await new Promise((done) => setTimeout(done, 1500));
      obs.disconnect();
      window.fetch = orig;
      return { ...drawn, calls, longTasks };
    });
    await profileStop(prof, `compare-rep${rep + 1}`);
    times.push(ms);
  }
  const note = await page.getByTestId('overlay-points').textContent();
  const url = new URL(process.env.WORKBENCH_URL ?? '');
  const token = new URLSearchParams(url.hash.slice(1)).get('token');
  const call = async (channel: string, payload: unknown) => {
    const t = performance.now();
    const r = await fetch(`${url.origin}/api/call/${channel}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
    const n = (await r.arrayBuffer()).byteLength;
    return { n, ms: performance.now() - t };
  };
  const listed = (await (await fetch(`${url.origin}/api/call/runs:list`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' })).json()) as { id: number; label: string }[];
  const ids = listed.filter((r) => r.label.startsWith(`bench-${id}-`)).map((r) => r.id);
  const now = await call('runs:trace', { ids, metrics: ['gap'], maxPoints: 1500, envelope: 'gap' });
  const before = await call('runs:trace', { ids, maxPoints: 4000 });
  const sumNow = await call('runs:summary', { ids, gapTarget: 1e-6 });
  const sumBefore = await call('runs:trace', { ids, metrics: ['J', 'gap', 'trustViolated', 'wallMs'] });
  const load = `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`;
  console.log(`  selection to drawn overlay: ${times.map((t) => `${t.drawn.toFixed(0)} ms (data in ${t.data.toFixed(0)} ms)`).join(', ')} (target 300 ms; ${load}); ${note?.trim()}`);
  times.forEach((t, rep) => {
    const calls = t.calls.map((c) => `${c.channel} sent ${c.start.toFixed(0)}, headers ${c.headers.toFixed(0)}, body ${c.body.toFixed(0)}, parsed ${c.parsed.toFixed(0)} ms (${(c.bytes / 1024).toFixed(0)} KiB)`).join('; ');
    const long = t.longTasks.map((l) => `${l.ms.toFixed(0)} ms at ${l.at.toFixed(0)}`).join(', ') || 'none';
    console.log(`    rep ${rep + 1}: ${calls}; main-thread tasks > 50 ms: ${long}`);
  });
  console.log(`  display traces ${(now.n / 1024).toFixed(0)} KiB in ${now.ms.toFixed(0)} ms vs the former all-metrics 4,000-point response ${(before.n / 1024).toFixed(0)} KiB in ${before.ms.toFixed(0)} ms (${(before.n / now.n).toFixed(1)}x smaller)`);
  console.log(`  summary table: runs:summary ${(sumNow.n / 1024).toFixed(1)} KiB in ${sumNow.ms.toFixed(0)} ms vs the full-resolution columns it replaces ${(sumBefore.n / 1024).toFixed(0)} KiB in ${sumBefore.ms.toFixed(0)} ms (${(sumBefore.n / sumNow.n).toFixed(0)}x smaller, ${(sumBefore.ms / sumNow.ms).toFixed(1)}x faster)`);

  // the 10 runs stay selected; Compare is hidden while a new run computes
  const withTen = await finishing(`finish-ten-${id}`);
  console.log(`  a new run's finishing time (NPG on Chain, ${N} iterations; last iteration to status completed, from the Runs tab; ${load}):`);
  console.log(`    nothing selected in Compare: ${alone.finish.toFixed(2)} s (start to completed ${alone.total.toFixed(1)} s)`);
  console.log(`    10 runs selected in the hidden Compare tab: ${withTen.finish.toFixed(2)} s (start to completed ${withTen.total.toFixed(1)} s); ratio ${(withTen.finish / Math.max(alone.finish, 1e-3)).toFixed(2)}x`);
});

// ---------------------------------------------------------------------------------------------------
// Sweeps and the live view (issue 9, the `sweepui` rows). Each row is its own test so that rows other
// helpers add next to them merge without touching these.

/** Build a one-preset, one-method sweep in the Sweep panel (the form of SweepPanel.vue). */
async function sweepForm(page: Page, o: { name: string; preset: string; params?: string; method: string; axis?: [string, string]; seeds: string; iterations: string; workers?: string }): Promise<void> {
  await page.getByRole('tablist', { name: 'Launch' }).getByRole('tab', { name: 'Sweep' }).click();
  await page.locator('#sweep-name').fill(o.name);
  await page.getByLabel('Preset MDP').selectOption(o.preset);
  await page.getByLabel('Preset parameters').fill(o.params ?? '');
  await page.getByRole('button', { name: 'Add preset' }).click();
  await page.getByLabel('Method to add').selectOption(o.method);
  await page.getByRole('button', { name: 'Add method' }).click();
  if (o.axis) {
    await page.getByTestId('sw-0-add').selectOption(o.axis[0]);
    await page.locator(`#sw-0-${o.axis[0]}`).fill(o.axis[1]);
  }
  await page.locator('#sweep-seeds').fill(o.seeds);
  await page.locator('#sweep-iters').fill(o.iterations);
  await page.locator('#sweep-init').selectOption('random');
  if (o.workers) await page.locator('#sweep-workers').fill(o.workers);
}

test('UI frame times during a long run with the live view open (gap chart, small multiples, live rate fit)', async ({ app, page }) => {
  const name = `live-frames-${uid()}`;
  await app.open('Runs');
  // OT-TRPO with a small radius on a 16 x 16 grid world: thousands of iterations, tens of seconds
  // a radius small enough that the run keeps going through the window (at 1e-4 it can stall, stop, and leave the window idle)
  await sweepForm(page, { name, preset: 'gridworld', params: 'size=16', method: 'ot-trpo', axis: ['eps', '0.00001'], seeds: '1', iterations: '40000', workers: '1' });
  await page.getByTestId('sweep-start').click();
  await page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: `${name}: ot-trpo` }).click({ timeout: 120_000 });
  await page.getByTestId('live-computed').waitFor({ timeout: 120_000 });
  await startFrameProbe(page);
  const prof = await profileStart(page);
  await page.waitForTimeout(20_000);
  await profileStop(prof, 'live-view');
  const computed = await page.getByTestId('live-computed').textContent({ timeout: 2_000 }).catch(() => '(run over)');
  const rate = await page.getByTestId('live-rate').textContent({ timeout: 2_000 }).catch(() => '(run over)');
  const { frames, longTasks, calls } = await stopFrameProbe(page);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  console.log(`\nDuring a long run with the live view open (OT-TRPO eps=0.00001, grid world 16x16; ${cores} cores; ${rate}, ${computed} iterations computed after the window):`);
  console.log(`  20 s window — ${summary(frames)}`);
  console.log(`  main-thread tasks > 50 ms: ${longTasks.length} (${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms in all, longest ${longTasks.length ? Math.max(...longTasks).toFixed(0) : 0} ms)`);
  console.log(`  API calls in the window (count, request bytes): ${calls}`);
  // the run may have ended by itself (stalled) during the window: cancel only a sweep still going
  const cancel = page.getByTestId('sweep-cancel');
  if (await cancel.isEnabled()) await cancel.click({ timeout: 60_000 });
  await page.getByTestId('sweep-progress').and(page.locator('[data-state="cancelled"], [data-state="finished"]')).waitFor({ timeout: 120_000 });
});

test('a 100-run sweep on the local pool of renderer workers: wall time per run vs a lone run', async ({ app, page }) => {
  test.setTimeout(1_200_000);
  await app.open('Runs');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const timeSweep = async (name: string, seeds: string): Promise<{ wall: number; workers: number }> => {
    await sweepForm(page, { name, preset: 'cliffwalking', method: 'ot-trpo', seeds, iterations: '12' });
    const workers = Number(await page.locator('#sweep-workers').inputValue());
    const total = Number(await page.getByTestId('sweep-count').getAttribute('data-count'));
    const t0 = Date.now();
    await page.getByTestId('sweep-start').click();
    await page.getByTestId('sweep-done').and(page.locator(`:text-is("${total}")`)).waitFor({ timeout: 1_100_000 });
    await page.getByTestId('sweep-progress').and(page.locator('[data-state="finished"]')).waitFor();
    const wall = (Date.now() - t0) / 1000;
    // a fresh form for the next sweep
    await page.reload();
    await app.waitReady();
    await app.open('Runs');
    return { wall, workers };
  };
  const lone = await timeSweep(`lone-${uid()}`, '1');
  const sweep = await timeSweep(`pool-${uid()}`, '100');
  const perRun = sweep.wall / 100;
  console.log(`\nA 100-run sweep from the Sweep panel (OT-TRPO, CliffWalking, 12 iterations, random inits; ${cores} cores, default pool of ${sweep.workers} worker${sweep.workers === 1 ? '' : 's'}):`);
  console.log(`  lone run (a 1-run sweep, from Start to stored): ${lone.wall.toFixed(2)} s`);
  console.log(`  100 runs: ${sweep.wall.toFixed(1)} s, ${perRun.toFixed(2)} s per run (${(perRun * sweep.workers).toFixed(2)} s per run per worker); per run ${(perRun / lone.wall).toFixed(2)}x a lone run's time`);
});
