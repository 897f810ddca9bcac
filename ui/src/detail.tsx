// The detail pane of one exchange: the full request (SQL, parameters, command, headers, body),
// the answer (result rows as a table, error, reply, headers, JSON bodies pretty-printed), copy-as
// commands, the frames behind it and the hex of its first raw bytes.

import { useEffect, useState } from 'preact/hooks';
import { api, type Detail } from './api.js';
import { cell, clock, duration, hexdump, prettyBody, term, bytes } from './format.js';
import { CopyAs } from './copy.js';

export function DetailPane({ id, onTerm }: { id: number; onTerm: (t: string) => void }) {
  const [d, setD] = useState<Detail | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    setD(undefined);
    setError('');
    api.detail(id).then(setD, (e: Error) => setError(e.message));
  }, [id]);
  if (error) return <div class="detail">{error}</div>;
  if (!d) return <div class="detail">loading #{id}…</div>;
  const x = d.exchange;
  const req = x.request;
  const res = x.response;
  return (
    <div class="detail" data-testid="detail">
      <h2>
        #{x.id} {x.protocol} on conn {x.conn}
        {x.route ? ` (route ${x.route})` : ''}
      </h2>
      <p class="meta">
        {clock(x.start)} · {duration(x.latencyMs) || 'no answer'}
        {x.txn ? ` · txn ${x.txn}` : ''}
        {x.injected ? ` · injected by ${x.injected}` : ''}
      </p>
      {x.fingerprint && (
        <p class="meta">
          fingerprint <code>{x.fingerprint}</code>
        </p>
      )}
      <h3>request</h3>
      <pre class="sql" data-testid="request">
        {req.sql ?? (req.method ? `${req.method} ${req.url ?? ''}` : req.text)}
      </pre>
      {req.params && req.params.length > 0 && (
        <table class="grid" data-testid="params">
          <tbody>
            {req.params.map((v, i) => (
              <tr key={i}>
                <th>${i + 1}</th>
                <td>{cell(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {req.command && <pre>{req.command.join(' ')}</pre>}
      <Headers h={req.headers} />
      {req.body !== undefined && <pre class="body">{prettyBody(req.body, req.headers)}</pre>}
      <h3>answer</h3>
      {!res && <p>no answer (the connection ended first)</p>}
      {res && (
        <div>
          <pre data-testid="result">{res.text}</pre>
          {res.error && (
            <p class="err link" onClick={() => onTerm(term('error', res.error!.code))}>
              {res.error.code}: {res.error.message}
            </p>
          )}
          {res.columns && res.values && (
            <table class="grid" data-testid="result-rows">
              <thead>
                <tr>
                  {res.columns.map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {res.values.map((row, i) => (
                  <tr key={i}>
                    {row.map((v, j) => (
                      <td key={j}>{cell(v)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {res.rowsTruncated && <p class="meta">{res.rows} rows; the first ones are kept</p>}
          {res.reply !== undefined && <pre>{res.reply}</pre>}
          <Headers h={res.headers} />
          {res.body !== undefined && <pre class="body">{prettyBody(res.body, res.headers)}</pre>}
        </div>
      )}
      <CopyAs commands={d.copy} />
      <h3>frames</h3>
      {d.frames.length === 0 && <p class="meta">none kept for this exchange</p>}
      <ol class="frames">
        {d.frames.map((f, i) => (
          <li key={i}>
            <span class={f.from}>{f.from === 'client' ? '→' : '←'}</span> <b>{f.name}</b>{' '}
            {f.summary}
          </li>
        ))}
      </ol>
      {d.moreFrames > 0 && <p class="meta">and {d.moreFrames} more frames</p>}
      <h3>bytes</h3>
      {(['client', 'server'] as const).map((side) => (
        <div key={side}>
          <p class="meta">
            {side}: {bytes(d.totalBytes[side])}
            {d.totalBytes[side] > atob(d.hex[side]).length ? ' (the first ones shown)' : ''}
          </p>
          <pre class="hex">{hexdump(d.hex[side])}</pre>
        </div>
      ))}
    </div>
  );
}

function Headers({ h }: { h?: Record<string, string | string[]> }) {
  if (!h || Object.keys(h).length === 0) return null;
  return (
    <table class="grid headers">
      <tbody>
        {Object.entries(h).map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{Array.isArray(v) ? v.join(', ') : v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
