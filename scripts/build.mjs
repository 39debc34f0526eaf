#!/usr/bin/env node
// Compiles src/ to dist/ once (npm's `prepare`, so `npm ci` and `npm pack` run it), copies
// the files modules read beside themselves (pond SQL, vendor fixtures), makes the empty
// row store template (once per PGlite version), and writes
// dist/.build-stamp last: bin/faresight.mjs runs dist/ only when the stamp is there and no
// source is newer, so a half-written or stale build is never run.
//
// As `prepare` it compiles only when dist/ is not current (bin/dist-current.mjs): npm 11's
// `npx faresight` in this checkout links the checkout into npm's cache and runs `prepare`
// there on its first call, which recompiled dist/ in place (18 s, under a running `up`).
// `npm run build` always compiles.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distIsCurrent } from '../bin/dist-current.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const t0 = performance.now();

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const kept = process.env.npm_lifecycle_event === 'prepare' && distIsCurrent(root);
let assets = 0;
if (!kept) {
  rmSync(join(dist, '.build-stamp'), { force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error('build: tsc failed; bin/faresight.mjs will run the sources through tsx');
    process.exit(r.status ?? 1);
  }
  for (const f of walk(src)) {
    if (f.endsWith('.ts')) continue;
    cpSync(f, join(dist, relative(src, f)));
    assets++;
  }
  // Swagger UI for /docs (src/api/docs-page.ts), copied in so that an installed package
  // needs no swagger-ui-dist: that package depends on @scarf/scarf, whose install script
  // reports downloads, and a user's npm would ask about it. Its licence and notice go too.
  const swagger = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  for (const f of ['swagger-ui.css', 'swagger-ui-bundle.js', 'LICENSE', 'NOTICE']) {
    cpSync(join(swagger, f), join(dist, 'api', 'swagger-ui', f));
    assets++;
  }
  if (!existsSync(join(dist, 'cli', 'main.js'))) {
    console.error('build: dist/cli/main.js is missing after tsc');
    process.exit(1);
  }
}
// The empty row store a new PGlite data directory is unpacked from (src/sql/pglite/
// pglite-template-build.ts), made in a child: PGlite's initdb takes about 900 MB for a moment.
const t1 = performance.now();
const tpl = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `const m = await import(${JSON.stringify(pathToFileURL(join(dist, 'sql', 'pglite', 'pglite-template-build.js')).href)});
     console.log((await m.ensureTemplate()) ? 'made' : 'kept');`,
  ],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
);
if (tpl.status !== 0) {
  console.error('build: making the empty row store template failed');
  process.exit(tpl.status ?? 1);
}
const templateNote = `row store template ${tpl.stdout.trim()} (${((performance.now() - t1) / 1000).toFixed(1)} s)`;
const took = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
if (kept) {
  const built = readFileSync(join(dist, '.build-stamp'), 'utf8').trim();
  console.log(
    `build: dist/ is current (built ${built}, no source newer): kept, ${templateNote}, in ${took}; npm run build compiles anyway`,
  );
} else {
  writeFileSync(join(dist, '.build-stamp'), `${new Date().toISOString()}\n`);
  const files = walk(dist).filter((f) => f.endsWith('.js')).length;
  const size = walk(dist).reduce((n, f) => n + statSync(f).size, 0);
  console.log(
    `build: ${files} modules and ${assets} assets in dist/ (${(size / 1e6).toFixed(1)} MB), ${templateNote}, in ${took}`,
  );
}
