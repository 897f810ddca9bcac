// The looptap web UI: a live, virtualised table of exchanges across connections, the filter bar,
// the detail of one exchange, the connections and the digest. State lives here; the pieces are
// in their own files. See docs/ui.md.

import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, FilterProblem, type Batch, type Query, type StoreStats } from './api.js';
import { RowWindow } from './window.js';
import { Table } from './table.js';
import { DetailPane } from './detail.js';
import { FilterBar } from './filter-bar.js';
import { Connections, DigestView } from './side.js';

const PAGE = 300;

function App() {
  const [query, setQuery] = useState<Query>({ filter: '', fp: '' });
  const [filterError, setFilterError] = useState<{ message: string; column: number }>();
  const win = useRef(new RowWindow()).current;
  const [, setTick] = useState(0);
  const redraw = (): void => setTick((n) => n + 1);
  const following = useRef(true);
  const [prepended, setPrepended] = useState({ n: 0, seq: 0 });
  const [selected, setSelected] = useState<number>();
  const [stats, setStats] = useState<StoreStats>();
  const [connVersion, setConnVersion] = useState(0);
  const [digestVersion, setDigestVersion] = useState(0);
  const [tab, setTab] = useState<'connections' | 'digest'>('connections');
  const [readOnly, setReadOnly] = useState(false);
  const busy = useRef(false);
  const olderCursor = useRef<number | undefined>(undefined);
  const [epoch, setEpoch] = useState(0);

  useEffect(() => {
    api.info().then(
      (i) => setReadOnly(i.readOnly),
      () => undefined,
    );
  }, []);

  // a new query (or "jump to latest"): the newest page, then the live stream
  useEffect(() => {
    let stream: EventSource | undefined;
    let dead = false;
    let lastDigest = 0;
    following.current = true;
    api.page(query, { limit: PAGE }).then(
      (page) => {
        if (dead) return;
        setFilterError(undefined);
        win.reset(page.items, page.more, page.gone, page.source === 'disk');
        olderCursor.current = page.items[0]?.id ?? page.cursor;
        setStats(page.stats);
        redraw();
        stream = api.stream(query);
        stream.addEventListener('batch', (ev) => {
          const b = JSON.parse((ev as MessageEvent<string>).data) as Batch;
          const drop = win.live(b.items, following.current);
          if (drop && olderCursor.current !== undefined) olderCursor.current = win.rows[0]?.id;
          setStats(b.stats);
          if (b.connections) setConnVersion((v) => v + 1);
          if (b.items.length && Date.now() - lastDigest > 2000) {
            lastDigest = Date.now();
            setDigestVersion((v) => v + 1);
          }
          redraw();
        });
      },
      (err: Error) => {
        if (err instanceof FilterProblem) {
          setFilterError({ message: err.message, column: err.column });
        } else setFilterError({ message: err.message, column: 1 });
      },
    );
    return () => {
      dead = true;
      stream?.close();
    };
  }, [query, epoch]);

  const onEdge = (edge: 'top' | 'bottom' | 'middle'): void => {
    if (edge !== 'bottom') {
      // scrolled up: stop following the tail (and stop pulling the view back down)
      if (following.current) {
        following.current = false;
        redraw();
      }
      if (edge === 'middle') return;
    }
    if (edge === 'bottom' && win.atTail) {
      if (!following.current) {
        following.current = true;
        win.unseen = 0;
        redraw();
      }
      return;
    }
    if (busy.current || (edge === 'top' && win.atHead)) return;
    busy.current = true;
    const at =
      edge === 'top'
        ? { before: olderCursor.current ?? win.rows[0]?.id, limit: PAGE }
        : { after: win.rows[win.rows.length - 1]?.id ?? 0, limit: PAGE };
    api
      .page(query, at)
      .then(
        (page) => {
          if (edge === 'top') {
            const n = win.older(page.items, page.more, page.gone, page.source === 'disk');
            olderCursor.current = page.more ? page.cursor : win.rows[0]?.id;
            setPrepended((p) => ({ n, seq: p.seq + 1 }));
            // a page that found nothing (a sparse filter over the file) goes on by itself: the
            // view did not move, so no scroll event would ask again
            if (n === 0 && page.more) setTimeout(() => onEdge('top'), 0);
          } else {
            win.newer(page.items, page.more);
            olderCursor.current = win.rows[0]?.id;
          }
          redraw();
        },
        () => undefined,
      )
      .finally(() => (busy.current = false));
  };

  const addTerm = (t: string): void => {
    const f = query.filter.trim();
    setQuery({ ...query, filter: f ? `${f} ${t}` : t });
  };

  return (
    <div class="app">
      <header>
        <b>looptap</b>
        {readOnly && <span class="chip">capture (read-only)</span>}
        <span class="meta" data-testid="stats">
          {stats
            ? `${stats.total} exchanges · ${stats.inMemory} in memory · ${stats.connections} connections`
            : ''}
        </span>
        {!following.current && (
          <button
            data-testid="latest"
            onClick={() => {
              setEpoch((e) => e + 1);
            }}
          >
            latest{win.unseen ? ` (${win.unseen} new)` : ''}
          </button>
        )}
      </header>
      <FilterBar
        value={query.filter}
        error={filterError}
        fp={query.fp}
        onApply={(filter) => setQuery({ ...query, filter })}
        onClearFp={() => setQuery({ ...query, fp: '' })}
      />
      <Notice win={win} stats={stats} />
      <main>
        <Table
          rows={win.rows}
          selected={selected}
          prepended={prepended}
          following={following.current}
          onSelect={setSelected}
          onTerm={addTerm}
          onEdge={onEdge}
        />
        {selected !== undefined ? (
          <DetailPane id={selected} onTerm={addTerm} />
        ) : (
          <div class="detail meta">click an exchange to see it whole</div>
        )}
      </main>
      <footer>
        <nav>
          <button class={tab === 'connections' ? 'on' : ''} onClick={() => setTab('connections')}>
            connections
          </button>
          <button class={tab === 'digest' ? 'on' : ''} onClick={() => setTab('digest')}>
            digest
          </button>
        </nav>
        <div class="side">
          {tab === 'connections' ? (
            <Connections version={connVersion} onTerm={addTerm} />
          ) : (
            <DigestView version={digestVersion} onFp={(fp) => setQuery({ ...query, fp })} />
          )}
        </div>
      </footer>
    </div>
  );
}

function Notice({ win, stats }: { win: RowWindow; stats?: StoreStats }) {
  if (win.gone && win.atHead) {
    return (
      <p class="notice" data-testid="notice">
        older exchanges are no longer in memory and no capture holds them: run with --capture FILE
        to page back through a whole session
      </p>
    );
  }
  if (stats && stats.evicted > 0 && stats.onDisk) {
    return (
      <p class="notice" data-testid="notice">
        {stats.evicted} older exchanges are only on disk (the capture file): scroll up to page them
        in{win.fromDisk ? ' · showing some read from disk' : ''}
      </p>
    );
  }
  return null;
}

render(<App />, document.getElementById('app')!);
