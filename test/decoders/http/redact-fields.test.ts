// Issue 9: redaction of what people really send, in the TCP-mode HTTP decoder. Secret query
// values, X-Api-Key-like headers, form fields and JSON fields at any depth (chunked or not,
// split anywhere) never appear in a message or in the masked raw streams, in plain, base64 or
// hex; names and the rest stay readable; --redact-header/--redact-field add names; with
// redaction off everything is visible (so the test can fail).

import t from 'tap';
import { http } from '../../../src/decoders/http/index.js';
import type { Decoded } from '../../../src/decoders/decoder.js';
import type { From } from '../../../src/events.js';
import {
  applyMasks,
  feed,
  oneByte,
  prng,
  randomSplits,
  secretForms,
  splitAt,
  type Splitter,
  type Step,
} from '../../helpers/feed.js';

const C = {
  query: 'CANARYquery7d1e',
  fragment: 'CANARYfrag0b2c',
  apiKey: 'CANARYapikey91fa',
  csrf: 'CANARYcsrf3a3a',
  form: 'CANARYform+pass%21',
  json: 'CANARYjsonpw55e1',
  nested: 'CANARYnested2222',
  pin: '93817260',
  token: 'CANARYaccess8c8c',
  refresh: 'CANARYrefresh4b4b',
  referer: 'CANARYreferer6e6e',
  custom: 'CANARYcustom0f0f',
  customField: 'CANARYfield1d1d',
};

const CRLF = '\r\n';
const head = (...lines: string[]) => lines.join(CRLF) + CRLF + CRLF;
function chunked(body: string, sizes: number[]): string {
  let out = '';
  let i = 0;
  for (const n of sizes) {
    const part = body.slice(i, i + n);
    if (!part) break;
    out += `${part.length.toString(16)}${CRLF}${part}${CRLF}`;
    i += n;
  }
  if (i < body.length) out += `${(body.length - i).toString(16)}${CRLF}${body.slice(i)}${CRLF}`;
  return out + `0${CRLF}${CRLF}`;
}

const form = `user=ann&password=${C.form}&remember=1`;
const json = JSON.stringify({
  user: 'ann',
  password: C.json,
  profile: { settings: { api_key: C.nested, theme: 'dark' }, pin: Number(C.pin) },
  list: [1, 2, { note: 'visible' }],
});
const tokenJson = JSON.stringify({
  access_token: C.token,
  token_type: 'bearer',
  refresh_token: C.refresh,
  credentials: { a: [C.custom.slice(0, 4) + 'x'] },
});
const custom = JSON.stringify({ myCode: C.customField, other: 'seen' });

const steps: Step[] = [
  [
    'client',
    head(
      `GET /search?q=shoes&token=${C.query}&page=2 HTTP/1.1`,
      'Host: localhost',
      `X-Api-Key: ${C.apiKey}`,
      `Referer: http://localhost/cb?x=1&access_token=${C.referer}`,
    ),
  ],
  ['server', head('HTTP/1.1 204 No Content')],
  [
    'client',
    head(
      'POST /login HTTP/1.1',
      'Host: localhost',
      'Content-Type: application/x-www-form-urlencoded',
      `X-CSRF-Token: ${C.csrf}`,
      `Content-Length: ${form.length}`,
    ) + form,
  ],
  ['server', head('HTTP/1.1 204 No Content')],
  [
    'client',
    head(
      'POST /api/users HTTP/1.1',
      'Host: localhost',
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
    ) + chunked(json, [7, 13, 5, 30]),
  ],
  [
    'server',
    head(
      'HTTP/1.1 200 OK',
      'Content-Type: application/json',
      `Location: /next#access_token=${C.fragment}&state=s1`,
      `Content-Length: ${tokenJson.length}`,
    ) + tokenJson,
  ],
  [
    'client',
    head(
      'PUT /custom HTTP/1.1',
      'Host: localhost',
      `X-My-Custom: ${C.custom}`,
      'Content-Type: application/json',
      `Content-Length: ${custom.length}`,
    ) + custom,
  ],
  ['server', head('HTTP/1.1 204 No Content')],
].map(([from, text], i) => ({ from: from as From, t: 1000 + i, bytes: Buffer.from(text!) }));

const extra = { redactHeaders: ['X-My-Custom'], redactFields: ['myCode'] };
const canaries = Object.values(C).filter((c) => c !== C.custom.slice(0, 4) + 'x');
const forms = canaries.flatMap((c) => [...secretForms(c), ...secretForms(encodeURI(c))]);

