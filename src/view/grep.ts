// `view --grep TEXT` shows pairs, not halves: a match in a request or in its answer shows both.
// An exchange is already a pair. For frames (message events), a connection's messages are cut
// into turns: the client's messages, then the server's until the client speaks again (a
// server-first greeting is a turn of its own). A turn with a match anywhere is shown whole; its
// messages are held until the turn matches or ends (at most TURN_MAX of them).

import type { CaptureEvent, ExchangeEvent, MessageEvent } from '../events.js';

const TURN_MAX = 64;

interface Turn {
  events: MessageEvent[];
  phase: 'client' | 'server';
  matched: boolean;
}

export class GrepPairs {
  private turns = new Map<string, Turn>();

  /** lower case */
  constructor(private readonly needle: string) {}

  /** the events to show now, in order */
  push(e: CaptureEvent): CaptureEvent[] {
    if (e.type === 'header' || e.type === 'listening') return [e];
    if (e.type === 'exchange') return exchangeMatches(e, this.needle) ? [e] : [];
    const key = `${e.route ?? ''}#${(e as { conn?: number }).conn ?? ''}`;
    if (e.type === 'close') {
      this.turns.delete(key);
      return [];
    }
    if (e.type !== 'message') return [];
    let turn = this.turns.get(key);
    if (!turn || (turn.phase === 'server' && e.from === 'client')) {
      turn = { events: [], phase: e.from, matched: false };
      this.turns.set(key, turn);
    }
    if (e.from === 'server') turn.phase = 'server';
    if (turn.matched) return [e];
    if (messageMatches(e, this.needle)) {
      turn.matched = true;
      const out = [...turn.events, e];
      turn.events = [];
      return out;
    }
    turn.events.push(e);
    if (turn.events.length > TURN_MAX) turn.events.shift();
    return [];
  }
}

function has(v: unknown, needle: string): boolean {
  const text = Array.isArray(v) ? v.map(String).join(' ') : typeof v === 'string' ? v : '';
  return text.toLowerCase().includes(needle);
}

export function messageMatches(e: MessageEvent, needle: string): boolean {
  const f = e.fields;
  return ['summary', 'sql', 'url', 'command'].some((k) => has(f[k], needle));
}

export function exchangeMatches(e: ExchangeEvent, needle: string): boolean {
  const q = e.request;
  const r = e.response;
  return (
    has(q.text, needle) ||
    has(q.sql, needle) ||
    has(q.url, needle) ||
    has(q.command, needle) ||
    (r !== undefined &&
      (has(r.text, needle) || has(r.error?.message, needle) || has(r.reply, needle)))
  );
}
