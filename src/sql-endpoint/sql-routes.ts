/**
 * `POST /v1/sql`: customer SQL over HTTP, with the same session and checks as the wire
 * endpoint. Auth: `Authorization: Bearer <customer API key>`. Body: JSON `{ "sql": "..." }`
 * or the SQL as text/plain. Output: JSON `{ columns, rows }`, or CSV when `?format=csv` or
 * `Accept: text/csv`. A result is sent whole or not at all. Errors: 401 without a valid
 * key, 400 for refused or failing SQL, 408 on statement timeout, 413 over the row or
 * result-size limit, 429 with `Retry-After` over the customer's request rate or its
 * concurrent-statement limit, 503 with `Retry-After` when the process running the
 * statement died. `GET /v1/me`: the customer of the key and its grants (what a client
 * such as the Console's customer area may show), 401 without a valid key.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KEY_HEADERS, presentedKey } from '../ops/presented-key.js';
import { RateLimiter } from '../ops/rate-limiter.js';
import type { CustomerStore } from '../tenancy/customer-store.js';
import {
  ResultTooLargeError,
  RowLimitError,
  SqlExecutionError,
  SqlHostError,
  SqlMemoryLimitError,
  SqlRejectedError,
  SqlTimeoutError,
  TooManyStatementsError,
} from './errors.js';
import type { SessionOpener } from './session-opener.js';

/** Default of `requestsPerSecondPerCustomer` (config sql.requestsPerSecondPerCustomer). */
export const DEFAULT_SQL_REQUESTS_PER_SECOND = 10;

/** What the route needs. */
export interface SqlRouteDeps {
  customers: Pick<CustomerStore, 'byKey' | 'grants'>;
  openSession: SessionOpener;
  /** Requests per second per customer, bursts of one second [DEFAULT_SQL_REQUESTS_PER_SECOND]. */
  requestsPerSecondPerCustomer?: number;
  /** Clock of the rate limiter, ms (tests); default performance.now. */
  now?: () => number;
}

function csvField(v: unknown): string {
  const s =
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function statusOf(err: unknown): { status: number; retryAfterMs?: number } | undefined {
  if (err instanceof SqlRejectedError || err instanceof SqlExecutionError) return { status: 400 };
  if (err instanceof SqlTimeoutError) return { status: 408 };
  if (
    err instanceof RowLimitError ||
    err instanceof ResultTooLargeError ||
    err instanceof SqlMemoryLimitError
  )
    return { status: 413 };
  if (err instanceof TooManyStatementsError) return { status: 429, retryAfterMs: err.retryAfterMs };
  if (err instanceof SqlHostError) return { status: 503, retryAfterMs: 1000 };
  return undefined;
}

const retryAfter = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/** Registers `POST /v1/sql` and `GET /v1/me` on `app`. */
export function sqlRoutes(app: FastifyInstance, deps: SqlRouteDeps): void {
  const limiter = new RateLimiter(
    deps.requestsPerSecondPerCustomer ?? DEFAULT_SQL_REQUESTS_PER_SECOND,
    deps.now,
  );
  /** The customer of the request's key, or undefined once a 401 or 429 is sent. */
  const customerOf = async (req: FastifyRequest, reply: FastifyReply) => {
    const key = presentedKey(req.headers);
    const customer = key ? await deps.customers.byKey(key) : undefined;
    if (!customer) {
      reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({
          error: 'unauthorized',
          message: `a valid customer API key is required (${KEY_HEADERS})`,
        });
      return undefined;
    }
    const waitMs = limiter.take(customer);
    if (waitMs > 0) {
      reply
        .code(429)
        .header('retry-after', retryAfter(waitMs))
        .send({
          error: 'rate_limited',
          message: `customer ${customer} is over its rate of ${deps.requestsPerSecondPerCustomer ?? DEFAULT_SQL_REQUESTS_PER_SECOND} SQL requests per second; retry in ${retryAfter(waitMs)} s`,
        });
      return undefined;
    }
    return customer;
  };
  app.register(async (scope) => {
    scope.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    scope.get('/v1/me', async (req, reply) => {
      const customer = await customerOf(req, reply);
      if (!customer) return reply;
      return { customer, grants: await deps.customers.grants(customer) };
    });
    scope.post('/v1/sql', async (req, reply) => {
      const customer = await customerOf(req, reply);
      if (!customer) return reply;
      const body = req.body as unknown;
      const sql = typeof body === 'string' ? body : (body as { sql?: unknown } | undefined)?.sql;
      if (typeof sql !== 'string' || sql.trim() === '')
        return reply.code(400).send({
          error: 'bad_request',
          field: 'sql',
          message: 'body must be {"sql": "<statement>"} or the SQL as text/plain',
        });
      const format = (req.query as { format?: string }).format;
      const csv =
        format === 'csv' || (format === undefined && /text\/csv/.test(req.headers.accept ?? ''));
      let session: Awaited<ReturnType<SessionOpener>> | undefined;
      try {
        session = await deps.openSession(customer);
        const r = await session.query(sql);
        if (csv) {
          const names = r.columns.map((c) => c.name);
          const lines = [
            names.map(csvField).join(','),
            ...r.rows.map((row) => names.map((n) => csvField(row[n])).join(',')),
          ];
          return reply.type('text/csv; charset=utf-8').send(`${lines.join('\n')}\n`);
        }
        return { columns: r.columns, rows: r.rows };
      } catch (err) {
        const mapped = statusOf(err);
        if (mapped === undefined) throw err;
        if (mapped.retryAfterMs !== undefined)
          reply.header('retry-after', retryAfter(mapped.retryAfterMs));
        return reply
          .code(mapped.status)
          .send({ error: (err as Error).name, message: (err as Error).message });
      } finally {
        await session?.close();
      }
    });
  });
}