function bodyText(m: Decoded): string {
  return Buffer.from(typeof m.fields.body === 'string' ? m.fields.body : '', 'base64').toString(
    'latin1',
  );
}

function everything(messages: Decoded[], streams: Record<From, Buffer>): string {
  const raw = [streams.client, streams.server].map(
    (b) => `${b.toString('latin1')}\n${b.toString('base64')}\n${b.toString('hex')}`,
  );
  return [JSON.stringify(messages), ...messages.map(bodyText), ...raw].join('\n');
}

t.test('no secret value survives, however the bytes are split', (t) => {
  const splitters: Array<[string, Splitter | undefined]> = [
    ['as captured', undefined],
    ['one byte', oneByte],
    ...Array.from({ length: 120 }, (_, i): [string, Splitter] => [`at ${i + 1}`, splitAt(i + 1)]),
    ...Array.from({ length: 20 }, (_, i): [string, Splitter] => [
      `seed ${i}`,
      randomSplits(prng(i + 7), 9),
    ]),
  ];
  let bad = 0;
  for (const [label, split] of splitters) {
    const r = feed(http, steps, split, extra);
    const text = everything(r.messages, applyMasks(steps, r.masks));
    const found = forms.filter((f) => text.includes(f));
    if (found.length > 0 || r.messages.length !== 8 || r.fallback) {
      bad++;
      t.fail(
        `${label}: ${r.messages.length} messages, fallback ${r.fallback}, leaked ${found.join(', ')}`,
      );
    }
  }
  t.equal(bad, 0, `${splitters.length} chunkings, no leak`);
  t.end();
});

t.test('only values are masked: names and the rest stay readable', (t) => {
  const r = feed(http, steps, undefined, extra);
  const [get, , login, , post, tok, put] = r.messages;
  t.equal(get!.fields.url, '/search?q=shoes&token=[redacted]&page=2');
  t.match(get!.fields.headers, {
    'x-api-key': '[redacted]',
    referer: 'http://localhost/cb?x=1&access_token=[redacted]',
    host: 'localhost',
  });
  t.match(login!.fields.headers, { 'x-csrf-token': '[redacted]' });
  t.match(bodyText(login!), /^user=ann&password=\*+&remember=1$/);
  t.ok(bodyText(post!).includes('"pin":********}'), 'a numeric secret is masked in place');
  const posted = JSON.parse(bodyText(post!).replace(':********}', ':0}')) as Record<
    string,
    unknown
  >;
  t.match(posted, {
    user: 'ann',
    password: /^\*+$/,
    profile: { settings: { api_key: /^\*+$/, theme: 'dark' } },
    list: [1, 2, { note: 'visible' }],
  });
  t.ok(Number(post!.fields.bodyRedacted) > 0, 'the message says how many body bytes were masked');
  t.match(JSON.parse(bodyText(tok!)), {
    access_token: /^\*+$/,
    token_type: 'bearer',
    refresh_token: /^\*+$/,
    credentials: { a: [/^\*+$/] },
  });
  t.equal(
    (tok!.fields.headers as Record<string, string>).location,
    '/next#access_token=[redacted]&state=s1',
  );
  t.match(put!.fields.headers, { 'x-my-custom': '[redacted]' });
  t.match(JSON.parse(bodyText(put!)), { myCode: /^\*+$/, other: 'seen' });
  const streams = applyMasks(steps, r.masks);
  t.match(streams.client.toString('latin1'), /GET \/search\?q=shoes&token=\*+&page=2 HTTP\/1\.1/);
  t.match(streams.client.toString('latin1'), /X-Api-Key: ?\*+\r\n/);
  t.end();
});

t.test(
  'without --redact-header/--redact-field the custom names pass; --no-redact keeps all',
  (t) => {
    const plain = feed(http, steps);
    const text = everything(plain.messages, applyMasks(steps, plain.masks));
    t.ok(text.includes(C.custom), 'X-My-Custom is not a default secret header');
    t.ok(text.includes(C.customField), 'myCode is not a default secret field');
    t.notOk(text.includes(C.json), 'the defaults still mask the password');
    const open = feed(http, steps, undefined, { redact: false });
    const all = everything(open.messages, applyMasks(steps, open.masks));
    t.equal(open.masks.length, 0, 'no masks');
    for (const c of [C.query, C.apiKey, C.json, C.nested, C.token, C.referer, C.fragment])
      t.ok(all.includes(c), `${c} visible with redaction off`);
    t.end();
  },
);
