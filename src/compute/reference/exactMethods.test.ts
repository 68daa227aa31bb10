import { describe, expect, it } from 'vitest';
import { policyIterationMethod } from './policyIterationMethod';
import { softValueIterationMethod } from './softValueIterationMethod';
import { solveOptimum } from './solvers';
import { chainMdp, randomMdp, specFor } from './testing';
import { valueIterationMethod } from './valueIterationMethod';
import type { IterationMetrics } from '../../shared/methods';
import type { MethodIterator } from '../types';

function runToEnd(it: MethodIterator, max = 10_000): IterationMetrics[] {
  const rows: IterationMetrics[] = [];
  while (!it.done && rows.length < max) rows.push(it.step());
  return rows;
}

describe('exact solvers as runs', () => {
  const mdp = randomMdp(25, 4, 17, { gamma: 0.9, terminate: 0.05 });

  it('soft value iteration: gap -> 0, contracts at rate gamma, stops at tol', () => {
    const run = softValueIterationMethod.start(mdp, specFor('soft-value-iteration', { tau: 0.3, tol: 1e-10 }));
    const rows = runToEnd(run);
    const last = rows[rows.length - 1];
    const d = run.diagnostics();
    console.log(`soft VI: ${rows.length - 1} sweeps, final gap ${last.gap.toExponential(2)}, rate ${(d.gapRate as number).toFixed(4)} (per sweep; -log gamma = ${(-Math.log(0.9)).toFixed(4)})`);
    expect(run.done).toBe(true);
    expect(rows[0].iteration).toBe(0);
    expect(Math.abs(last.gap)).toBeLessThan(1e-9);
    expect(last.tv).toBeLessThan(1e-9);
    expect(d.gapRate as number).toBeGreaterThan(-Math.log(0.9) * 0.9);
    expect(d.sweepChange as number).toBeLessThanOrEqual(1e-10);
  });

  it('value iteration and policy iteration (tau = 0) reach the exact optimum; PI in few steps', () => {
    const vi = valueIterationMethod.start(mdp, specFor('value-iteration', { tol: 1e-12 }));
    const rowsVi = runToEnd(vi);
    expect(rowsVi[rowsVi.length - 1].gap).toBe(0); // the greedy policy is the optimum exactly
    const pi = policyIterationMethod.start(mdp, specFor('policy-iteration', {}));
    const rowsPi = runToEnd(pi);
    console.log(`VI: ${rowsVi.length - 1} sweeps; PI: ${rowsPi.length - 1} improvements`);
    expect(pi.done).toBe(true);
    expect(rowsPi.length).toBeLessThan(12);
    expect(Math.abs(rowsPi[rowsPi.length - 1].gap)).toBeLessThan(1e-12);
    expect(Array.from(pi.policy())).toEqual(Array.from(solveOptimum(mdp, 0.9, 0).policy));
    // policy iteration's J is monotone
    for (let i = 2; i < rowsPi.length; i++) expect(rowsPi[i].J).toBeGreaterThanOrEqual(rowsPi[i - 1].J - 1e-12);
  });

  it('soft policy iteration on a chain converges quadratically to the soft optimum', () => {
    const chain = chainMdp(8, 0.95);
    const run = policyIterationMethod.start(chain, specFor('policy-iteration', { tau: 0.1 }));
    const rows = runToEnd(run);
    console.log(`soft PI on chain: gaps ${rows.map((r) => r.gap.toExponential(1)).join(', ')}`);
    expect(run.done).toBe(true);
    expect(Math.abs(rows[rows.length - 1].gap)).toBeLessThan(1e-11);
    expect(rows.length).toBeLessThan(20);
  });
});
