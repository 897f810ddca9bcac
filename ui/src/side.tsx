// The side panel: the connections table and the digest (fingerprints with calls, p50/p95/max
// and errors; N+1 findings). A click narrows the exchanges table to what is behind the row.

import { useEffect, useState } from 'preact/hooks';
import { api, type ConnectionRow, type StatsRow, type NPlusOneFinding } from './api.js';
import { bytes, duration } from './format.js';

export function Connections({ version, onTerm }: { version: number; onTerm: (t: string) => void }) {
  const [rows, setRows] = useState<ConnectionRow[]>([]);
  useEffect(() => {
    api.connections().then(
      (r) => setRows(r.items),
      () => undefined,
    );
  }, [version]);
  return (
    <table class="grid conns" data-testid="connections">
      <thead>
        <tr>
          <th>conn</th>
          <th>protocol</th>
          <th>client → target</th>
          <th>state</th>
          <th class="num">bytes c/s</th>
          <th class="num">duration</th>
          <th class="num">exch.</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((c) => (
          <tr key={c.conn} class="link" onClick={() => onTerm(`conn:${c.conn}`)}>
            <td>
              {c.route ? `${c.route}#` : '#'}
              {c.conn}
            </td>
            <td>{c.protocol ?? 'raw'}</td>
            <td>
              {c.client} → {c.target}
            </td>
            <td>{c.closed === undefined ? 'open' : `closed (${c.reason})`}</td>
            <td class="num">
              {bytes(c.bytes.client)} / {bytes(c.bytes.server)}
            </td>
            <td class="num">{duration((c.closed ?? Date.now()) - c.opened)}</td>
            <td class="num">{c.exchanges}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DigestView({ version, onFp }: { version: number; onFp: (fp: string) => void }) {
  const [rows, setRows] = useState<StatsRow[]>([]);
  const [findings, setFindings] = useState<NPlusOneFinding[]>([]);
  useEffect(() => {
    api.digest().then(
      (d) => {
        setRows(d.rows);
        setFindings(d.findings);
      },
      () => undefined,
    );
  }, [version]);
  return (
    <div data-testid="digest">
      {rows.length === 0 && <p class="meta">no fingerprints yet</p>}
      <table class="grid">
        <thead>
          <tr>
            <th>fingerprint</th>
            <th class="num">calls</th>
            <th class="num">p50</th>
            <th class="num">p95</th>
            <th class="num">max</th>
            <th class="num">errors</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.fingerprintId ?? r.fingerprint}
              class="link"
              onClick={() => r.fingerprintId && onFp(r.fingerprintId)}
            >
              <td class="req">{r.fingerprint}</td>
              <td class="num">{r.calls}</td>
              <td class="num">{duration(r.p50Ms)}</td>
              <td class="num">{duration(r.p95Ms)}</td>
              <td class="num">{duration(r.maxMs)}</td>
              <td class="num">{r.errors}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {findings.length > 0 && <h3>N+1</h3>}
      <ul>
        {findings.map((f) => (
          <li key={`${f.conn}-${f.firstId}`}>
            {f.count}× <code>{f.fingerprint}</code> on conn {f.conn} (#{f.firstId}–#{f.lastId})
          </li>
        ))}
      </ul>
    </div>
  );
}
