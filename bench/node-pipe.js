// The ceiling for any Node relay: a bare pipe with half-close, nothing else (research/performance.md).
import net from 'node:net';
const [listenPort, targetPort] = process.argv.slice(2).map(Number);
const server = net.createServer({ allowHalfOpen: true }, (client) => {
  const up = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
  client.setNoDelay(true);
  up.setNoDelay(true);
  client.pipe(up);
  up.pipe(client);
  client.on('error', () => up.destroy());
  up.on('error', () => client.destroy());
});
server.listen(listenPort, '127.0.0.1', () => {
  process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
