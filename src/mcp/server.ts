// The MCP server: looptap's view of a session as tools for a coding agent. Summaries first
// (connections, the digest, N+1), then paged finds with short forms, then one exchange in full;
// never a whole capture. Built on the official SDK; the transport (stdio) is the caller's.

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ConversationLog } from '../api/conversation-log.js';
import { FilterError } from '../filter/index.js';
import { VERSION } from '../version.js';
import { fullExchange, shortExchange } from './short-form.js';

export interface SessionInfo {
  /** what the session is: `capture session.jsonl` or `live relay 127.0.0.1:5 -> 127.0.0.1:5432` */
  source: string;
}

const FIND_DEFAULT = 20;
const FIND_MAX = 100;
const LIST_MAX = 50;

type ToolResult = { content: Array<{ type: 'text'; text: string }>; isError?: boolean };

const answer = (value: unknown): ToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(value) }],
});

/** a bad filter is the agent's to fix: say where, as the CLI does */
function guarded(fn: () => unknown): ToolResult {
  try {
    return answer(fn());
  } catch (err) {
    if (err instanceof FilterError) {
      return {
        content: [{ type: 'text', text: `${err.message} in "${err.expression}"` }],
        isError: true,
      };
    }
    throw err;
  }
}

const filterArg = z
  .string()
  .optional()
  .describe(
    'looptap filter language, e.g. "protocol:postgres sql~^select latency>50ms", "error", "status:5xx"',
  );

export function createMcpServer(log: ConversationLog, info: SessionInfo): McpServer {
  const server = new McpServer({ name: 'looptap', version: VERSION });
  connectionsTool(server, log, info);
  statsTool(server, log);
  findTool(server, log);
  getExchangeTool(server, log);
  nPlusOneTool(server, log);
  return server;
}

function connectionsTool(server: McpServer, log: ConversationLog, info: SessionInfo): void {
  server.registerTool(
    'connections',
    {
      description: `Connections seen in this session (${info.source}): protocol, client, bytes each way, duration, exchange and error counts. Start here.`,
      inputSchema: {
        protocol: z
          .string()
          .optional()
          .describe('only this protocol: postgres, mysql, redis, http'),
        limit: z.number().int().min(1).max(LIST_MAX).optional(),
      },
    },
    ({ protocol, limit }) =>
      guarded(() => {
        const all = log.connections().filter((c) => !protocol || c.protocol === protocol);
        const shown = all.slice(-(limit ?? LIST_MAX));
        return {
          source: info.source,
          total: all.length,
          exchanges: log.size,
          ...(log.dropped ? { droppedOldest: log.dropped } : {}),
          connections: shown,
        };
      }),
  );
}

function statsTool(server: McpServer, log: ConversationLog): void {
  server.registerTool(
    'stats',
    {
      description:
        'The query digest: one row per fingerprint (normalised statement) with calls, errors, rows, totalMs, p50Ms, p95Ms, maxMs. Use it to find what is slow, frequent or failing.',
      inputSchema: {
        filter: filterArg,
        sort: z.enum(['total', 'calls', 'p95', 'errors']).optional(),
        limit: z.number().int().min(1).max(LIST_MAX).optional(),
      },
    },
    ({ filter, sort, limit }) =>
      guarded(() => {
        const rows = log.stats(filter, sort ?? 'total');
        return { total: rows.length, rows: rows.slice(0, limit ?? 10) };
      }),
  );
}

function findTool(server: McpServer, log: ConversationLog): void {
  server.registerTool(
    'find',
    {
      description:
        'Exchanges (request + answer) matching a filter, oldest first, in a short form; page with `after` (the last id you got).',
      inputSchema: {
        filter: filterArg,
        after: z.number().int().optional().describe('only exchanges with a greater id'),
        limit: z.number().int().min(1).max(FIND_MAX).optional(),
      },
    },
    ({ filter, after, limit }) =>
      guarded(() => {
        const matched = log.exchanges(filter).filter((x) => after === undefined || x.id > after);
        const n = limit ?? FIND_DEFAULT;
        const page = matched.slice(0, n);
        return {
          matched: matched.length,
          exchanges: page.map(shortExchange),
          ...(matched.length > n ? { next: page[page.length - 1]!.id } : {}),
        };
      }),
  );
}

function getExchangeTool(server: McpServer, log: ConversationLog): void {
  server.registerTool(
    'get_exchange',
    {
      description:
        'One exchange in full: SQL or command, parameters, result columns and first rows, error, headers and bodies (bounded).',
      inputSchema: { id: z.number().int().describe('the exchange id, from find') },
    },
    ({ id }) => {
      const x = log.get(id);
      if (!x) {
        return {
          content: [{ type: 'text' as const, text: `no exchange ${id} in this session; use find` }],
          isError: true,
        };
      }
      return answer(fullExchange(x));
    },
  );
}

function nPlusOneTool(server: McpServer, log: ConversationLog): void {
  server.registerTool(
    'n_plus_one',
    {
      description:
        'N+1 findings: the same statement run many times in a row on one connection (an ORM loop).',
      inputSchema: {
        filter: filterArg,
        threshold: z
          .number()
          .int()
          .min(2)
          .optional()
          .describe('how many in a row count (default 5)'),
      },
    },
    ({ filter, threshold }) =>
      guarded(() => {
        const findings = log.nPlusOne({ ...(threshold ? { threshold } : {}), filter });
        return { findings };
      }),
  );
}
