/**
 * Writes tests/oracles/inputs.json: the compiled presets the oracle fixtures are computed on (the arrays
 * of TabularMdp, plain JSON), so that generate.py works on exactly the inputs the reference sees.
 * Run: node_modules/.bin/jiti tests/oracles/exportInputs.ts   (see README.md here)
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presetById } from '../../src/compute/presets';
import { compileMdp } from '../../src/shared/mdp/compile';
import { ORACLE_PRESETS, fingerprint } from './presetsUsed';

const out: Record<string, unknown> = {};
for (const { key, id, params } of ORACLE_PRESETS) {
  const r = compileMdp(presetById(id)!.build(params));
  if (!r.ok) throw new Error(`${id}: ${r.issues.map((i) => i.message).join('; ')}`);
  const m = r.mdp;
  out[key] = {
    id,
    params,
    S: m.S,
    N: m.N,
    gamma: m.gamma,
    rho0: Array.from(m.rho0),
    mu: Array.from(m.mu),
    reward: Array.from(m.reward),
    rowPtr: Array.from(m.rowPtr),
    next: Array.from(m.next),
    prob: Array.from(m.prob),
    cost: Array.from(m.cost),
    positions: m.positions ? Array.from(m.positions) : null,
    fingerprint: fingerprint(m),
  };
}
const file = join(dirname(fileURLToPath(import.meta.url)), 'inputs.json');
writeFileSync(file, JSON.stringify(out));
console.log(`wrote ${file}: ${Object.keys(out).join(', ')}`);
