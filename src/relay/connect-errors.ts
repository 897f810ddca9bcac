// One line per connect failure that names the cause and the fix (relay and HTTP mode).

import { describe } from '../capture/hub.js';

export function explainConnectError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED): is the server running on that port?';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route (${err.code}): check the target address`;
    case 'EMFILE':
    case 'ENFILE':
      return `out of file descriptors (${err.code}): raise the limit with ulimit -n`;
    case 'EADDRNOTAVAIL':
      return 'no local port left to connect from (EADDRNOTAVAIL): too many connections in TIME_WAIT';
    default:
      return describe(err);
  }
}
