#!/usr/bin/env node
// The `wwb` command: runs the bundled CLI (build first: npm run build).
import('../out/main/wwb.js');
