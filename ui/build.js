// Bundles the front end (ui/src, Preact) into dist/ui/assets with esbuild: app.js, app.css and
// index.html. Run by `npm run build` (and so by `npm install`'s prepare and `npm test`'s pretest).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here('../dist/ui/assets/');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [here('./src/main.tsx')],
  bundle: true,
  outfile: `${out}app.js`,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(here('./index.html'), `${out}index.html`);
copyFileSync(here('./app.css'), `${out}app.css`);
