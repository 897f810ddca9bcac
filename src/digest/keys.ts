// Fingerprints that are not SQL: a Redis command with its key pattern (`GET user:*`) and an HTTP
// method with its route template (`GET /users/:id`). Values never appear: only keys (with their
// variable parts starred) and fixed words such as subcommands.

/** commands whose arguments are not keys (or are secrets, or values): the name alone */
const NO_KEY = new Set(
  (
    'PING ECHO AUTH HELLO INFO MULTI EXEC DISCARD SELECT QUIT FLUSHALL FLUSHDB DBSIZE TIME SAVE ' +
    'BGSAVE BGREWRITEAOF LASTSAVE MONITOR RESET ROLE REPLICAOF SLAVEOF SHUTDOWN SWAPDB WAIT ' +
    'UNWATCH READONLY READWRITE SCAN RANDOMKEY KEYS SUBSCRIBE PSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE ' +
    'SSUBSCRIBE SUNSUBSCRIBE FAILOVER LOLWUT SYNC PSYNC'
  ).split(' '),
);
/** commands whose first argument is a fixed subcommand word: `CLIENT SETNAME`, `CONFIG GET` */
const CONTAINER = new Set(
  (
    'CLIENT CONFIG ACL CLUSTER COMMAND SCRIPT FUNCTION MEMORY OBJECT XINFO XGROUP SLOWLOG ' +
    'LATENCY MODULE PUBSUB DEBUG'
  ).split(' '),
);
/** subcommands followed by a key */
const SUB_KEY = new Set([
  'MEMORY USAGE',
  'OBJECT ENCODING',
  'OBJECT FREQ',
  'OBJECT IDLETIME',
  'OBJECT REFCOUNT',
  'XINFO STREAM',
  'XINFO GROUPS',
  'XINFO CONSUMERS',
  'XGROUP CREATE',
  'XGROUP DESTROY',
  'XGROUP SETID',
  'XGROUP CREATECONSUMER',
  'XGROUP DELCONSUMER',
]);
/** every argument is a key */
const ALL_KEYS = new Set([
  'MGET',
  'DEL',
  'UNLINK',
  'EXISTS',
  'TOUCH',
  'WATCH',
  'SINTER',
  'SUNION',
  'SDIFF',
  'PFCOUNT',
]);
/** key value key value ... */
const PAIRS = new Set(['MSET', 'MSETNX']);
const MAX_PATTERNS = 3;

const EVALS = new Set(['EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'FCALL', 'FCALL_RO']);
const NAME = /^[A-Z][A-Z0-9._|-]{0,31}$/;

/** what the print of a command named `name` depends on: the name alone, the name and its first
 * argument (GET, SET, HGET...: most commands), or more (lets callers cache by those) */
export function redisPrintNeeds(name: string): 'name' | 'first' | 'more' {
  const n = name.toUpperCase();
  if (!NAME.test(n) || NO_KEY.has(n)) return 'name';
  if (CONTAINER.has(n) || ALL_KEYS.has(n) || PAIRS.has(n) || EVALS.has(n)) return 'more';
  return 'first';
}

export function redisPrint(command: string[]): string {
  if (command.length === 0) return '(empty)';
  const name = command[0]!.toUpperCase();
  if (!NAME.test(name)) return '(unknown command)';
  if (NO_KEY.has(name)) return name;
  if (CONTAINER.has(name)) {
    const sub = command[1]?.toUpperCase();
    if (sub === undefined || !/^[A-Z-]{1,24}$/.test(sub)) return name;
    const both = `${name} ${sub}`;
    return SUB_KEY.has(both) && command[2] !== undefined
      ? `${both} ${keyPattern(command[2])}`
      : both;
  }
  let keys: string[];
  if (ALL_KEYS.has(name)) keys = command.slice(1);
  else if (PAIRS.has(name)) keys = command.slice(1).filter((_, i) => i % 2 === 0);
  else if (EVALS.has(name)) {
    const n = Number(command[2]);
    keys = Number.isInteger(n) && n > 0 ? command.slice(3, 3 + n) : [];
  } else keys = command.length > 1 ? [command[1]!] : [];
  const patterns = [...new Set(keys.map(keyPattern))];
  const shown = patterns.slice(0, MAX_PATTERNS).join(' ');
  return [name, shown, patterns.length > MAX_PATTERNS ? '…' : ''].filter(Boolean).join(' ');
}

/** `user:42:profile` -> `user:*:profile`: a part with a digit (ids, timestamps, hashes, uuids)
 * or a long one (tokens) is variable */
export function keyPattern(key: string): string {
  const parts = key.slice(0, 512).split(/([:{}/.#|=,;@-])/);
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    out += i % 2 === 1 || p === '' || !variable(p) ? clean(p) : '*';
  }
  return out.replace(/\*(?:[-.]\*)+/g, '*');
}

const variable = (p: string): boolean => /\d/.test(p) || p.length > 24;
// a key is printed: no control characters or spaces in a fingerprint
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const clean = (p: string): string => p.replace(/[\u0000-\u0020\u007f-\u009f]/g, '?');

/** `GET /users/42/posts?page=2` -> `GET /users/:id/posts`; the query string is left out */
export function httpPrint(method: string | undefined, url: string | undefined): string {
  const m = (method ?? 'GET').toUpperCase().slice(0, 16);
  let path = url ?? '/';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path))
    path = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  path = path.split(/[?#]/, 1)[0]!.slice(0, 1024) || '/';
  const template = path
    .split('/')
    .map((seg) => (segmentIsId(seg) ? ':id' : clean(seg)))
    .join('/');
  return `${m} ${template}`;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function segmentIsId(seg: string): boolean {
  if (seg === '') return false;
  if (/^\d+$/.test(seg)) return true;
  if (UUID.test(seg)) return true;
  if (/^[0-9a-f]{8,}$/i.test(seg) && /\d/.test(seg)) return true;
  // tokens and slugs with numbers in them (base64, ulid, "order-1234")
  if (seg.length >= 20 && /\d/.test(seg) && /[A-Za-z]/.test(seg)) return true;
  return /\d{3,}/.test(seg);
}
