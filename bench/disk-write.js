// The disk's own price for a capture, measured beside the relays in the same run: BYTES written
// to FILE the way the capture file writes payload bytes (fs.writev batches of 64 KiB buffers,
// one call in flight, through libuv's thread pool), nothing else; prints one JSON line with the
// rate and this process's CPU seconds per GB. On the shared VMs this runs on, the same loop has
// cost from 0.3 to 3 CPU-s/GB from one run to the next (docs/benchmarks.md), which is why a
// capture's CPU is read against this row of the same rep and not against a fixed figure.
import fs from 'node:fs';

const [file, bytesArg] = process.argv.slice(2);
const total = Number(bytesArg);
const CHUNK = 64 * 1024;
const BATCH = 16;
const fd = fs.openSync(file, 'w');
const chunks = Array.from({ length: BATCH }, (_, i) => Buffer.alloc(CHUNK, 0x61 + i));
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let written = 0;
const next = () => {
  if (written >= total) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const gb = written / 1e9;
    process.stdout.write(
      JSON.stringify({ mbps: written / 1e6 / secs, cpuPerGb: (cpu.user + cpu.system) / 1e6 / gb }) +
        '\n',
    );
    return;
  }
  fs.writev(fd, chunks, (err, n) => {
    if (err) throw err;
    written += n;
    next();
  });
};
next();
