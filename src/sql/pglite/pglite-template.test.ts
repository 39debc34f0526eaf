/**
 * The empty row store template: made once, a new directory unpacked from it (no initdb),
 * a half-unpacked one never left behind, and the first start of a new directory held to
 * the footprint of a reopen rather than initdb's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PGliteInlineClient } from './pglite-inline-client.js';
import { newStoreOrigin, pgliteVersion, seedFromTemplate } from './pglite-template.js';
import { ensureTemplate } from './pglite-template-build.js';

const tmp = mkdtempSync(join(tmpdir(), 'fs-pglite-template-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const template = join(tmp, 'tpl', `pglite-${pgliteVersion()}.tar.gz`);

describe('the empty row store template', () => {
  before(async () => {
    mkdirSync(join(tmp, 'tpl'));
    writeFileSync(join(tmp, 'tpl', 'pglite-0.0.1.tar.gz'), 'another version');
    assert.equal(await ensureTemplate(template), true, 'made');
  });

  it('is made once per PGlite version; other versions beside it are removed', async () => {
    assert.deepEqual(readdirSync(join(tmp, 'tpl')), [`pglite-${pgliteVersion()}.tar.gz`]);
    assert.equal(await ensureTemplate(template), false, 'kept the second time');
  });

  it('seeds a missing or empty directory, leaves one with anything in it alone', async () => {
    const missing = join(tmp, 'a', 'rowstore');
    assert.equal(await seedFromTemplate(missing, template), true);
    assert.ok(existsSync(join(missing, 'PG_VERSION')));
    assert.ok(!existsSync(join(missing, 'postmaster.pid')), "not the dumped PGlite's pid file");
    assert.ok(!existsSync(`${missing}.seeding`), 'no staging left');

    const empty = join(tmp, 'b');
    mkdirSync(empty);
    assert.equal(await seedFromTemplate(empty, template), true);
    assert.ok(existsSync(join(empty, 'PG_VERSION')));

    const used = join(tmp, 'c');
    mkdirSync(used);
    writeFileSync(join(used, 'keep'), 'x');
    assert.equal(await seedFromTemplate(used, template), false);
    assert.deepEqual(readdirSync(used), ['keep']);

    assert.equal(await seedFromTemplate(join(tmp, 'd'), join(tmp, 'none.tar.gz')), false);
    assert.ok(!existsSync(join(tmp, 'd')), 'no template: nothing made, initdb does it');
  });

  it('replaces what a crash left half-unpacked, and a seeded store opens, writes and reopens', async () => {
    const dir = join(tmp, 'e', 'rowstore');
    mkdirSync(`${dir}.seeding`, { recursive: true });
    writeFileSync(join(`${dir}.seeding`, 'PG_VERSION'), 'half');
    assert.equal(await seedFromTemplate(dir, template), true);
    assert.ok(!existsSync(`${dir}.seeding`));
    for (const round of [1, 2]) {
      const db = await PGliteInlineClient.open({ dir });
      try {
        if (round === 1)
          await db.exec('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (7)');
        assert.deepEqual(await db.query('SELECT id FROM t'), [{ id: 7 }], `round ${round}`);
      } finally {
        await db.close();
      }
    }
  });

  it('tells how a store opened now would be made, and why initdb', async () => {
    const dir = join(tmp, 'h', 'rowstore');
    assert.deepEqual(newStoreOrigin(dir, template), { made: 'template' });
    const none = join(tmp, 'none.tar.gz');
    assert.deepEqual(newStoreOrigin(dir, none), {
      made: 'initdb',
      why: `there is no template at ${none} (npm run build makes it)`,
    });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stray'), 'x');
    assert.deepEqual(newStoreOrigin(dir, template), {
      made: 'initdb',
      why: `${dir} holds files but no database`,
    });
    rmSync(dir, { recursive: true });
    await seedFromTemplate(dir, template);
    assert.equal(newStoreOrigin(dir, template), undefined, 'a database is there');
  });

  it('a corrupt template is named, and leaves no directory behind', async () => {
    const bad = join(tmp, 'bad.tar.gz');
    writeFileSync(bad, 'not a tarball');
    const dir = join(tmp, 'f', 'rowstore');
    await assert.rejects(seedFromTemplate(dir, bad), /row store template .*bad\.tar\.gz/);
    assert.ok(!existsSync(dir) && !existsSync(`${dir}.seeding`));
    const whole = readFileSync(template);
    const cut = join(tmp, 'cut.tar.gz');
    writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    await assert.rejects(seedFromTemplate(dir, cut), /row store template .*cut\.tar\.gz \(/);
    assert.ok(!existsSync(dir) && !existsSync(`${dir}.seeding`));
  });

  it("a new directory's first start stays at a reopen's footprint, far from initdb's", () => {
    // In a child, so the high-water mark is the row store's alone: about 850-900 MB while
    // initdb runs, about 290 MB for a reopen.
    const script = `
      import { readFileSync } from 'node:fs';
      import { PGliteInlineClient } from ${JSON.stringify(new URL('./pglite-inline-client.ts', import.meta.url).href)};
      import { seedFromTemplate } from ${JSON.stringify(new URL('./pglite-template.ts', import.meta.url).href)};
      const [dir, template] = process.argv.slice(-2);
      await seedFromTemplate(dir, template);
      const db = await PGliteInlineClient.open({ dir });
      await db.query('SELECT 1');
      await db.close();
      console.log(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);`;
    if (!existsSync('/proc/self/status')) return;
    const kb = Number(
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          script,
          join(tmp, 'g', 'rowstore'),
          template,
        ],
        { encoding: 'utf8' },
      ).trim(),
    );
    assert.ok(kb < 550_000, `first start peaked at ${Math.round(kb / 1024)} MB`);
  });
});
