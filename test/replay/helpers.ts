// Helpers for replay tests: make a real capture by running a real client through the real relay
// with a capture file, and run `looptap replay` in-process through main() with its output kept.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCaptureFile, startRelay } from '../../src/index.js';
import { startHttpProxy } from '../../src/http/http-proxy-server.js';
import { main } from '../../src/cli/main.js';
import type { Teardown } from '../helpers/net.js';

export function tempDir(t: Teardown, prefix = 'looptap-replay-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** runs `client(port)` through a relay to `target` and returns the capture's path */
export async function capture(
  path: string,
  target: string,
  client: (port: number) => Promise<void>,
  opts: { redact?: boolean } = {},
): Promise<string> {
  const file = await openCaptureFile(path);
  const relay = await startRelay({ target, sinks: [file], redact: opts.redact ?? true });
  try {
    await client(relay.port);
  } finally {
    await relay.close(3000);
  }
  return path;
}

/** runs requests through `looptap http` with a capture file; returns its path */
export async function httpCapture(
  path: string,
  target: string,
  run: (base: string) => Promise<void>,
): Promise<string> {
  const file = await openCaptureFile(path);
  const proxy = await startHttpProxy({ target, sinks: [file] });
  try {
    await run(`http://${proxy.address}`);
  } finally {
    await proxy.close(2000);
  }
  return path;
}

/** one line of `looptap replay --json` */
export interface Row {
  type: string;
  conn: number;
  index: number;
  request: string;
  same: boolean;
  diffs: string[];
  note?: string;
  [k: string]: unknown;
}

export function jsonLines(out: string): Row[] {
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** `looptap ...args` in-process, with stdout/stderr kept and env set for the call */
export async function looptap(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let out = '';
  let err = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = (c: string | Uint8Array) => ((out += c.toString()), true);
  process.stderr.write = (c: string | Uint8Array) => ((err += c.toString()), true);
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
