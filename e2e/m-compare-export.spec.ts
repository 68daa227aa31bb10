/**
 * Compare's exports and views on real runs: runs computed by `wwb run` into the server's own database
 * (CliffWalking, OT-TRPO and KL-TRPO from random inits, two seeds each, and two OT-TRPO runs from the
 * uniform policy that repeat each other), then in the browser: the full-resolution CSV (iterations + 1
 * rows per run), the group-aggregated CSV, the LaTeX booktabs table, the SVG (legend and axes) and PDF
 * figures, the log-axis note, parallel coordinates, final policies, and the selection after a reload.
 * Screenshots of the views go to docs/screenshots/.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { test, expect, uid } from './fixtures';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = join(ROOT, 'docs/screenshots');
const ITERATIONS = 25;

/** a stored run computed by the CLI into the server's database; its update count (it may converge early) */
function wwbRun(args: string[]): number {
  const db = join(process.env.WORKBENCH_E2E_DIR ?? '', 'e2e.sqlite');
  const r = spawnSync(process.execPath, [join(ROOT, 'out/main/wwb.js'), 'run', ...args, '--db', db, '--json'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`wwb run ${args.join(' ')}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { iterations: number }).iterations;
}

/** the downloaded file: text as UTF-8, raw as Latin-1 (binary formats), bytes */
async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string; raw: string; bytes: Buffer }> {
  const d = page.waitForEvent('download');
  await click();
  const file = await d;
  const bytes = await readFile((await file.path())!);
  return { name: file.suggestedFilename(), text: bytes.toString('utf8'), raw: bytes.toString('latin1'), bytes };
}

test('compare exports: CSV rows, group CSV, LaTeX, SVG and PDF figures; views and selection after reload', async ({ app, page }, testInfo) => {
  test.setTimeout(240_000);
  const id = uid();
  const labels: string[] = [];
  const updates = new Map<string, number>();
  for (const [algo, init] of [
    ['ot-trpo', 'random'],
    ['kl-trpo', 'random'],
  ] as const)
    for (const seed of [1, 2]) {
      const label = `cmp-${id}-${algo}-s${seed}`;
      labels.push(label);
      updates.set(label, wwbRun(['--mdp', 'preset:cliffwalking', '--algo', algo, '--iterations', String(ITERATIONS), '--init', init, '--seed', String(seed), '--label', label, '--experiment', `cmp ${id}`]));
    }
  for (const seed of [1, 2]) {
    const label = `cmp-${id}-det-s${seed}`;
    labels.push(label);
    // a radius of their own, so that "all but seed" puts them in a group of two identical runs
    updates.set(label, wwbRun(['--mdp', 'preset:cliffwalking', '--algo', 'ot-trpo', '--set', 'eps=0.05', '--iterations', String(ITERATIONS), '--seed', String(seed), '--label', label, '--experiment', `cmp ${id}`]));
  }
  await page.reload();
  await app.open('Compare');
  await page.getByRole('textbox', { name: 'Filter runs' }).fill(`cmp-${id}`);
  await page.getByRole('button', { name: 'Select shown' }).click();
  await expect(page.getByText('6 selected')).toBeVisible();
  await expect(app.compare.chart).toHaveAttribute('aria-label', 'Overlay of gap J* − J for 6 runs');
  await expect(app.compare.chart).toHaveAttribute('data-drawn', /\d+/);

  // full-resolution CSV: iterations + 1 rows per run, provenance on top and on every row
  const csv = await download(page, () => page.getByRole('button', { name: 'Export CSV' }).click());
  const lines = csv.text.trim().split('\n');
  expect(lines[0]).toMatch(/^# Wasserstein Workbench \S+; run \d+ config [0-9a-f]{64}/);
  expect(lines[1]).toMatch(/^run_id,label,method,iteration,J,.*,app_version,config_hash$/);
  for (const label of labels) {
    const its = lines.filter((l) => l.includes(`"${label}"`)).map((l) => Number(l.split(',')[3]));
    expect(its).toEqual(Array.from({ length: updates.get(label)! + 1 }, (_, i) => i));
  }

  // groups: by method, the aggregated CSV has one row per iteration and group, n = runs in the group
  await page.getByRole('combobox', { name: 'Group by' }).selectOption({ label: 'method' });
  const groupCsv = await download(page, () => page.getByTestId('export-groups').click());
  const g = groupCsv.text.trim().split('\n');
  expect(g[0]).toMatch(/^# wasserstein-workbench group export by the app \S+; metric gap; x iteration; band std; group by method/);
  expect(g.filter((l) => l.startsWith('# group')).every((l) => /config_hash [0-9a-f]{64}$/.test(l))).toBe(true);
  const header = g.findIndex((l) => l === 'group,iteration,n,mean,lo,hi');
  expect(header).toBeGreaterThan(0);
  const rows = g.slice(header + 1).map((l) => l.split(','));
  const ot = rows.filter((r) => r[0] === '"ot-trpo"');
  const kl = rows.filter((r) => r[0] === '"kl-trpo"');
  const longest = (prefix: string) => Math.max(...labels.filter((l) => l.startsWith(prefix)).map((l) => updates.get(l)!));
  expect(ot).toHaveLength(Math.max(longest(`cmp-${id}-ot-trpo`), longest(`cmp-${id}-det`)) + 1);
  expect(kl).toHaveLength(longest(`cmp-${id}-kl-trpo`) + 1);
  // n: the runs that have that iteration
  ot.forEach((r, i) => expect(Number(r[2])).toBe(labels.filter((l) => !l.includes('kl-trpo') && updates.get(l)! >= i).length));
  kl.forEach((r, i) => expect(Number(r[2])).toBe(labels.filter((l) => l.includes('kl-trpo') && updates.get(l)! >= i).length));
  // mean lies in its band
  for (const r of [...ot, ...kl]) expect(Number(r[4]) <= Number(r[3]) + 1e-12 && Number(r[3]) <= Number(r[5]) + 1e-12).toBe(true);

  // summary table columns, then normalised scores and the LaTeX table
  const summary = page.getByRole('table', { name: 'Group summary' });
  await expect(summary.getByRole('columnheader', { name: /time to gap/ })).toBeVisible();
  await expect(summary.getByRole('columnheader', { name: /proven rate/ })).toBeVisible();
  await page.getByTestId('compute-scores').click();
  await expect(page.getByTestId('scores-table')).toBeVisible();
  await expect(page.getByTestId('performance-profile')).toBeVisible();
  const tex = await download(page, () => page.getByTestId('export-latex').click());
  expect(tex.name).toMatch(/\.tex$/);
  expect(tex.text).toMatch(/^% made by Wasserstein Workbench \S+; needs \\usepackage\{booktabs\}/);
  expect(tex.text).toMatch(/% run \d+ config [0-9a-f]{64}/);
  expect(tex.text).toContain('\\toprule\nGroup & Runs & MDPs & Mean & Median & IQM \\\\\n\\midrule');
  expect(tex.text).toMatch(/\nkl-trpo & 2 & 1 & -?\d\.\d{3} \{\\small\[-?\d\.\d{3}, -?\d\.\d{3}\]\} & /);
  expect(tex.text).toMatch(/\not-trpo & 4 & 1 & /);
  expect(tex.text).toContain('\\bottomrule\n\\end{tabular}');

  // all-but-seed: the two uniform-init OT-TRPO runs repeat each other, and the note says where variation comes from
  await page.getByRole('combobox', { name: 'Group by' }).selectOption({ label: 'all but seed' });
  await expect(page.getByTestId('zero-width-note')).toContainText('ot-trpo CliffWalking eps=0.05');
  await expect(page.getByTestId('zero-width-note')).toContainText('random initial policies');
  await expect(page.getByTestId('zero-width-note')).not.toContainText('eps=0.1');
  await page.getByRole('combobox', { name: 'Group by' }).selectOption({ label: 'method' });
  await page.getByTestId('compute-scores').click();
  await page.getByTestId('performance-profile').scrollIntoViewIfNeeded();
  await expect(page.getByRole('img', { name: 'Performance profiles of 2 groups' })).toHaveAttribute('data-drawn', /\d+/);
  await page.screenshot({ path: join(SHOTS, 'compare-stats.png') });

  // paper figures: SVG with legend, axis names, ticks and provenance; PDF with the same text as vectors
  await page.getByRole('spinbutton', { name: 'Figure width (pt)' }).fill('300');
  await page.getByRole('spinbutton', { name: 'Figure font size (pt)' }).fill('9');
  const svg = await download(page, () => page.getByRole('button', { name: 'Overlay SVG' }).click());
  expect(svg.name).toMatch(/\.svg$/);
  expect(svg.text).toMatch(/<svg width="300pt" height="186pt"/);
  expect(svg.text).toMatch(/<metadata>Wasserstein Workbench \S+; run \d+ config [0-9a-f]{64}/);
  for (const label of labels) expect(svg.text).toContain(label); // the legend
  expect(svg.text).toContain('>iteration</text>');
  expect(svg.text).toContain('>gap J* − J</text>');
  expect(svg.text).toMatch(/font-size:9px/);
  expect(svg.text).toMatch(/>1e-\d+<\/text>|>0\.\d+<\/text>/); // log-axis tick labels
  const groupSvg = await download(page, () => page.getByRole('button', { name: 'Groups SVG' }).click());
  expect(groupSvg.text).toContain('>ot-trpo (n=4)</text>');
  expect(groupSvg.text).toContain('>kl-trpo (n=2)</text>');
  const pdf = await download(page, () => page.getByRole('button', { name: 'Overlay PDF' }).click());
  expect(pdf.name).toMatch(/\.pdf$/);
  expect(pdf.raw.startsWith('%PDF-1.4')).toBe(true);
  expect(pdf.raw).toContain('/MediaBox [0 0 300 186]');
  expect(pdf.raw).toContain('/BaseFont /Helvetica');
  expect(pdf.raw).toContain('(iteration) Tj');
  expect(pdf.raw).toMatch(new RegExp(`\\(#\\d+ ${labels[0]}\\) Tj`));
  expect(pdf.raw).toMatch(/\/Subject \(Wasserstein Workbench \S+; run \d+ config [0-9a-f]{64}/);
  // the cross-reference table points at the objects
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf.raw)![1]);
  expect(pdf.raw.slice(startxref, startxref + 4)).toBe('xref');
  const offsets = pdf.raw.slice(startxref).split('\n').slice(3, 10).map((l) => Number(l.slice(0, 10)));
  offsets.forEach((o, k) => expect(pdf.raw.slice(o, o + `${k + 1} 0 obj`.length)).toBe(`${k + 1} 0 obj`));
  // kept with the test's output for a look
  await writeFile(testInfo.outputPath('overlay.svg'), svg.bytes);
  await writeFile(testInfo.outputPath('groups.svg'), groupSvg.bytes);
  await writeFile(testInfo.outputPath('overlay.pdf'), pdf.bytes);
  const png = await download(page, () => page.getByRole('button', { name: 'Export PNG' }).click());
  expect(png.bytes.subarray(1, 4).toString()).toBe('PNG');
  expect(png.raw).toMatch(/tEXtDescription\0Wasserstein Workbench \S+; run \d+ config [0-9a-f]{64}/);

  // symlog: no value hidden; log on a negative metric: the note says what is hidden
  await page.getByRole('combobox', { name: 'Metric' }).selectOption({ label: 'J (regularised)' });
  await page.getByRole('combobox', { name: 'Y scale (overlay)' }).selectOption('log');
  const rowsStored = labels.reduce((a, l) => a + updates.get(l)! + 1, 0);
  await expect(page.getByTestId('overlay-log-hidden')).toContainText(`${rowsStored} values ≤ 0 hidden on the log y axis`);
  await page.getByRole('combobox', { name: 'Y scale (overlay)' }).selectOption('symlog');
  await expect(page.getByTestId('overlay-log-hidden')).toHaveCount(0);
  // x by any metric: the transport cost
  await page.getByRole('combobox', { name: 'X axis' }).selectOption({ label: 'wall time (ms)' });
  await expect(app.compare.chart).toBeVisible();
  await page.screenshot({ path: join(SHOTS, 'compare-symlog.png') });

  await page.getByRole('tab', { name: 'Parallel coordinates' }).click();
  await expect(page.getByRole('img', { name: 'Parallel coordinates of 6 runs' })).toBeVisible();
  await expect(page.getByTestId('compare-parallel')).toContainText('vary across 6 runs');
  await page.screenshot({ path: join(SHOTS, 'compare-parallel.png') });
  await page.getByRole('tab', { name: 'Final policies' }).click();
  await expect(page.getByRole('img', { name: /^Final policy of run \d+$/ })).toHaveCount(6);
  await page.screenshot({ path: join(SHOTS, 'compare-policies.png') });

  // the selection survives a reload
  await page.reload();
  await app.open('Compare');
  await expect(page.getByText('6 selected')).toBeVisible();
  await expect(app.compare.chart).toHaveAttribute('aria-label', /for 6 runs$/);
});
