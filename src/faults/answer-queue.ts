// Keeps injected answers in the order the client expects them. The server answers forwarded
// requests in order; a request looptap answers itself sits between them. So the queue holds
// "N more server answers" and "looptap's answer" entries; when the server's answers before an
// injected one are through, the injected one goes out right after them.

export type Release = (reply: Buffer, injected: string) => void;

type Entry = { n: number } | { reply: Buffer; injected: string };

export class AnswerQueue {
  private q: Entry[] = [];
  private counting = true;

  constructor(private readonly release: Release) {}

  /** injected answers are waiting for server answers */
  get waiting(): boolean {
    return this.q.some((e) => 'reply' in e);
  }

  /** a forwarded request the server will answer `n` times */
  forwarded(n: number): void {
    if (n <= 0 || !this.counting) return;
    const tail = this.q[this.q.length - 1];
    if (tail && 'n' in tail) tail.n += n;
    else this.q.push({ n });
  }

  /** looptap answers a request itself: now, or after the answers still due before it */
  inject(reply: Buffer, injected: string): void {
    if (this.q.length === 0) this.release(reply, injected);
    else this.q.push({ reply, injected });
  }

  /** the server completed one answer */
  answered(): void {
    const head = this.q[0];
    if (head && 'n' in head) {
      head.n--;
      if (head.n <= 0) this.q.shift();
    }
    this.flush();
  }

  /** answers can no longer be counted: what waits goes out now, and nothing waits from here */
  stopCounting(): void {
    if (!this.counting) return;
    this.counting = false;
    this.q = this.q.filter((e) => 'reply' in e);
    this.flush();
  }

  private flush(): void {
    while (this.q.length > 0 && 'reply' in this.q[0]!) {
      const e = this.q.shift() as { reply: Buffer; injected: string };
      this.release(e.reply, e.injected);
    }
  }
}
