import { test, expect, uid } from './fixtures';

test.describe('run lifecycle', () => {
  test('pause, resume and cancel a long run; a reload mid-run marks the run interrupted', async ({ app, page }) => {
    const id = uid();
    const mdpName = `Taxi e2e ${id}`;
    const long = `pg-long-${id}`;
    const orphan = `pg-reload-${id}`;

    await app.open('Design');
    await app.design.loadPreset('Taxi');
    await app.design.rename(mdpName);
    await app.design.save();

    await app.open('Runs');
    await app.runs.configure({ mdp: mdpName, method: 'Softmax policy gradient', label: long, iterations: 100000 });
    await app.runs.start();
    await expect.poll(() => app.runs.activeCount(), { message: 'the run makes progress' }).toBeGreaterThan(2);

    await app.runs.pauseButton.click();
    // 'paused' is shown once the worker confirms it stopped between two batches
    await expect(app.runs.activeState()).toHaveText('paused');
    await expect(app.runs.status(long)).toHaveText('running');
    const atPause = await app.runs.activeCount();

    await app.runs.resumeButton.click();
    await expect(app.runs.activeState()).toHaveText('running');
    await expect.poll(() => app.runs.activeCount(), { message: 'the run continues after resume' }).toBeGreaterThan(atPause);

    await app.runs.cancelButton.click();
    await expect(app.runs.status(long)).toHaveText('cancelled');
    const stored = Number((await app.runs.row(long).locator('td').nth(5).textContent()) ?? 0);
    expect(stored).toBeGreaterThan(atPause);
    expect(stored).toBeLessThan(100000);

    await app.runs.configure({ mdp: mdpName, method: 'Softmax policy gradient', label: orphan, iterations: 100000 });
    await app.runs.start();
    await expect.poll(() => app.runs.activeCount()).toBeGreaterThan(2);
    // appends are coalesced (up to 250 ms): wait until some points are acknowledged as stored, since only
    // stored points can survive the page going away (at most the unacknowledged batch is lost)
    await expect.poll(async () => Number((await page.getByTestId('active-stored').textContent()) ?? 0)).toBeGreaterThan(0);
    // leaving with a run active asks first (beforeunload): answer "leave"
    page.once('dialog', (d) => void d.accept());
    await page.reload();
    await app.waitReady();
    await app.open('Runs');
    await expect(app.runs.status(orphan)).toHaveText('interrupted');
    await app.runs.select(orphan);
    await expect.poll(() => app.runs.chartPoints(), { message: 'the interrupted run keeps the trace it stored' }).toBeGreaterThan(0);
  });
});
