#!/usr/bin/env node
// The `wwb` command: checks the Node version, then runs the bundled CLI (build first: npm run build).
import { requireNode } from './nodeVersion.js';

requireNode('wwb');
await import('../out/main/wwb.js');
