// `looptap mcp FILE | --target PORT`: stdout belongs to the MCP protocol, so everything looptap
// has to say goes to stderr. A file is read once into the log; a live relay feeds it as traffic
// passes. The session ends when the agent closes stdin (or on SIGINT/SIGTERM).

import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ConversationLog } from '../../api/conversation-log.js';
import { startRelay } from '../../api/observed.js';
import { readCapture } from '../../capture/reader.js';
import { RotatingCaptureFile } from '../../capture/rotating-file.js';
import { createMcpServer } from '../../mcp/server.js';
import { fingerprintReady } from '../../digest/fingerprint.js';
import type { Log } from '../../log/log.js';

export interface McpFlags {
  file?: string;
  target?: string;
  listen?: string;
  capture?: string;
  redact: boolean;
  allowRemote: boolean;
  maxExchanges: number;
}

export async function runMcp(flags: McpFlags, log: Log): Promise<number> {
  const say = (msg: string): void => log.info(msg);
  if (flags.file) {
    await fingerprintReady();
    const log = new ConversationLog(flags.maxExchanges);
    for await (const e of readCapture(flags.file)) log.add(e);
    say(
      `mcp: serving ${flags.file} (${log.connections().length} connections, ${log.size} exchanges) on stdio`,
    );
    await serve(log, `capture ${flags.file}`);
    return 0;
  }
  const capture = flags.capture ? await RotatingCaptureFile.open(flags.capture, {}) : undefined;
  const relay = await startRelay({
    target: flags.target!,
    listen: flags.listen,
    redact: flags.redact,
    allowRemote: flags.allowRemote,
    sinks: capture ? [capture] : [],
    maxExchanges: flags.maxExchanges,
  });
  const source = `live relay ${relay.address} -> ${relay.target}`;
  say(`mcp: listening on ${relay.address} -> ${relay.target}; serving it on stdio`);
  await serve(relay.log, source);
  await relay.close(0);
  return 0;
}

/** resolves when the client goes away (stdin ends) or a signal asks us to stop */
async function serve(log: ConversationLog, source: string): Promise<void> {
  const server = createMcpServer(log, { source });
  const transport = new StdioServerTransport();
  const done = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.connect(transport);
  await done;
  await server.close();
}
