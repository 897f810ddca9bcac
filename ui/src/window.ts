// The page's bounded window of table rows: at most MAX rows, ascending by id. Following the
// tail, new rows push old ones out; scrolled back, rows are paged in from the server (older
// above, newer below) and the far end is dropped. The page never holds more than MAX rows
// whatever the session's size: that, and a virtualised table, keep its memory flat.

import type { Row } from './api.js';

export const MAX = 3000;

export class RowWindow {
  rows: Row[] = [];
  /** the newest row the server has is in the window */
  atTail = true;
  /** no older rows exist (in memory or on disk) for this query */
  atHead = false;
  /** older ones were dropped by the server and no capture holds them */
  gone = false;
  /** the last older page came from the capture file */
  fromDisk = false;
  /** rows that arrived while the user looked elsewhere */
  unseen = 0;

  reset(rows: Row[], more: boolean, gone: boolean, fromDisk: boolean): void {
    this.rows = rows.slice(-MAX);
    this.atTail = true;
    this.atHead = !more;
    this.gone = gone;
    this.fromDisk = fromDisk;
    this.unseen = 0;
  }

  /** live rows; only kept while following the tail. Returns how many left at the top. */
  live(items: Row[], following: boolean): number {
    if (!this.atTail || !following) {
      this.unseen += items.length;
      if (this.atTail) this.atTail = false;
      return 0;
    }
    const last = this.rows[this.rows.length - 1]?.id ?? -1;
    const fresh = items.filter((r) => r.id > last);
    if (fresh.length === 0) return 0;
    const all = this.rows.concat(fresh);
    const drop = Math.max(0, all.length - MAX);
    this.rows = drop ? all.slice(drop) : all;
    if (drop) this.atHead = false;
    return drop;
  }

  /** an older page above; returns how many rows were added at the top */
  older(items: Row[], more: boolean, gone: boolean, fromDisk: boolean): number {
    const first = this.rows[0]?.id ?? Infinity;
    const add = items.filter((r) => r.id < first);
    this.rows = add.concat(this.rows);
    if (this.rows.length > MAX) {
      this.rows = this.rows.slice(0, MAX);
      this.atTail = false;
    }
    this.atHead = !more;
    this.gone = gone;
    this.fromDisk = this.fromDisk || fromDisk;
    return add.length;
  }

  /** a newer page below; returns how many rows left at the top */
  newer(items: Row[], more: boolean): number {
    const last = this.rows[this.rows.length - 1]?.id ?? -1;
    const all = this.rows.concat(items.filter((r) => r.id > last));
    const drop = Math.max(0, all.length - MAX);
    this.rows = drop ? all.slice(drop) : all;
    if (drop) this.atHead = false;
    this.atTail = !more;
    if (this.atTail) this.unseen = 0;
    return drop;
  }
}
