import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConsoleAuth, SESSION_COOKIE, SESSION_TTL_MS } from './console-auth.js';

const KEY = 'operator-key';
const hash = createHash('sha256').update(KEY).digest('hex');

describe('ConsoleAuth', () => {
  it('admits the admin key as a bearer, refuses any other key', () => {
    const auth = new ConsoleAuth(hash);
    assert.deepEqual(auth.check({ authorization: `Bearer ${KEY}` }, true), {
      ok: true,
      via: 'key',
    });
    const other = auth.check({ authorization: 'Bearer fsk_customer' }, false);
    assert.equal(other.ok, false);
    assert.equal(!other.ok && other.status, 401);
    assert.equal((auth.check({}, false) as { status: number }).status, 401);
  });

  it('opens sessions only for the key; actions need the CSRF token; sessions expire', () => {
    let now = 0;
    const auth = new ConsoleAuth(hash, () => now);
    assert.equal(auth.login('wrong'), undefined);
    const s = auth.login(KEY);
    assert.ok(s);
    const cookie = `other=1; ${SESSION_COOKIE}=${s.id}`;
    assert.equal(auth.check({ cookie }, false).ok, true);
    assert.equal((auth.check({ cookie }, true) as { status: number }).status, 403);
    assert.equal(
      (auth.check({ cookie, 'x-csrf-token': 'x' }, true) as { status: number }).status,
      403,
    );
    assert.equal(auth.check({ cookie, 'x-csrf-token': s.csrf }, true).ok, true);
    now = SESSION_TTL_MS;
    assert.equal((auth.check({ cookie }, false) as { status: number }).status, 401);
    const s2 = auth.login(KEY);
    auth.logout(s2?.id);
    assert.equal(auth.session(s2?.id), undefined);
  });

  it('refuses a hash that is not sha256 hex', () => {
    assert.throws(() => new ConsoleAuth('abc'), /64 hex digits/);
  });

  it('admits each of several admin keys (the operator key and the CLI token of up)', () => {
    const cli = 'cli-token';
    const auth = new ConsoleAuth([hash, createHash('sha256').update(cli).digest('hex')]);
    assert.equal(auth.isAdminKey(KEY), true);
    assert.equal(auth.isAdminKey(cli), true);
    assert.equal(auth.isAdminKey('other'), false);
    assert.throws(() => new ConsoleAuth([]), /64 hex digits/);
  });
});
