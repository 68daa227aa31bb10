#!/usr/bin/env node
// Browser mode (`npm run serve`): checks the Node version, then starts out/main/serve.js.
import { requireNode } from './nodeVersion.js';

requireNode('serve');
await import('../out/main/serve.js');
