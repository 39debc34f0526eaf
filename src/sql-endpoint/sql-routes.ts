/**
 * `POST /v1/sql`: customer SQL over HTTP, with the same session and checks as the wire
 * endpoint. Auth: `Authorization: Bearer <customer API key>`. Body: JSON `{ "sql": "..." }`
 * or the SQL as text/plain. Output: JSON `{ columns, rows }`, or CSV when `?format=csv` or
 * `Accept: text/csv`. Errors: 401 without a valid key, 400 for refused or failing SQL,
 * 408 on statement timeout, 413 over the row limit.
 */
import type { FastifyInstance } from 'fastify';
import type { CustomerStore } from '../tenancy/customer-store.js';
import { RowLimitError, SqlExecutionError, SqlRejectedError, SqlTimeoutError } from './errors.js';
import type { SessionOpener } from './session-opener.js';

/** What the route needs. */
export interface SqlRouteDeps {
  customers: Pick<CustomerStore, 'byKey'>;
  openSession: SessionOpener;
}

function csvField(v: unknown): string {
  const s =
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function statusOf(err: unknown): number | undefined {
  if (err instanceof SqlRejectedError || err instanceof SqlExecutionError) return 400;
  if (err instanceof SqlTimeoutError) return 408;
  if (err instanceof RowLimitError) return 413;
  return undefined;
}

/** Registers `POST /v1/sql` on `app`. */
export function sqlRoutes(app: FastifyInstance, deps: SqlRouteDeps): void {
  app.register(async (scope) => {
    scope.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    scope.post('/v1/sql', async (req, reply) => {
      const auth = req.headers.authorization ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      const customer = m ? await deps.customers.byKey(m[1]!) : undefined;
      if (!customer)
        return reply.code(401).header('www-authenticate', 'Bearer').send({
          error: 'unauthorized',
          message: 'a valid customer API key is required (Authorization: Bearer <key>)',
        });
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
      const session = await deps.openSession(customer);
      try {
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
        const status = statusOf(err);
        if (status === undefined) throw err;
        return reply
          .code(status)
          .send({ error: (err as Error).name, message: (err as Error).message });
      } finally {
        await session.close();
      }
    });
  });
}
