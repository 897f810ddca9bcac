// A target that never completes the TCP handshake (a SYN black hole): the client must not hang;
// after --connect-timeout it is closed, an `error` event says CONNECT_TIMEOUT and names the
// target, and the connection's close reason is connect_timeout (reliability.md A12).
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { startRelay, MemorySink } from '../../src/index.js';

const script = fileURLToPath(new URL('../fixtures/scripts/syn-blackhole.py', import.meta.url));

async function blackhole(t: Test): Promise<number> {
  const child = spawn('python3', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const rl = createInterface({ input: child.stdout });
  const line = await new Promise<string>((resolve) => rl.once('line', resolve));
  return Number(line);
}

t.test('a target that never answers the handshake times out', async (t) => {
  const port = await blackhole(t);
  // the black hole really swallows connects (else this test proves nothing)
  const probe = net.connect(port, '127.0.0.1');
  probe.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 400));
  t.ok(probe.connecting, 'a direct connect is still pending after 400 ms');
  probe.destroy();

  const mem = new MemorySink();
  const relay = await startRelay({ target: String(port), connectTimeoutMs: 300, sinks: [mem] });
  t.teardown(() => relay.close(0));
  const started = Date.now();
  const client = net.connect(relay.port, '127.0.0.1');
  client.on('error', () => undefined);
  client.write('hello?');
  await new Promise((r) => client.once('close', r));
  const ms = Date.now() - started;
  t.ok(ms >= 250 && ms < 3000, `client closed after the timeout (${ms} ms)`);
  const err = (await mem.waitFor((e) => e.type === 'error')) as { code: string; message: string };
  t.equal(err.code, 'CONNECT_TIMEOUT');
  t.match(err.message, `127.0.0.1:${port}`, 'the error names the target');
  const close = (await mem.waitFor((e) => e.type === 'close')) as { reason: string };
  t.equal(close.reason, 'connect_timeout');
});
