// export --filter (docs/filter.md): only the connections with a matching exchange go into the
// export; selecting none is exit 2 and writes nothing. Needs `npm run build`.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, runLooptap } from '../helpers/net.js';
import { closeEvent, ex, openEvent, writeCapture } from '../helpers/exchanges.js';
import type { CaptureEvent, DataEvent } from '../../src/events.js';

t.before(assertBuilt);
const dir = mkdtempSync(join(tmpdir(), 'looptap-exportf-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const data = (conn: number, from: 'client' | 'server', text: string, offset = 0): DataEvent => {
  const bytes = Buffer.from(text);
  return {
    type: 'data',
    time: 1_700_000_000_000,
    level: 30,
    msg: 'data',
    conn,
    from,
    seq: 0,
    offset,
    len: bytes.length,
    bytes,
  };
};

t.test('pcap of the matching connections only', async (t) => {
  const events: CaptureEvent[] = [];
  for (const [conn, path] of [
    [1, '/alpha-path'],
    [2, '/beta-path'],
  ] as const) {
    const req = `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const res = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    events.push(
      openEvent(conn),
      data(conn, 'client', req),
      data(conn, 'server', res),
      ex({
        conn,
        protocol: 'http',
        latencyMs: 1,
        request: { text: `GET ${path}`, method: 'GET', url: path },
        response: { text: '200 OK', status: 200 },
      }),
      closeEvent(conn),
    );
  }
  const file = join(dir, 'two.jsonl');
  writeCapture(file, events);
  const out = join(dir, 'beta.pcap');
  const r = await runLooptap([
    'export',
    file,
    '--format',
    'pcap',
    '--out',
    out,
    '--filter',
    'url~beta',
  ]);
  t.equal(r.code, 0, r.stderr);
  const pcap = readFileSync(out);
  t.ok(pcap.includes('GET /beta-path'), 'the matching connection is there');
  t.notOk(pcap.includes('GET /alpha-path'), 'the other is not');

  const none = join(dir, 'none.pcap');
  const n = await runLooptap([
    'export',
    file,
    '--format',
    'pcap',
    '--out',
    none,
    '--filter',
    'status:5xx',
  ]);
  t.equal(n.code, 2);
  t.match(n.stderr, /^looptap: --filter "status:5xx" selected none of the 2 exchanges/);
  t.notOk(existsSync(none), 'nothing written');
  const bad = await runLooptap([
    'export',
    file,
    '--format',
    'pcap',
    '--out',
    none,
    '--filter',
    'url~(',
  ]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^looptap: bad --filter at column 5/);
});
