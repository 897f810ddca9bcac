// The ceiling for any Node relay: a bare pipe with half-close, nothing else (research/performance.md).
// With a third argument FILE, the obvious way to keep a capture: the same pipe, every byte of
// both directions appended to FILE as it passes (an fs.WriteStream, no framing, no encoding),
// each side paused while the file is behind, so it runs at the disk's pace and no faster.
import net from 'node:net';
import fs from 'node:fs';
const [listenPort, targetPort] = process.argv.slice(2, 4).map(Number);
const file = process.argv[4] ? fs.createWriteStream(process.argv[4]) : undefined;
function copy(from, to) {
  if (!file) return void from.pipe(to);
  from.on('data', (chunk) => {
    const peer = to.write(chunk);
    const disk = file.write(chunk);
    if (!peer || !disk) {
      from.pause();
      let waiting = (peer ? 0 : 1) + (disk ? 0 : 1);
      const go = () => --waiting === 0 && from.resume();
      if (!peer) to.once('drain', go);
      if (!disk) file.once('drain', go);
    }
  });
  from.on('end', () => to.end());
}
const server = net.createServer({ allowHalfOpen: true }, (client) => {
  const up = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
  client.setNoDelay(true);
  up.setNoDelay(true);
  copy(client, up);
  copy(up, client);
  client.on('error', () => up.destroy());
  up.on('error', () => client.destroy());
});
server.listen(listenPort, '127.0.0.1', () => {
  process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
