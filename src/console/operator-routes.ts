/**
 * The admin routes of the operator actions beyond viewing: customers' removal and jobs,
 * ETL runs and backfills watched as they go, and the graph export. The Console's pages
 * and the CLI beside a running `faresight up` call them alike (the CLI cannot open the
 * embedded row store that `up` holds). Authentication is console-routes.ts's hook.
 */
import type { FastifyInstance } from 'fastify';
import type { ConsoleBackend } from './console-backend.js';
import { guarded, str } from './console-input.js';

const notFound = (message: string) => ({ error: 'not_found', message });

/** Registers the operator action routes under /admin/v1 on `app`. */
export function registerOperatorRoutes(app: FastifyInstance, backend: ConsoleBackend): void {
  app.delete(
    '/admin/v1/customers/:name',
    guarded(async (req, reply) => {
      const { name } = req.params as { name: string };
      if (!(await backend.removeCustomer(name)))
        return reply.code(404).send(notFound(`no customer ${name}`));
      return { ok: true };
    }),
  );
  app.post(
    '/admin/v1/customers/:name/jobs',
    guarded(async (req) => {
      const { name } = req.params as { name: string };
      const b = (req.body ?? {}) as Record<string, unknown>;
      const job = str(b.name, 'name') as string;
      await backend.putCustomerJob({
        customer: name,
        name: job,
        sql: str(b.sql, 'sql') as string,
        schedule: str(b.schedule, 'schedule', false) ?? '0 * * * *',
      });
      return { ok: true, job: `customer:${name}/${job}` };
    }),
  );
  app.delete(
    '/admin/v1/customers/:name/jobs/:job',
    guarded(async (req, reply) => {
      const { name, job } = req.params as { name: string; job: string };
      if (!(await backend.removeCustomerJob(name, job)))
        return reply.code(404).send(notFound(`customer ${name} has no job ${job}`));
      return { ok: true };
    }),
  );

  app.post(
    '/admin/v1/etl/operations',
    guarded(async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const job = str(b.job, 'job') as string;
      const from = str(b.from, 'from', false);
      const to = str(b.to, 'to', false);
      if ((from === undefined) !== (to === undefined))
        return reply.code(400).send({
          error: 'bad_request',
          message: 'a backfill needs both from and to (YYYY-MM-DD); a run neither',
        });
      const op = await backend.startEtl(job, from && to ? { from, to } : undefined);
      return reply.code(202).send(op);
    }),
  );
  app.get('/admin/v1/etl/operations', async () => ({
    operations: await backend.etlOperations(),
  }));
  app.get('/admin/v1/etl/operations/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    return (
      (await backend.etlOperation(id)) ?? reply.code(404).send(notFound(`no ETL operation ${id}`))
    );
  });

  app.get(
    '/admin/v1/graph/export',
    guarded(async (req) => {
      const q = req.query as Record<string, unknown>;
      return backend.exportGraph((str(q.currency, 'currency', false) ?? 'USD').toUpperCase());
    }),
  );
}
