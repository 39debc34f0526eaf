/**
 * Customers, their API keys (only the sha256 is stored), their grants on ponds and their
 * own jobs, in the row store.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Cron } from 'croner';
import { migrate } from '../sql/migrate.js';
import type { SqlClient } from '../sql/sql-client.js';
import { TenancyError } from './errors.js';
import { makeScramVerifier } from './scram-verifier.js';
import { TENANCY_MIGRATIONS } from './tenancy-migrations.js';

/** What a customer name (also its SQL user name and directory) may look like. */
export const CUSTOMER_NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** Customer table names taken by the customer's area layout (`<area>/ponds/` holds its slices). */
export const RESERVED_TABLE_NAMES: readonly string[] = ['ponds'];
/** A market as granted: `JFK-LAX`. */
export const MARKET = /^[A-Z]{3}-[A-Z]{3}$/;
/** A point of sale as granted: `US`. */
export const POS = /^[A-Z]{2}$/;

/** A pond granted to a customer; undefined lists mean "all". */
export interface Grant {
  readonly pond: string;
  readonly markets?: readonly string[];
  readonly pos?: readonly string[];
}

/** A customer with its grants and jobs. */
export interface Customer {
  readonly name: string;
  readonly createdAt: Date;
  readonly grants: readonly Grant[];
  readonly jobs: readonly CustomerJob[];
}

/** A customer job: its SQL over the customer's relations, run on `schedule` (cron, UTC). */
export interface CustomerJob {
  readonly customer: string;
  readonly name: string;
  readonly sql: string;
  readonly schedule: string;
}

