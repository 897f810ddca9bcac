// Collects one command's arguments as they are framed (RESP multibulk or an inline line):
// display text capped by the message budget, secrets replaced, and the first words in lower
// case for the session's bookkeeping (HELLO 3, CLIENT REPLY OFF, SUBSCRIBE a b).

import { isPlainText, showBytes } from './format.js';
import { REDACTED } from '../summary-text.js';
import { SECRET_COMMANDS, type SecretKind, SecretTracker, wordOf } from './secrets.js';

/** arguments shown per command; the rest are counted */
const MAX_ARGS = 1024;

export interface ParsedCommand {
  /** display form of each argument (capped, binary escaped, secrets "[redacted]") */
  args: string[];
  /** which of `args` are binary, shown as \xHH escapes: quoting must not escape them again */
  binary?: Set<number>;
  /** the real argument count */
  argc: number;
  /** the first three arguments in lower case ('' when long) */
  lower: string[];
  truncated: boolean;
  /** epoch ms of the command's first byte */
  time: number;
  /** the arguments' exact bytes (secrets: empty), only when asked for (replay) */
  raw?: Buffer[];
}

export class CommandBuilder {
  private args: string[] = [];
  private binary: Set<number> | undefined;
  private lower: string[] = [];
  private argc = 0;
  private truncated = false;
  private budget: number;
  private tracker: SecretTracker;
  private raw: Buffer[] | undefined;

  constructor(
    total: number | undefined,
    maxValue: number,
    private readonly redact: boolean,
    private readonly time: number,
    keepRaw = false,
  ) {
    this.budget = maxValue;
    this.tracker = new SecretTracker(total);
    if (keepRaw) this.raw = [];
  }

  /** is the next argument a secret? */
  classify(): SecretKind {
    return this.redact ? this.tracker.classify(this.argc) : 'no';
  }

  /** bytes the message may still keep */
  get room(): number {
    return this.argc >= MAX_ARGS ? 0 : this.budget;
  }

  /** how many bytes of an argument of `size` bytes to keep */
  keepable(size: number): number {
    const k = this.argc >= MAX_ARGS ? 0 : Math.max(0, Math.min(size, this.budget));
    this.budget -= k;
    return k;
  }

  add(kept: Buffer, size: number, secret: boolean): void {
    const i = this.argc++;
    // keywords matter for the first words, and all along for commands that can carry secrets
    const word =
      secret || (i >= 3 && !SECRET_COMMANDS.has(this.lower[0]!)) ? '' : wordOf(kept, size);
    this.tracker.see(i, word);
    this.raw?.push(Buffer.from(kept));
    if (i < 3) this.lower.push(word);
    if (i >= MAX_ARGS) {
      this.truncated = true;
      return;
    }
    if (secret) this.args.push(REDACTED);
    else {
      const plain = isPlainText(kept);
      if (!plain) (this.binary ??= new Set()).add(i);
      this.args.push(showBytes(kept, size, plain));
      if (kept.length < size) this.truncated = true;
    }
  }

  build(): ParsedCommand {
    const cmd: ParsedCommand = {
      args: this.args,
      argc: this.argc,
      lower: this.lower,
      truncated: this.truncated,
      time: this.time,
    };
    if (this.binary) cmd.binary = this.binary;
    if (this.raw) cmd.raw = this.raw;
    return cmd;
  }
}
