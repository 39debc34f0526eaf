import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isHeld, OTHER_HOST_STALE_MS, tryLockFile } from './lock-file.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-lock-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `lock-${n++}`);

describe('tryLockFile', () => {
  it('takes a free lock once; a second try names this process; release frees it', () => {
    const file = fresh();
    const first = tryLockFile(file);
    assert.ok(isHeld(first));
    assert.match(
      readFileSync(file, 'utf8'),
      new RegExp(`^${process.pid} \\d+ [0-9a-f]+ ${hostname()}\\n$`),
    );
    const second = tryLockFile(file);
    assert.ok(!isHeld(second));
    assert.equal(second.pid, process.pid);
    assert.equal(second.holder, `pid ${process.pid}`);
    first.release();
    first.release();
    assert.ok(!existsSync(file));
    const third = tryLockFile(file);
    assert.ok(isHeld(third));
    third.release();
  });

  it('takes over the lock of a process that is gone, and of an earlier process of this pid', () => {
    for (const stale of ['2147483646', `2147483646 1 abc\n`, `${process.pid} 1 abc\n`]) {
      const file = fresh();
      writeFileSync(file, stale);
      const lock = tryLockFile(file);
      assert.ok(isHeld(lock), stale);
      assert.notEqual(readFileSync(file, 'utf8'), stale);
      lock.release();
    }
  });

  it('takes over a lock of another host only once its holder stopped touching it', () => {
    // a data directory on a shared volume: pid 2147483646 is not running here, but the lock
    // names another host, where it may well run, so its age decides
    const file = fresh();
    const other = `2147483646 1 abc elsewhere.example\n`;
    writeFileSync(file, other);
    const live = tryLockFile(file);
    assert.ok(!isHeld(live));
    assert.match(
      live.holder,
      /^pid 2147483646 on host elsewhere\.example \(lock touched \d+ s ago\)$/,
    );
    assert.equal(readFileSync(file, 'utf8'), other);
    const old = (Date.now() - OTHER_HOST_STALE_MS - 60_000) / 1000;
    utimesSync(file, old, old);
    const taken = tryLockFile(file);
    assert.ok(isHeld(taken));
    assert.match(readFileSync(file, 'utf8'), new RegExp(` ${hostname()}\\n$`));
    taken.release();
    // a lock of this host's name is checked by its pid, whatever its age
    const mine = fresh();
    writeFileSync(mine, `2147483646 1 abc ${hostname()}\n`);
    const again = tryLockFile(mine);
    assert.ok(isHeld(again));
    again.release();
  });

  it('a holder keeps touching its lock, so other hosts see it alive', async () => {
    const file = fresh();
    const lock = tryLockFile(file, { heartbeatMs: 20 });
    assert.ok(isHeld(lock));
    const old = (Date.now() - OTHER_HOST_STALE_MS - 60_000) / 1000;
    utimesSync(file, old, old);
    while (Date.now() - statSync(file).mtimeMs > OTHER_HOST_STALE_MS) await sleep(10);
    lock.release();
    assert.ok(!existsSync(file));
  });

  it('leaves a just-created empty lock to its creator, and takes over an old empty one', () => {
    const file = fresh();
    writeFileSync(file, '');
    const young = tryLockFile(file);
    assert.ok(!isHeld(young));
    assert.equal(young.pid, undefined);
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(file, old, old);
    const taken = tryLockFile(file);
    assert.ok(isHeld(taken));
    taken.release();
  });

  it('never removes a successor’s lock on release', () => {
    const file = fresh();
    const lock = tryLockFile(file);
    assert.ok(isHeld(lock));
    // the file was taken over meanwhile (say this holder was paused past its staleness)
    writeFileSync(file, 'someone else\n');
    lock.release();
    assert.equal(readFileSync(file, 'utf8'), 'someone else\n');
  });
});
