// The package version, read from package.json next to src/ and dist/ (never guessed by yargs,
// which would read the package.json of whatever project installed looptap).
import { readFileSync } from 'node:fs';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
