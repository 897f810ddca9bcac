// The toxics of one proxy (route), in the order they were added, shared by all its connections.
// Connections read it on every chunk and hear about changes (a timeout toxic arms its timer on
// idle connections too). `count` is kept here, across connections: "the first N matches" of a
// proxy, whichever connection they come on.

import { checkToxic, toxicJson, type ToxicJson, type ToxicSpec } from './toxics.js';
import { toxicExists, toxicNotFound } from './api-error.js';

/** one toxic in a set: its spec and how often it has fired */
export interface LiveToxic {
  spec: ToxicSpec;
  /** matches so far (protocol toxics with count) */
  fired: number;
  /** bumped on update, so connections re-roll toxicity and re-read attributes */
  version: number;
}

export class ToxicSet {
  private list: LiveToxic[] = [];
  private listeners = new Set<() => void>();

  get all(): readonly LiveToxic[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  json(): ToxicJson[] {
    return this.list.map((t) => toxicJson(t.spec));
  }

  get(name: string): LiveToxic | undefined {
    return this.list.find((t) => t.spec.name === name);
  }

  /** checks then adds; throws ApiError (400 bad, 409 name taken) and changes nothing then */
  add(body: unknown): ToxicSpec {
    const spec = checkToxic(body);
    if (this.get(spec.name)) throw toxicExists();
    this.list = [...this.list, { spec, fired: 0, version: 0 }];
    this.changed();
    return spec;
  }

  /** new attributes and toxicity for an existing toxic (Toxiproxy's POST/PATCH .../toxics/NAME) */
  update(name: string, body: unknown): ToxicSpec {
    const cur = this.get(name);
    if (!cur) throw toxicNotFound();
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const spec = checkToxic(
      { attributes: b.attributes ?? {}, toxicity: b.toxicity },
      { ...toxicJson(cur.spec) },
    );
    this.list = this.list.map((t) =>
      t === cur ? { spec, fired: cur.fired, version: cur.version + 1 } : t,
    );
    this.changed();
    return spec;
  }

  remove(name: string): void {
    const cur = this.get(name);
    if (!cur) throw toxicNotFound();
    this.list = this.list.filter((t) => t !== cur);
    this.changed();
  }

  clear(): void {
    if (this.list.length === 0) return;
    this.list = [];
    this.changed();
  }

  /** claims one firing of a count-limited toxic; false once its count is used up */
  claim(t: LiveToxic): boolean {
    const count = Number(t.spec.attributes.count ?? 0);
    if (count > 0 && t.fired >= count) return false;
    t.fired++;
    return true;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}
