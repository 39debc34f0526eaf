/**
 * The files the Console serves, read once at start: its own pages and modules from
 * `public/` (and `public/customer/`), and the front-end libraries it uses straight from
 * their npm packages (runtime dependencies, so an installed Faresight has them; nothing
 * built is committed and nothing loads from the internet): uPlot for charts, Preact and
 * htm for the customer pages' components. Keys are paths under `/console/`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file the Console serves. */
export interface ConsoleAsset {
  body: Buffer;
  type: string;
}

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The libraries under `/console/vendor/`: served name -> package and file in it, and an
 * edit of the text where a module imports another by its bare name (a browser without an
 * import map, which the CSP's `script-src 'self'` would refuse inline, needs a path).
 */
const VENDOR: Record<string, { pkg: string; file: string; edit?: [string, string] }> = {
  'uPlot.esm.js': { pkg: 'uplot', file: 'dist/uPlot.esm.js' },
  'uPlot.min.css': { pkg: 'uplot', file: 'dist/uPlot.min.css' },
  'preact.mjs': { pkg: 'preact', file: 'dist/preact.mjs' },
  'hooks.mjs': {
    pkg: 'preact',
    file: 'hooks/dist/hooks.mjs',
    edit: ['from"preact"', 'from"./preact.mjs"'],
  },
  'htm.mjs': { pkg: 'htm', file: 'dist/htm.module.js' },
};

/** The folder of an installed package, found from its main entry (exports may hide package.json). */
function packageDir(pkg: string): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve(pkg));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`the Console cannot find the folder of npm package ${pkg}`);
    dir = up;
  }
  return dir;
}

function typeOf(name: string): string | undefined {
  return TYPES[name.slice(name.lastIndexOf('.'))];
}

/**
 * Every Console asset by its path under `/console/`. Throws when a library is missing
 * (`npm ci` not run) or no longer has the import the edit expects (a changed release).
 */
export function loadConsoleAssets(): Map<string, ConsoleAsset> {
  const out = new Map<string, ConsoleAsset>();
  for (const sub of ['', 'customer/']) {
    for (const f of readdirSync(join(PUBLIC_DIR, sub))) {
      const type = typeOf(f);
      if (type) out.set(sub + f, { body: readFileSync(join(PUBLIC_DIR, sub, f)), type });
    }
  }
  for (const [name, v] of Object.entries(VENDOR)) {
    let text = readFileSync(join(packageDir(v.pkg), v.file), 'utf8');
    if (v.edit) {
      if (!text.includes(v.edit[0]))
        throw new Error(`${v.pkg}/${v.file} no longer contains ${v.edit[0]}: update VENDOR`);
      text = text.replaceAll(v.edit[0], v.edit[1]);
    }
    out.set(`vendor/${name}`, { body: Buffer.from(text), type: typeOf(name) as string });
  }
  return out;
}
