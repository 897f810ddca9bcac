// The JSONL fixtures under test/fixtures/http/ are the sessions of test/helpers/http-sessions.ts.
// Regenerate them with LOOPTAP_WRITE_FIXTURES=1 after changing a session.

import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { FIXTURES, SESSIONS, session, toJsonl } from '../../helpers/http-sessions.js';

for (const name of Object.keys(SESSIONS)) {
  const file = new URL(`${name}.jsonl`, FIXTURES);
  const text = toJsonl(session(name));
  if (process.env.LOOPTAP_WRITE_FIXTURES === '1') writeFileSync(file, text);
  t.equal(readFileSync(file, 'utf8'), text, `fixture ${name}.jsonl matches its session`);
}
