// Figures read from /proc for a child process: CPU seconds (its own and its reaped children's,
// so forked relays such as socat count too) and peak resident memory.
import { readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11..14] = utime stime cutime cstime (1-based 14..17 in proc(5))
  const [ut, st, cut, cst] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return (ut! + st! + cut! + cst!) / TICKS;
}

export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}
