/**
 * An empty PGlite data directory made once, at build time, so that a new row store is
 * unpacked rather than made by initdb at its first start.
 *
 * initdb inside PGlite takes a process to about 900 MB for its first seconds (a row store
 * opened alone in a fresh directory: 901 MB high-water, about 400 MB once collected),
 * where opening an existing store takes about 290 MB high-water and holds 250-270 MB.
 * `up --demo` reached about 1 GB in its first seconds that way. Unpacking the template
 * is plain file I/O, then an ordinary start: 293 MB high-water, 264-274 MB held.
 *
 * The template is `dist/pglite-template/pglite-<version>.tar.gz`, written by
 * `scripts/build.mjs` (`npm ci`) with the installed PGlite (pglite-template-build.ts;
 * this module never loads PGlite, so the CLI can look for the template cheaply). Its name
 * carries the version, so a PGlite upgraded without a build is never given another
 * version's catalog. Without a template (sources run before any build) the row store
 * falls back to initdb.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { extract } from 'tar';

let installedVersion: string | undefined;

/** The installed PGlite's version, read once from its package.json. */
export function pgliteVersion(): string {
  installedVersion ??= readPgliteVersion();
  return installedVersion;
}

function readPgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const { name, version } = JSON.parse(readFileSync(pkg, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (name === '@electric-sql/pglite' && version) return version;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the package.json of @electric-sql/pglite');
    dir = up;
  }
}

/** Where the build puts the template: the package root is three folders above this module. */
export function templatePath(root = join(import.meta.dirname, '..', '..', '..')): string {
  return join(root, 'dist', 'pglite-template', `pglite-${pgliteVersion()}.tar.gz`);
}

/** The template's bytes, or undefined when there is none for the installed PGlite. */
export function readTemplate(path = templatePath()): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

/** Whether `dir` is missing or empty: what a new row store is unpacked into. */
const isEmptyDir = (dir: string) => !existsSync(dir) || readdirSync(dir).length === 0;

/** The dump holds the pid file of the PGlite it was taken from; a new directory must not. */
const notPidFile = (p: string) => !/(^|\/)postmaster\.pid$/.test(p);

/**
 * Makes `dir` a new, empty row store from the template when `dir` is missing or empty,
 * and returns whether it did. The template is unpacked into `<dir>.seeding` and renamed
 * into place, so a crash mid-way leaves no half-made directory for PGlite to resume.
 * False (nothing done) when `dir` holds anything or there is no template.
 */
export async function seedFromTemplate(dir: string, path = templatePath()): Promise<boolean> {
  if (!isEmptyDir(dir) || !existsSync(path)) return false;
  const seeding = `${dir}.seeding`;
  rmSync(seeding, { recursive: true, force: true });
  mkdirSync(seeding, { recursive: true });
  try {
    // Not `strict`: the dump's member names start with '/', which tar reports and strips.
    // Every other warning (a bad or cut-off archive) fails the seeding.
    const problems: string[] = [];
    await extract({
      file: path,
      cwd: seeding,
      filter: notPidFile,
      onwarn: (code, message) => {
        if (code !== 'TAR_ENTRY_INFO') problems.push(`${code}: ${String(message)}`);
      },
    });
    if (problems.length > 0) throw new Error(problems.join('; '));
    if (!existsSync(join(seeding, 'PG_VERSION'))) throw new Error('it holds no PG_VERSION');
  } catch (err) {
    rmSync(seeding, { recursive: true, force: true });
    throw new Error(
      `cannot unpack the row store template ${path} (${(err as Error).message}): remove it and run npm run build to make it again`,
    );
  }
  if (existsSync(dir)) rmdirSync(dir);
  renameSync(seeding, dir);
  return true;
}

/**
 * How a row store opened now in `dir` would be made: from `template`, or by initdb (and
 * why), or undefined when `dir` holds a database already. For the log line of a new store.
 */
export function newStoreOrigin(
  dir: string,
  template = templatePath(),
): { readonly made: 'template' } | { readonly made: 'initdb'; readonly why: string } | undefined {
  if (existsSync(join(dir, 'PG_VERSION'))) return undefined;
  if (!existsSync(template))
    return { made: 'initdb', why: `there is no template at ${template} (npm run build makes it)` };
  if (!isEmptyDir(dir)) return { made: 'initdb', why: `${dir} holds files but no database` };
  return { made: 'template' };
}
