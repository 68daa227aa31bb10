#!/usr/bin/env node
// The benchmarks (`npm run bench`): checks the Node version, then runs out/main/bench.js.
import { requireNode } from './nodeVersion.js';

requireNode('bench');
await import('../out/main/bench.js');
