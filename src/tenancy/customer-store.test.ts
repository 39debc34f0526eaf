/** Customers, their API keys, grants and jobs, on the embedded SQL database (PGlite). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { CustomerStore } from './customer-store.js';
import { TenancyError } from './errors.js';

let sql: PGliteClient;
let store: CustomerStore;

before(async () => {
  sql = await PGliteClient.open();
  store = new CustomerStore(sql);
  await store.migrate();
});
after(() => sql.close());

const field = (name: string) => (err: unknown) => err instanceof TenancyError && err.field === name;

describe('customer store', () => {
  it('adds a customer with a key that is stored hashed, and refuses a bad or taken name', async () => {
    const key = await store.add('acme');
    assert.match(key, /^fsk_/);
    assert.equal(await store.byKey(key), 'acme');
    assert.equal(await store.verify('acme', key), true);
    assert.equal(await store.verify('acme', `${key}x`), false);
    assert.equal(await store.verify('nobody', key), false);
    const [row] = await sql.query<{ key_sha256: string }>(
      "SELECT key_sha256 FROM customers WHERE name = 'acme'",
    );
    assert.notEqual(row?.key_sha256, key);
    assert.ok(await store.scramVerifier('acme'));
    assert.equal(await store.scramVerifier('nobody'), undefined);
    await assert.rejects(store.add('acme'), field('name'));
    await assert.rejects(store.add('Acme Inc'), field('name'));
  });

  it('rotates a key: the old one stops working at once, grants stay', async () => {
    const old = await store.add('rotating');
    await store.grant('rotating', { pond: 'fare_trends' });
    const fresh = await store.rotateKey('rotating');
    assert.equal(await store.byKey(old), undefined);
    assert.equal(await store.byKey(fresh), 'rotating');
    assert.deepEqual(await store.grants('rotating'), [{ pond: 'fare_trends' }]);
    await assert.rejects(store.rotateKey('nobody'), field('customer'));
  });

  it('grants with narrowing, re-grants replace it, revokes, and lists grantees', async () => {
    await store.add('globex');
    await store.grant('globex', { pond: 'market_demand_daily', markets: ['JFK-LAX'] });
    await store.grant('globex', { pond: 'market_demand_daily', markets: ['BOS-SFO'], pos: ['US'] });
    await store.grant('globex', { pond: 'carrier_share' });
    assert.deepEqual(await store.grants('globex'), [
      { pond: 'carrier_share' },
      { pond: 'market_demand_daily', markets: ['BOS-SFO'], pos: ['US'] },
    ]);
    assert.deepEqual(await store.grantees('carrier_share'), ['globex']);
    assert.equal(await store.revoke('globex', 'carrier_share'), true);
    assert.equal(await store.revoke('globex', 'carrier_share'), false);
    assert.deepEqual(await store.grantees('carrier_share'), []);
    assert.deepEqual(await store.grants('nobody'), []);
    await assert.rejects(store.grant('nobody', { pond: 'fare_trends' }), field('customer'));
    await assert.rejects(
      store.grant('globex', { pond: 'fare_trends', markets: ['jfk-lax'] }),
      field('markets'),
    );
    await assert.rejects(
      store.grant('globex', { pond: 'fare_trends', pos: ['USA'] }),
      field('pos'),
    );
  });

  it('keeps customer jobs, refusing a reserved name or a schedule that is not cron', async () => {
    await store.add('initech');
    const job = { customer: 'initech', name: 'daily', sql: 'SELECT 1', schedule: '0 3 * * *' };
    await store.putJob(job);
    await store.putJob({ ...job, sql: 'SELECT 2' });
    assert.deepEqual(await store.jobs('initech'), [{ ...job, sql: 'SELECT 2' }]);
    await assert.rejects(store.putJob({ ...job, name: 'ponds' }), field('table'));
    await assert.rejects(store.putJob({ ...job, name: 'Bad-Name' }), field('table'));
    await assert.rejects(store.putJob({ ...job, schedule: 'every day' }), field('schedule'));
    await assert.rejects(store.putJob({ ...job, customer: 'nobody' }), field('customer'));
    assert.equal(await store.removeJob('initech', 'daily'), true);
    assert.equal(await store.removeJob('initech', 'daily'), false);
  });

  it('removes a customer with its grants and jobs', async () => {
    await store.add('gone');
    await store.grant('gone', { pond: 'fare_trends' });
    await store.putJob({ customer: 'gone', name: 't', sql: 'SELECT 1', schedule: '0 3 * * *' });
    assert.ok((await store.list()).some((c) => c.name === 'gone' && c.grants.length === 1));
    assert.equal(await store.remove('gone'), true);
    assert.equal(await store.remove('gone'), false);
    assert.deepEqual(await store.grants('gone'), []);
    assert.deepEqual(await store.jobs('gone'), []);
    assert.ok(!(await store.list()).some((c) => c.name === 'gone'));
  });
});
