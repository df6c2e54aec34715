#!/usr/bin/env node
// Entry point installed as `ringside`: runs the compiled CLI (npm install/ci builds it through `prepare`).
'use strict';
const path = require('path');
let cli;
try {
  cli = require(path.join(__dirname, '..', 'out', 'cli', 'main.js'));
} catch (e) {
  process.stderr.write('ringside: the project is not built; run `npm ci` (or `npm run build`) first\n');
  process.exit(2);
}
cli.main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  process.stderr.write(`ringside: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(70);
});
