// Which arguments of a Redis command are secrets, decided argument by argument as the command
// arrives, so that the bytes can be masked before they reach the capture: the tracker is asked
// about argument i before its bytes are read and told its (lower-case) text afterwards.
//
//   AUTH pw | AUTH user pw             HELLO 3 AUTH user pw [SETNAME n]
//   CONFIG SET requirepass pw ...      MIGRATE h p k db t ... AUTH pw | AUTH2 user pw
//   ACL SETUSER name >pw <pw #hash     SENTINEL SET master auth-pass pw

import type { SecretChild } from './resp-node.js';

/** 'rule': an ACL rule, a secret when its first byte is > < # or ! */
export type SecretKind = 'no' | 'yes' | 'rule';

/** CONFIG parameters whose values are secrets (also used for CONFIG GET replies) */
export const SECRET_PARAMS = new Set([
  'requirepass',
  'masterauth',
  'masteruser',
  'tls-key-file-pass',
  'tls-client-key-file-pass',
]);

/** CONFIG GET's reply is name, value, name, value: a secret parameter's value is masked */
export const configGetSecret: SecretChild = (index, prev) =>
  index % 2 === 1 && SECRET_PARAMS.has((prev?.text ?? '').toLowerCase());

/** command names that can carry a secret: the fast path skips the tracker for the others */
export const SECRET_COMMANDS = new Set(['auth', 'hello', 'config', 'migrate', 'acl', 'sentinel']);

/** `masked`: reading a capture, where redaction turned the whole rule, prefix included, into
 * `*` bytes (no ACL rule starts with `*`) */
export function isRuleSecret(firstByte: number, masked = false): boolean {
  return (
    firstByte === 0x3e ||
    firstByte === 0x3c ||
    firstByte === 0x23 ||
    firstByte === 0x21 ||
    (masked && firstByte === 0x2a)
  );
}

export class SecretTracker {
  private name = '';
  private sub = '';
  /** what the next argument is, for the commands that take options */
  private expect = '';

  /** total: the argument count when the framing announces it (RESP), undefined for inline */
  constructor(private readonly total: number | undefined) {}

  classify(index: number): SecretKind {
    if (index === 0 || !SECRET_COMMANDS.has(this.name)) return 'no';
    switch (this.name) {
      case 'auth': {
        const t = this.total;
        // AUTH pw / AUTH user pw; inline (count unknown while reading): every argument
        if (t === 3) return index === 2 ? 'yes' : 'no';
        return 'yes';
      }
      case 'acl':
        return this.sub === 'setuser' && index >= 3 ? 'rule' : 'no';
      default:
        return this.expect === 'pass' ? 'yes' : 'no';
    }
  }

  /** word: the argument in lower case (only short ones matter; '' for long or binary) */
  see(index: number, word: string): void {
    if (index === 0) {
      this.name = word;
      return;
    }
    if (index === 1) this.sub = word;
    const e = this.expect;
    switch (this.name) {
      case 'hello':
        if (index === 1) this.expect = 'opt';
        else if (e === 'opt')
          this.expect = word === 'auth' ? 'user' : word === 'setname' ? 'name' : 'opt';
        else if (e === 'user') this.expect = 'pass';
        else this.expect = 'opt';
        return;
      case 'config':
        if (this.sub !== 'set') return;
        if (index === 1) this.expect = 'param';
        else if (e === 'param') this.expect = SECRET_PARAMS.has(word) ? 'pass' : 'value';
        else this.expect = 'param';
        return;
      case 'sentinel':
        if (this.sub !== 'set') return;
        if (index === 2) this.expect = 'param';
        else if (e === 'param') this.expect = word === 'auth-pass' ? 'pass' : 'value';
        else if (index > 2) this.expect = 'param';
        return;
      case 'migrate':
        if (index < 5 || e === 'keys') return;
        if (index === 5) this.expect = 'opt';
        else if (e === 'opt')
          this.expect =
            word === 'auth' ? 'pass' : word === 'auth2' ? 'user' : word === 'keys' ? 'keys' : 'opt';
        else if (e === 'user') this.expect = 'pass';
        else this.expect = 'opt';
        return;
    }
  }
}

/** the lower-case text of a short argument, for matching keywords */
export function wordOf(b: Buffer, size: number): string {
  return size <= 32 && b.length === size ? b.toString('latin1').toLowerCase() : '';
}
