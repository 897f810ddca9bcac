#!/usr/bin/env node
// Thin shim: everything lives in dist/cli/main.js so that tests can drive main() in-process.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    console.error(`looptap: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
