// The exchanges table, virtualised: only the rows in view (plus a margin) are in the DOM, so a
// window of thousands of rows costs a few dozen elements. Scrolling near the top asks for older
// rows, near the bottom for newer ones; at the very bottom the table follows the tail.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Row } from './api.js';
import { clock, duration, term } from './format.js';

export const ROW_HEIGHT = 24;
const MARGIN = 12;

export interface TableProps {
  rows: Row[];
  selected?: number;
  /** bumps when rows were added at the top (keep the view where it was) */
  prepended: { n: number; seq: number };
  /** bumps when rows left the top while following */
  following: boolean;
  onSelect: (id: number) => void;
  onTerm: (t: string) => void;
  onEdge: (edge: 'top' | 'bottom' | 'middle') => void;
}

export function Table(p: TableProps) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);

  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = box.current!;
    if (p.prepended.n > 0) el.scrollTop += p.prepended.n * ROW_HEIGHT;
  }, [p.prepended.seq]);

  useLayoutEffect(() => {
    const el = box.current!;
    if (p.following) el.scrollTop = el.scrollHeight;
  });

  const onScroll = (): void => {
    const el = box.current!;
    setTop(el.scrollTop);
    const bottom = el.scrollHeight - el.clientHeight - el.scrollTop;
    if (el.scrollTop < ROW_HEIGHT * 20) p.onEdge('top');
    else if (bottom <= ROW_HEIGHT) p.onEdge('bottom');
    else p.onEdge('middle');
  };

  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - MARGIN);
  const last = Math.min(p.rows.length, Math.ceil((top + height) / ROW_HEIGHT) + MARGIN);
  const view = p.rows.slice(first, last);
  return (
    <div class="table">
      <div class="row head">
        <span>time</span>
        <span>conn</span>
        <span>protocol</span>
        <span>request</span>
        <span>result</span>
        <span class="num">latency</span>
        <span class="num">rows</span>
      </div>
      <div
        class="rows"
        ref={box}
        onScroll={onScroll}
        data-testid="rows"
        data-first={p.rows[0]?.id}
        data-count={p.rows.length}
      >
        <div class="spacer" style={{ height: `${p.rows.length * ROW_HEIGHT}px` }}>
          <div class="slice" style={{ transform: `translateY(${first * ROW_HEIGHT}px)` }}>
            {view.map((r) => (
              <RowView
                key={r.id}
                r={r}
                selected={r.id === p.selected}
                onSelect={p.onSelect}
                onTerm={p.onTerm}
              />
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}

interface RowProps {
  r: Row;
  selected: boolean;
  onSelect: (id: number) => void;
  onTerm: (t: string) => void;
}

function RowView({ r, selected, onSelect, onTerm }: RowProps) {
  const add =
    (t: string) =>
    (e: MouseEvent): void => {
      e.stopPropagation();
      onTerm(t);
    };
  const bad = r.error !== undefined || (r.status ?? 0) >= 500 || r.incomplete;
  return (
    <div
      class={`row x${selected ? ' selected' : ''}${bad ? ' bad' : ''}`}
      data-id={r.id}
      onClick={() => onSelect(r.id)}
    >
      <span>{clock(r.start)}</span>
      <span class="link" title="filter by this connection" onClick={add(`conn:${r.conn}`)}>
        {r.route ? `${r.route}#${r.conn}` : `#${r.conn}`}
      </span>
      <span class="link" title="filter by protocol" onClick={add(term('protocol', r.protocol))}>
        {r.protocol}
      </span>
      <span class="req" title={r.request}>
        {r.request}
      </span>
      <span
        class={r.error ? 'link err' : ''}
        onClick={r.error ? add(term('error', r.error)) : undefined}
        title={r.result}
      >
        {r.result}
      </span>
      <span class="num">{duration(r.latencyMs)}</span>
      <span class="num">{r.rows ?? ''}</span>
    </div>
  );
}
