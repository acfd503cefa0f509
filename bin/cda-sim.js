#!/usr/bin/env node
// The `cda-sim` command: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
import { main } from '../dist/simulator/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exitCode = 2;
  },
);
