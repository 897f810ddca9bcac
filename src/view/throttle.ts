// Keeps the live view readable under load (docs/exchanges.md, "Under load"). Time is cut into
// windows of WINDOW_MS; in each window at most `budget` lines of exchanges (a screenful) are
// printed. Past that, exchanges are only counted, and when the window ends one digest line says
// what was not shown:
//
//   12:00:03.000 … 8,214 more exchanges in 2.0 s (4,107/s), 3 errors; by time: 61% select ... (1.2 s), 20% GET user:* (0.4 s)
//
// Error answers are still printed past the budget (up to ERRORS_PAST_BUDGET per window): they are
// what a person looks for in a flood.

import type { ExchangeEvent } from '../events.js';
import { isError } from '../filter/terms.js';
import { escapeText } from './preview.js';
import { cut } from './exchange-line.js';

export const WINDOW_MS = 2000;
const ERRORS_PAST_BUDGET = 5;
const TOP = 3;
const MAX_TRACKED = 200;

interface Count {
  calls: number;
  ms: number;
}

export class Throttle {
  private windowStart = -1;
  private printed = 0;
  private errorsPrinted = 0;
  private hidden = 0;
  private hiddenErrors = 0;
  private hiddenMs = 0;
  private top = new Map<string, Count>();

  constructor(
    /** lines of exchanges per window */
    readonly budget: number,
    private readonly width = 160,
  ) {}

  /** true when admit() would refuse this exchange whatever its number of lines: the window has
   * hidden exchanges already, and it is not an error that may still pass. The live view then
   * skips formatting it. */
  refuses(x: ExchangeEvent): boolean {
    return this.hidden > 0 && !(this.errorsPrinted < ERRORS_PAST_BUDGET && isError(x));
  }

  /** may this exchange's `lines` lines be printed now? */
  admit(x: ExchangeEvent, lines: number, now: number): boolean {
    if (this.windowStart < 0 || now - this.windowStart >= WINDOW_MS) this.windowStart = now;
    if (this.printed + lines <= this.budget && this.hidden === 0) {
      this.printed += lines;
      return true;
    }
    const error = isError(x);
    if (error && this.errorsPrinted < ERRORS_PAST_BUDGET) {
      this.errorsPrinted++;
      return true;
    }
    this.hidden++;
    if (error) this.hiddenErrors++;
    const ms = x.latencyMs ?? 0;
    this.hiddenMs += ms;
    const fp = x.fingerprint ?? x.request.text;
    let c = this.top.get(fp);
    if (!c && this.top.size < MAX_TRACKED) this.top.set(fp, (c = { calls: 0, ms: 0 }));
    if (c) {
      c.calls++;
      c.ms += ms;
    }
    return false;
  }

  /** when the window is over: the digest line for what it did not show (or undefined), and a
   * fresh window */
  tick(now: number, force = false): string | undefined {
    if (this.windowStart < 0) return undefined;
    if (!force && now - this.windowStart < WINDOW_MS) return undefined;
    const line = this.hidden > 0 ? this.line(now) : undefined;
    this.windowStart = -1;
    this.printed = 0;
    this.errorsPrinted = 0;
    this.hidden = 0;
    this.hiddenErrors = 0;
    this.hiddenMs = 0;
    this.top.clear();
    return line;
  }

  private line(now: number): string {
    const secs = Math.max(0.001, (now - this.windowStart) / 1000);
    const n = this.hidden;
    const rate = Math.round(n / secs);
    const parts = [
      `… ${fmtInt(n)} more exchange${n === 1 ? '' : 's'} in ${secs.toFixed(1)} s (${fmtInt(rate)}/s)`,
    ];
    parts[0] += `, ${fmtInt(this.hiddenErrors)} error${this.hiddenErrors === 1 ? '' : 's'}`;
    const top = [...this.top]
      .sort((a, b) => b[1].ms - a[1].ms || b[1].calls - a[1].calls)
      .slice(0, TOP);
    if (top.length) {
      const total = this.hiddenMs;
      const each = top.map(([fp, c]) => {
        const share = total > 0 ? `${Math.round((c.ms / total) * 100)}% ` : '';
        return `${share}${cut(escapeText(fp), 50)} (${c.calls} x, ${fmtTotal(c.ms)})`;
      });
      parts.push(`by time: ${each.join(', ')}`);
    }
    return cut(parts.join('; '), this.width);
  }
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const fmtTotal = (ms: number): string =>
  ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`;