/** sha256 hex of an API key. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class CustomerStore {
  constructor(readonly sql: SqlClient) {}

  migrate(): Promise<number[]> {
    return migrate(this.sql, TENANCY_MIGRATIONS);
  }

  /** Creates a customer; returns its API key (shown once, never stored). Throws TenancyError when it exists. */
  async add(name: string): Promise<string> {
    if (!CUSTOMER_NAME.test(name))
      throw new TenancyError(
        'name',
        `customer name "${name}" must be lower-case letters, digits and _ (at most 63)`,
      );
    const key = `fsk_${randomBytes(24).toString('base64url')}`;
    const rows = await this.sql.query(
      'INSERT INTO customers (name, key_sha256, scram_verifier) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING name',
      [name, hashKey(key), makeScramVerifier(key)],
    );
    if (rows.length === 0) throw new TenancyError('name', `customer "${name}" already exists`);
    return key;
  }

  /**
   * Gives `name` a new API key (returned, shown once) and makes the old one stop working
   * at once, over the API and the SQL endpoint alike; grants and jobs stay. Throws
   * TenancyError for no such customer.
   */
  async rotateKey(name: string): Promise<string> {
    const key = `fsk_${randomBytes(24).toString('base64url')}`;
    const rows = await this.sql.query(
      'UPDATE customers SET key_sha256 = $2, scram_verifier = $3 WHERE name = $1 RETURNING name',
      [name, hashKey(key), makeScramVerifier(key)],
    );
    if (rows.length === 0) throw new TenancyError('customer', `no customer "${name}"`);
    return key;
  }

  /** Removes a customer with its grants and jobs; false when there was none. */
  async remove(name: string): Promise<boolean> {
    return (
      (await this.sql.query('DELETE FROM customers WHERE name = $1 RETURNING name', [name]))
        .length > 0
    );
  }

  /** The customer holding `key`, or undefined. */
  async byKey(key: string): Promise<string | undefined> {
    const [row] = await this.sql.query<{ name: string }>(
      'SELECT name FROM customers WHERE key_sha256 = $1',
      [hashKey(key)],
    );
    return row?.name;
  }

  /** True when `key` is `name`'s key (constant-time comparison of the hashes). */
  async verify(name: string, key: string): Promise<boolean> {
    const [row] = await this.sql.query<{ key_sha256: string }>(
      'SELECT key_sha256 FROM customers WHERE name = $1',
      [name],
    );
    const want = Buffer.from(row?.key_sha256 ?? '0'.repeat(64), 'hex');
    const ok = timingSafeEqual(want, Buffer.from(hashKey(key), 'hex'));
    return ok && row !== undefined;
  }

  /**
   * The SCRAM-SHA-256 verifier of `name`'s key; null for a key made before verifiers were
   * stored (the SQL endpoint then asks for the key itself once, checks it against the hash
   * and stores a verifier with setScramVerifier); undefined for no such customer.
   */
  async scramVerifier(name: string): Promise<string | null | undefined> {
    const [row] = await this.sql.query<{ scram_verifier: string | null }>(
      'SELECT scram_verifier FROM customers WHERE name = $1',
      [name],
    );
    return row ? row.scram_verifier : undefined;
  }

  /** Stores the verifier of `key` for `name`, only if `key` is `name`'s key. */
  async setScramVerifier(name: string, key: string): Promise<void> {
    if (!(await this.verify(name, key))) return;
    await this.sql.query('UPDATE customers SET scram_verifier = $2 WHERE name = $1', [
      name,
      makeScramVerifier(key),
    ]);
  }

  private async mustExist(name: string): Promise<void> {
    const rows = await this.sql.query('SELECT 1 FROM customers WHERE name = $1', [name]);
    if (rows.length === 0) throw new TenancyError('customer', `no customer "${name}"`);
  }

  /** Grants (or re-grants, replacing the narrowing) `grant.pond` to `customer`. */
  async grant(customer: string, grant: Grant): Promise<void> {
    await this.mustExist(customer);
    for (const m of grant.markets ?? [])
      if (!MARKET.test(m))
        throw new TenancyError('markets', `market "${m}" must look like JFK-LAX`);
    for (const p of grant.pos ?? [])
      if (!POS.test(p))
        throw new TenancyError('pos', `point of sale "${p}" must be a 2-letter country code`);
    await this.sql.query(
      `INSERT INTO customer_grants (customer, pond, markets, pos) VALUES ($1, $2, $3::jsonb, $4::jsonb)
       ON CONFLICT (customer, pond) DO UPDATE SET markets = EXCLUDED.markets, pos = EXCLUDED.pos, granted_at = now()`,
      [
        customer,
        grant.pond,
        grant.markets ? JSON.stringify(grant.markets) : null,
        grant.pos ? JSON.stringify(grant.pos) : null,
      ],
    );
  }

  /** Revokes a grant; false when there was none. */
  async revoke(customer: string, pond: string): Promise<boolean> {
    const rows = await this.sql.query(
      'DELETE FROM customer_grants WHERE customer = $1 AND pond = $2 RETURNING pond',
      [customer, pond],
    );
    return rows.length > 0;
  }

  /** Grants of a customer (empty for an unknown customer). */
  async grants(customer: string): Promise<Grant[]> {
    const rows = await this.sql.query<{
      pond: string;
      markets: string[] | null;
      pos: string[] | null;
    }>('SELECT pond, markets, pos FROM customer_grants WHERE customer = $1 ORDER BY pond', [
      customer,
    ]);
    return rows.map((r) => ({
      pond: r.pond,
      ...(r.markets ? { markets: r.markets } : {}),
      ...(r.pos ? { pos: r.pos } : {}),
    }));
  }

  /** Customers holding a grant on `pond`, by name. */
  async grantees(pond: string): Promise<string[]> {
    const rows = await this.sql.query<{ customer: string }>(
      'SELECT customer FROM customer_grants WHERE pond = $1 ORDER BY customer',
      [pond],
    );
    return rows.map((r) => r.customer);
  }

  /** Adds or replaces a customer job. Throws TenancyError for a bad name or schedule. */
  async putJob(job: CustomerJob): Promise<void> {
    await this.mustExist(job.customer);
    if (!CUSTOMER_NAME.test(job.name))
      throw new TenancyError(
        'table',
        `table name "${job.name}" must be lower-case letters, digits and _`,
      );
    if (RESERVED_TABLE_NAMES.includes(job.name))
      throw new TenancyError(
        'table',
        `table name "${job.name}" is reserved (the customer's pond slices live there)`,
      );
    try {
      new Cron(job.schedule, { paused: true, timezone: 'UTC' }).stop();
    } catch (err) {
      throw new TenancyError(
        'schedule',
        `"${job.schedule}" is not a cron expression: ${(err as Error).message}`,
      );
    }
    await this.sql.query(
      `INSERT INTO customer_jobs (customer, name, sql, schedule) VALUES ($1, $2, $3, $4)
       ON CONFLICT (customer, name) DO UPDATE SET sql = EXCLUDED.sql, schedule = EXCLUDED.schedule`,
      [job.customer, job.name, job.sql, job.schedule],
    );
  }

  async removeJob(customer: string, name: string): Promise<boolean> {
    return (
      (
        await this.sql.query(
          'DELETE FROM customer_jobs WHERE customer = $1 AND name = $2 RETURNING name',
          [customer, name],
        )
      ).length > 0
    );
  }

  /** Customer jobs, of one customer or all. */
  async jobs(customer?: string): Promise<CustomerJob[]> {
    return this.sql.query<CustomerJob>(
      `SELECT customer, name, sql, schedule FROM customer_jobs WHERE ($1::text IS NULL OR customer = $1)
       ORDER BY customer, name`,
      [customer ?? null],
    );
  }

  /** Every customer with grants and jobs. */
  async list(): Promise<Customer[]> {
    const rows = await this.sql.query<{ name: string; created_at: Date }>(
      'SELECT name, created_at FROM customers ORDER BY name',
    );
    const out: Customer[] = [];
    for (const r of rows)
      out.push({
        name: r.name,
        createdAt: r.created_at,
        grants: await this.grants(r.name),
        jobs: await this.jobs(r.name),
      });
    return out;
  }
}
