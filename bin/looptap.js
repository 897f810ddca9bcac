#!/usr/bin/env -S node --initial-old-space-size=64
// Thin shim: everything lives in dist/cli/main.js so that tests can drive main() in-process.
// The flag: a relay moving bulk data allocates a 64 KiB socket buffer per read outside the JS
// heap, and V8 counts that memory against the old generation's limit until a GC frees it. With
// the limit V8 picks for a heap of looptap's size, that started a full mark-compact every 25-30 MB
// relayed, a quarter of the relay's CPU; with the old generation's floor at 64 MB, young-generation
// scavenges free the buffers and no full GC runs (docs/benchmarks.md, "The full GCs, found and gone"). It has
// to be a node flag: V8 reads it when the heap is made. `env -S` passes it on Linux and macOS;
// `node bin/looptap.js` runs without it.
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
