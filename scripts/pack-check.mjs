#!/usr/bin/env node
// Checks the package as a user gets it: `npm pack`, install the tarball into an empty
// folder (dependencies from npm's cache when it has them), then run `faresight
// --version` and `faresight up --demo` there until ingest, the API and the lake answer.
// Exits non-zero with the reason on the first failure. Used by .ci/run.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distIsCurrent } from '../bin/dist-current.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** npm's own range rules (a dev dependency). */
const semver = createRequire(import.meta.url)('semver');
const dir = mkdtempSync(join(tmpdir(), 'faresight-pack-'));
const t0 = performance.now();
const step = (s) =>
  console.log(`pack-check: ${s} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
const npm = (args, cwd) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

let child;
try {
  if (!distIsCurrent(root)) {
    step('dist/ is missing or stale: building');
    npm(['run', 'build'], root);
  }
  const [packed] = JSON.parse(
    npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root),
  );
  const tarball = packed.filename;
  if (packed.files.some((f) => /\/testing\/|\/fixtures\/|^src\//.test(f.path)))
    throw new Error('the package ships test code or sources');
  // A new row store is unpacked from it; without it every user's first start runs initdb.
  if (!packed.files.some((f) => /^dist\/pglite-template\/pglite-[^/]+\.tar\.gz$/.test(f.path)))
    throw new Error('the package lacks the empty row store template (dist/pglite-template/)');
  step(`packed ${tarball} (${(packed.size / 1e6).toFixed(1)} MB)`);
  const app = join(dir, 'app');
  execFileSync('mkdir', [app]);
  // A user's npm 11 runs no install script it was not told to: the native modules the
  // embedded backends need are approved as docs/packaging.md says.
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'faresight-pack-check',
      private: true,
      // npm matches a tarball's entry by its absolute `file:` spec, never by name (what
      // `npm install-scripts deny faresight` writes): faresight's own `prepare` (the
      // build, already in dist/) has no need to run from a tarball.
      allowScripts: {
        'better-sqlite3': true,
        esbuild: true,
        protobufjs: false,
        [`file:${join(dir, tarball)}`]: false,
      },
    }),
  );
  const install = spawnSync(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)],
    { cwd: app, encoding: 'utf8' },
  );
  process.stderr.write(install.stderr);
  if (install.status !== 0) throw new Error(`npm install of the tarball exited ${install.status}`);
  // A user who approved what docs/packaging.md says sees no install-script warning.
  if (/install-scripts/.test(install.stderr))
    throw new Error('npm warned of install scripts not covered by allowScripts (above)');
  step('installed the tarball into an empty folder');
  // A user's install must not pull a package that refuses the oldest Node.js we support
  // (npm warns EBADENGINE): our own lockfile's overrides do not apply in their folder.
  const oldest = semver.minVersion(JSON.parse(npm(['pkg', 'get', 'engines.node'], root))).version;
  const installed = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')).packages;
  const tooNew = Object.entries(installed)
    .filter(([path, p]) => path !== '' && !Array.isArray(p.engines) && p.engines?.node)
    .filter(([, p]) => !(p.optional && p.os && !p.os.includes(process.platform)))
    .filter(([, p]) => !semver.satisfies(oldest, p.engines.node))
    .map(
      ([path, p]) =>
        `${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${p.engines.node}`,
    );
  if (tooNew.length > 0)
    throw new Error(
      `the installed package pulls what refuses node ${oldest}: ${tooNew.join('; ')}`,
    );
  step(`every installed package takes node ${oldest}`);
  const bin = join(app, 'node_modules/.bin/faresight');
  const version = execFileSync(bin, ['--version'], { cwd: app, encoding: 'utf8' }).trim();
  const expected = JSON.parse(npm(['pkg', 'get', 'version'], root));
  if (version !== expected)
    throw new Error(`faresight --version said "${version}", expected ${expected}`);
  if (existsSync(join(app, 'node_modules/faresight/src')))
    throw new Error('the package ships src/: it should run from dist/');
  step(`faresight --version = ${version}`);
  // The template is keyed by the PGlite version it was made with: the user's install must
  // resolve that same version (the dependency is pinned), or every first start runs initdb.
  const tpl = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import('./node_modules/faresight/dist/sql/pglite/pglite-template.js');
       const { existsSync } = await import('node:fs');
       const p = m.templatePath();
       console.log(existsSync(p) ? 'found ' + p : 'missing ' + p);`,
    ],
    { cwd: app, encoding: 'utf8' },
  ).trim();
  if (!tpl.startsWith('found '))
    throw new Error(`the installed package has no row store template for its PGlite: ${tpl}`);
  step(`the installed package's row store template matches its PGlite`);

  const cfg = join(app, 'faresight.config.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      dataDir: join(app, 'data'),
      ingest: { port: 0 },
      api: { port: 0 },
      sql: { port: 0 },
    }),
  );
  child = spawn(bin, ['up', '--demo', '--demo-history', '200'], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 180_000;
  let api;
  while (!api) {
    if (Date.now() > deadline) throw new Error(`up --demo printed no API address:\n${out}`);
    if (child.exitCode !== null) throw new Error(`up --demo exited ${child.exitCode}:\n${out}`);
    api = /api\s+(http:\/\/\S+?)\/v1\/markets/.exec(out)?.[1];
    await new Promise((r) => setTimeout(r, 500));
  }
  step(`up --demo serves ${api}`);
  for (;;) {
    if (Date.now() > deadline) throw new Error(`the demo's markets stayed empty:\n${out}`);
    const r = await fetch(`${api}/v1/markets`)
      .then((x) => x.json())
      .catch(() => undefined);
    const n = Array.isArray(r) ? r.length : Array.isArray(r?.markets) ? r.markets.length : 0;
    if (n > 0) {
      step(`the API lists ${n} markets from the demo feed`);
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  // /docs (Swagger UI) from the installed package: its files come with dist/, since the
  // package does not depend on swagger-ui-dist (that one's dependency reports downloads)
  for (const f of ['docs', 'docs/swagger-ui-bundle.js', 'docs/swagger-ui.css', 'docs/docs.js']) {
    const r = await fetch(`${api}/${f}`);
    if (r.status !== 200 || (await r.text()).length === 0)
      throw new Error(`GET /${f} from the installed package answered ${r.status}`);
  }
  if (existsSync(join(app, 'node_modules/swagger-ui-dist')))
    throw new Error('the installed package pulled swagger-ui-dist: /docs should need only dist/');
  step('/docs and its Swagger UI files are served from the installed package');
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.on('exit', (c, s) => r(c ?? s)));
  if (code !== 0) throw new Error(`up --demo exited ${code} on SIGTERM:\n${out.slice(-2000)}`);
  step('up --demo stopped cleanly on SIGTERM');
} catch (err) {
  console.error(`pack-check FAILED: ${err.message}`);
  child?.kill('SIGKILL');
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
