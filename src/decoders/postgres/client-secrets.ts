// The client's secrets in raw bytes, masked as their bytes arrive (before a message is complete):
// password messages, the CancelRequest key, the data of a SASLInitialResponse (not its mechanism
// name, which must stay readable for Wireshark), password literals in a Query/Parse still
// arriving, and in a statement longer than the kept window the literals beyond it (secret-scan).

import { CANCEL_REQUEST, F } from './codes.js';
import type { Frame, Framer } from './framing.js';
import { PgSecretScanner } from './secret-scan.js';

/** a SASL mechanism name longer than this is not one: mask the whole message */
const MAX_MECHANISM = 256;

export class ClientSecrets {
  /** password keyword scan of a Query/Parse still arriving */
  private scan = { start: -1, scanned: 0, tail: '', hit: false };
  /** scan of every byte of a statement longer than the kept window */
  private long: PgSecretScanner | null = null;
  /** SASLInitialResponse being read: its start, until its data is masked */
  private sasl = -1;

  constructor(
    private readonly framer: Framer,
    private readonly mask: (start: number, end: number) => void,
  ) {
    framer.onBytes = (bytes, offset) => {
      for (const m of this.long?.push('client', bytes, offset) ?? []) this.mask(m.start, m.end);
    };
  }

  /** a client frame header was read; `authCode` tells the kinds of 'p' apart */
  head(frame: Frame, authCode: number): void {
    this.long = null;
    if (frame.type === F.Password) {
      // SASLInitialResponse: mechanism\0 Int32 length, then the data; only the data is masked
      if (authCode === 10) this.sasl = frame.start;
      else this.mask(frame.bodyStart, frame.bodyStart + frame.len);
    } else if (frame.type === 0 && frame.code === CANCEL_REQUEST) {
      this.mask(frame.bodyStart + 4, frame.bodyStart + frame.len);
    } else if (frame.type === F.Query || frame.type === F.Parse) {
      this.scan = { start: frame.start, scanned: 0, tail: '', hit: false };
      if (frame.len > frame.keep) {
        frame.scan = true;
        this.long = new PgSecretScanner();
      }
    }
  }

  /** the frame now being read, after the bytes that came so far were framed */
  partial(): void {
    const cur = this.framer.current;
    if (!cur) return;
    if (cur.start === this.sasl) this.saslData(cur, this.framer.keptFrom(0));
    else if (cur.start === this.scan.start) this.keyword(cur);
  }

  /** a whole frame: a SASLInitialResponse that came in one piece */
  frame(frame: Frame, body: Buffer): void {
    if (frame.start === this.sasl) this.saslData(frame, body, true);
  }

  private saslData(frame: Frame, body: Buffer, whole = false): void {
    const nul = body.indexOf(0);
    if (nul !== -1 && body.length >= nul + 5) {
      this.mask(frame.bodyStart + nul + 5, frame.bodyStart + frame.len);
    } else if (!whole && body.length < MAX_MECHANISM + 5) {
      return; // only the mechanism (and length) so far: nothing secret has arrived
    } else this.mask(frame.bodyStart, frame.bodyStart + frame.len);
    this.sasl = -1;
  }

  /** a Query/Parse still arriving that mentions "password": mask the rest of it right away */
  private keyword(cur: Frame): void {
    const s = this.scan;
    if (s.hit) return;
    const kept = this.framer.keptLength;
    if (kept <= s.scanned) return;
    const text = s.tail + this.framer.keptFrom(s.scanned).toString('latin1').toLowerCase();
    const i = text.indexOf('password');
    if (i !== -1) {
      s.hit = true;
      this.mask(cur.bodyStart + s.scanned - s.tail.length + i, cur.bodyStart + cur.len);
    }
    s.tail = text.slice(-7);
    s.scanned = kept;
  }
}
