/**
 * Screenshots of each view for the README (docs/screenshots/*.png). Self-contained: it designs an MDP
 * and runs two methods so every view has something to show. Run alone with
 * `WWB_SCREENSHOTS=1 npx playwright test --project=browser --grep @screenshots` (skipped otherwise).
 */
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, uid } from './fixtures';

const OUT = fileURLToPath(new URL('../docs/screenshots', import.meta.url));

test('screenshots of every view @screenshots', async ({ app, page }) => {
  mkdirSync(OUT, { recursive: true });
  const id = uid();
  const mdpName = `Slippery grid ${id}`;

  await app.open('Design');
  await app.design.loadPreset('Grid world (slippery)');
  await app.design.rename(mdpName);
  await app.design.save();
  await app.design.states().nth(5).click();
  await app.design.section('Transitions');
  await page.screenshot({ path: join(OUT, 'design.png') });

  await app.design.section('Model');
  await app.design.gammaField().fill('1.2');
  await expect(app.design.validationSummary).toContainText('error');
  await page.screenshot({ path: join(OUT, 'design-validation.png') });
  await app.design.gammaField().fill('0.95');
  await expect(app.design.validationSummary).toContainText('valid');

  await app.open('Runs');
  const labels = [`NPG eta=0.5 ${id}`, `OT trust region ${id}`, `softmax PG ${id}`];
  await app.runs.configure({ mdp: mdpName, method: 'NPG / policy mirror descent (KL)', label: labels[0], iterations: 120, options: { 'eta (step)': '0.5' } });
  await app.runs.start();
  await app.runs.waitCompleted(labels[0]);
  await app.runs.configure({ mdp: mdpName, method: 'OT trust region (mass splitting)', label: labels[1], iterations: 40 }); // plain objective: OT-TRPO refuses tau > 0 (D3)
  await app.runs.start();
  await app.runs.waitCompleted(labels[1]);
  await app.runs.configure({ mdp: mdpName, method: 'Softmax policy gradient', label: labels[2], iterations: 300, options: { 'tau (entropy)': '0.1' } });
  await app.runs.start();
  await app.runs.waitCompleted(labels[2]);
  await app.runs.select(labels[0]);
  await expect.poll(() => app.runs.chartPoints()).toBeGreaterThan(1);
  await page.screenshot({ path: join(OUT, 'runs.png') });
  await app.runs.detail().getByRole('tab', { name: 'Policy' }).click();
  await expect(page.getByRole('img', { name: /^Policy heatmap/ })).toBeVisible();
  await page.screenshot({ path: join(OUT, 'runs-policy.png') });

  // a continuous-action problem: formula reward preview and a Wasserstein flow's densities
  const bandit = `Two peaks ${id}`;
  await app.open('Design');
  await app.design.loadPreset('Bandit: two peaks', { discard: true });
  await app.design.rename(bandit);
  await app.design.save();
  await app.design.section('Rewards');
  await expect(page.getByRole('img', { name: 'Reward preview' })).toBeVisible();
  await page.screenshot({ path: join(OUT, 'design-formula.png') });
  await app.open('Runs');
  const flow = `W2 flow ${id}`;
  await app.runs.configure({ mdp: bandit, method: 'Wasserstein gradient flow (Fokker–Planck, Scharfetter–Gummel)', label: flow, iterations: 400 });
  await app.runs.start();
  await app.runs.waitCompleted(flow);
  await app.runs.detail().getByRole('tab', { name: 'Policy' }).click();
  await expect(page.getByRole('img', { name: /^Policy heatmap/ })).toBeVisible();
  await page.getByRole('slider', { name: 'Policy snapshot' }).focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.screenshot({ path: join(OUT, 'runs-density.png') });

  await app.open('Compare');
  for (const l of labels) await app.compare.pick(l);
  await expect(app.compare.chart).toBeVisible();
  await expect(app.compare.diff).toBeVisible();
  await page.screenshot({ path: join(OUT, 'compare.png') });
});
