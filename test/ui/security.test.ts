// The UI's doors, each refusal tried for real over loopback: no token, wrong token (query,
// cookie, bearer), a foreign Host (DNS rebinding), a foreign Origin or a cross-site fetch on the
// API and live stream, proxy headers, a request forwarded to the UI through looptap's own TCP
// relay and HTTP proxy (the mitmweb SSRF), and a --ui address that is one of looptap's targets.

import t from 'tap';
import { Hub } from '../../src/capture/hub.js';
import { startUi } from '../../src/ui/server.js';
import { startRelay } from '../../src/relay/tcp-relay.js';
import { startHttpProxy } from '../../src/http/http-proxy-server.js';
import { runLooptap } from '../helpers/net.js';
import { get } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuv';

t.test('token, cookie, Host, Origin and the security headers', async (t) => {
  const ui = await startUi({ hub: new Hub(), token: TOKEN });
  t.teardown(() => ui.close());
  const p = ui.port;
  t.match(ui.url, new RegExp(`^http://127\\.0\\.0\\.1:${p}/\\?token=${TOKEN}$`));

  const none = await get(p, '/');
  t.equal(none.status, 401, 'no token');
  t.match(none.body, /no token/);
  t.equal((await get(p, '/api/exchanges')).status, 401, 'no token on the API');
  t.equal((await get(p, '/api/stream')).status, 401, 'no token on the live stream');
  t.equal((await get(p, '/?token=nope')).status, 401, 'wrong token in the query');
  t.equal((await get(p, `/?token=${TOKEN}x`)).status, 401, 'a longer token');
  t.equal(
    (await get(p, '/', { Cookie: `looptap_ui_${p}=wrong` })).status,
    401,
    'wrong token in the cookie',
  );
  t.equal(
    (await get(p, '/api/info', { Authorization: 'Bearer wrong' })).status,
    401,
    'wrong bearer token',
  );

  const first = await get(p, `/?token=${TOKEN}`);
  t.equal(first.status, 303, 'the token moves to a cookie');
  t.equal(first.headers['location'], '/', 'and leaves the address bar');
  const cookie = String(first.headers['set-cookie']);
  t.match(cookie, `looptap_ui_${p}=${TOKEN}`);
  t.match(cookie, /HttpOnly/);
  t.match(cookie, /SameSite=Strict/);

  const page = await get(p, '/', { Cookie: `looptap_ui_${p}=${TOKEN}` });
  t.equal(page.status, 200);
  t.match(page.body, /<script type="module" src="\/app.js"><\/script>/);
  t.notMatch(page.body, /<script>(?!<)/, 'no inline script');
  const csp = String(page.headers['content-security-policy']);
  t.match(csp, "script-src 'self'");
  t.match(csp, "default-src 'none'");
  t.match(csp, "frame-ancestors 'none'");
  t.notMatch(csp, 'unsafe-inline');
  t.equal(page.headers['x-frame-options'], 'DENY');
  t.equal(page.headers['x-content-type-options'], 'nosniff');

  const auth = { Cookie: `looptap_ui_${p}=${TOKEN}` };
  for (const host of ['evil.example', `evil.example:${p}`, `127.0.0.1:${p + 1}`, `localhost`]) {
    const r = await get(p, '/', { ...auth, Host: host });
    t.equal(r.status, 421, `Host ${host} refused`);
  }
  t.equal((await get(p, '/', { ...auth, Host: `localhost:${p}` })).status, 200, 'localhost ok');
  t.equal(
    (await get(p, `/?token=${TOKEN}`, { Host: `rebind.example:${p}` })).status,
    421,
    'a foreign Host is refused even with the token',
  );

  const stream = await get(p, '/api/stream', { ...auth, Origin: `http://127.0.0.1:${p}` });
  t.equal(stream.status, 200, 'same-origin live stream');
  t.match(stream.body, /^event: hello/);
  for (const origin of ['http://evil.example', `http://127.0.0.1:${p + 1}`, 'null']) {
    const r = await get(p, '/api/stream', { ...auth, Origin: origin });
    t.equal(r.status, 403, `Origin ${origin} refused on the live stream`);
  }
  t.equal(
    (await get(p, '/api/exchanges', { ...auth, 'Sec-Fetch-Site': 'cross-site' })).status,
    403,
    'a cross-site fetch of the API',
  );
  t.equal(
    (await get(p, '/api/info', { ...auth, 'X-Forwarded-For': '10.0.0.1' })).status,
    403,
    'proxy headers',
  );
  const post = await get(p, '/api/info', auth, 'POST');
  t.equal(post.status, 405, 'nothing but GET');
});

t.test('through looptap: a TCP route and an HTTP proxy whose target is the UI', async (t) => {
  const hub = new Hub();
  const ui = await startUi({ hub, token: TOKEN });
  t.teardown(() => ui.close());
  const relay = await startRelay({ target: `127.0.0.1:${ui.port}`, hub });
  t.teardown(() => relay.close(0));
  const auth = { Cookie: `looptap_ui_${ui.port}=${TOKEN}` };
  // the client forges the UI's own Host and holds the token: the kernel still says where it came from
  const viaTcp = await get(relay.port, `/?token=${TOKEN}`, { Host: `127.0.0.1:${ui.port}` });
  t.equal(viaTcp.status, 403, 'TCP relay into the UI');
  t.match(viaTcp.body, /came through looptap itself/);
  const viaTcpApi = await get(relay.port, '/api/exchanges', auth);
  t.equal(viaTcpApi.status, 403, 'the API through the relay');

  const proxy = await startHttpProxy({ target: `127.0.0.1:${ui.port}`, hub, hostRewrite: true });
  t.teardown(() => proxy.close(0));
  const viaHttp = await get(proxy.port, `/?token=${TOKEN}`);
  t.equal(viaHttp.status, 403, 'HTTP proxy (Host rewritten to the UI) into the UI');
  const viaHttpStream = await get(proxy.port, '/api/stream', auth);
  t.equal(viaHttpStream.status, 403, 'the live stream through the HTTP proxy');

  const direct = await get(ui.port, '/api/info', auth);
  t.equal(direct.status, 200, 'the UI itself still answers directly');
});

t.test('a --ui address that is a route target is refused at start (exit 2)', async (t) => {
  const r = await runLooptap(['--route', '0=127.0.0.1:47999', '--ui', '127.0.0.1:47999']);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /--ui 127\.0\.0\.1:47999 is also a target of this looptap/);
  const remote = await runLooptap(['--target', '5432', '--ui', '0.0.0.0:0']);
  t.equal(remote.code, 2, 'not loopback without --allow-remote');
  t.match(remote.stderr, /listen/);
});
