// A hand-written recursive-descent parser for the filter language, scanning the source directly
// (no token list) so that every error knows its column. It compiles straight to closures: the
// matcher runs once per exchange on the live path, so a tree walk per match is not worth it.
//
//   or    := and ('or' and)*
//   and   := unary (['and'] unary)*          space is AND
//   unary := ('not' | '!') unary | primary
//   primary := '(' or ')' | '~' VALUE | NAME [(':' | '~') VALUE | CMP NUMBER]

import type { Matchable } from './index.js';
import { term, type Op, type Test } from './terms.js';

type Fail = (column: number, reason: string) => Error;

const WORD = /[A-Za-z_][A-Za-z0-9_-]*/y;

export class Parser {
  private pos = 0;
  /** every term of the expression, with its column (from 1): for callers that allow only some */
  readonly terms: Array<{ name: string; column: number }> = [];

  constructor(
    private readonly src: string,
    private readonly fail: Fail,
  ) {}

  run(): (x: Matchable) => boolean {
    this.ws();
    if (this.end()) return () => true;
    const test = this.or();
    this.ws();
    if (!this.end()) {
      if (this.peek() === ')')
        throw this.fail(this.pos + 1, 'unexpected ")" with no "(" before it');
      throw this.fail(this.pos + 1, `unexpected "${this.peek()}"`);
    }
    return test;
  }

  private or(): Test {
    const parts = [this.and()];
    for (;;) {
      this.ws();
      if (!this.keyword('or')) break;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0]! : (x) => parts.some((p) => p(x));
  }

  private and(): Test {
    const parts = [this.unary()];
    for (;;) {
      this.ws();
      if (this.end() || this.peek() === ')' || this.isKeyword('or')) break;
      this.keyword('and');
      parts.push(this.unary());
    }
    return parts.length === 1 ? parts[0]! : (x) => parts.every((p) => p(x));
  }

  private unary(): Test {
    this.ws();
    if (this.peek() === '!') {
      this.pos++;
      const inner = this.unary();
      return (x) => !inner(x);
    }
    if (this.keyword('not')) {
      const inner = this.unary();
      return (x) => !inner(x);
    }
    return this.primary();
  }

  private primary(): Test {
    this.ws();
    const at = this.pos + 1;
    if (this.end()) throw this.fail(at, 'expected a term here (the expression ends too early)');
    const c = this.peek();
    if (c === '(') {
      this.pos++;
      this.ws();
      if (this.peek() === ')') throw this.fail(this.pos + 1, 'empty parentheses');
      const inner = this.or();
      this.ws();
      if (this.peek() !== ')') throw this.fail(at, 'this "(" is never closed');
      this.pos++;
      return inner;
    }
    if (c === ')') throw this.fail(at, 'unexpected ")": expected a term');
    if (c === '~') {
      this.pos++;
      return this.build('~', '~', at, this.value('~'));
    }
    WORD.lastIndex = this.pos;
    const m = WORD.exec(this.src);
    if (!m) throw this.fail(at, `unexpected "${c}": expected a term such as protocol:postgres`);
    const name = m[0].toLowerCase();
    this.pos += m[0].length;
    const op = this.op();
    if (op === undefined) return this.build(name, undefined, at, undefined);
    return this.build(name, op, at, this.value(name + op));
  }

  private build(name: string, op: Op | undefined, at: number, v: Value | undefined): Test {
    this.terms.push({ name, column: at });
    return term(name, op, at, v, this.fail);
  }

  private op(): Op | undefined {
    const two = this.src.slice(this.pos, this.pos + 2);
    if (two === '>=' || two === '<=' || two === '!=') {
      this.pos += 2;
      return two;
    }
    const c = this.peek();
    if (c === ':' || c === '~' || c === '>' || c === '<' || c === '=') {
      this.pos++;
      return c;
    }
    return undefined;
  }

  /** a value: "quoted" (\" and \\ are escapes; any other backslash stays, for regexes) or a run
   * of characters up to a space or a ")" that closes a group opened before the value */
  private value(after: string): Value {
    const column = this.pos + 1;
    if (this.peek() === '"') {
      let out = '';
      let i = this.pos + 1;
      for (; i < this.src.length; i++) {
        const ch = this.src[i]!;
        if (ch === '"') break;
        if (ch === '\\' && (this.src[i + 1] === '"' || this.src[i + 1] === '\\')) {
          out += this.src[++i];
          continue;
        }
        out += ch;
      }
      if (i >= this.src.length) throw this.fail(column, 'this quoted value is never closed');
      this.pos = i + 1;
      return { text: out, column, quoted: true };
    }
    let depth = 0;
    let i = this.pos;
    for (; i < this.src.length; i++) {
      const ch = this.src[i]!;
      if (/\s/.test(ch)) break;
      if (ch === '(') depth++;
      else if (ch === ')') {
        if (depth === 0) break;
        depth--;
      }
    }
    if (i === this.pos) throw this.fail(column, `expected a value after ${after}`);
    const text = this.src.slice(this.pos, i);
    this.pos = i;
    return { text, column, quoted: false };
  }

  private isKeyword(w: string): boolean {
    const s = this.src.slice(this.pos, this.pos + w.length).toLowerCase();
    if (s !== w) return false;
    const next = this.src[this.pos + w.length];
    return next === undefined || /[\s(!~]/.test(next);
  }

  private keyword(w: string): boolean {
    if (!this.isKeyword(w)) return false;
    this.pos += w.length;
    return true;
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private end(): boolean {
    return this.pos >= this.src.length;
  }
}

export interface Value {
  text: string;
  /** 1-based column of the value's first character */
  column: number;
  quoted: boolean;
}
