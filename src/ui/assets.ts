// The built front end (ui/ bundled by esbuild into dist/ui/assets by `npm run build`), read
// once at start. Only these files are served: no path from the URL ever reaches the disk.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Asset {
  type: string;
  body: Buffer;
}

const FILES: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/app.css': 'app.css',
};

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

// dist/ui/assets beside the compiled server; from src/ui (tests run the sources), the same folder
const DIRS = ['./assets/', '../../dist/ui/assets/'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);

export function loadAssets(dir = DIRS.find((d) => fs.existsSync(`${d}/index.html`)) ?? DIRS[0]!) {
  const assets = new Map<string, Asset>();
  for (const [route, file] of Object.entries(FILES)) {
    try {
      const body = fs.readFileSync(`${dir}/${file}`);
      assets.set(route, { type: TYPES[file.split('.').pop()!]!, body });
    } catch {
      // missing: the page says how to build it
    }
  }
  return assets;
}
