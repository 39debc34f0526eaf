/**
 * The Console on the API's Fastify app: the page and its assets under `/console/`
 * (plain ES modules read from `public/` beside this file, no build step, nothing from
 * the internet), and the admin API under `/admin/v1/` that the page uses and scripts may
 * call with `Authorization: Bearer <admin key>`. Every state-changing route answers a
 * session only with its CSRF token (console-auth.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadConsoleAssets } from './console-assets.js';
import { ConsoleAuth, cookieValue, SESSION_COOKIE, SESSION_TTL_MS } from './console-auth.js';
import {
  type ConsoleBackend,
  ConsoleInputError,
  type DeadLetterBucket,
  type DeadLetterFilter,
} from './console-backend.js';
import { guarded, int, list, str, time } from './console-input.js';
import { type MetricsSampler, WINDOWS, type WindowName } from './metrics-sampler.js';
import { registerOperatorRoutes } from './operator-routes.js';

/** Rows the SQL box returns at most. */
export const SQL_MAX_ROWS = 1000;
/** Content-Security-Policy of the Console page: its own scripts and styles, nothing else. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export interface ConsoleOptions {
  backend: ConsoleBackend;
  sampler: MetricsSampler;
  /** sha256 hex of the admin key, or of each admin key (the operator's, the CLI's). */
  adminKeySha256: string | readonly string[];
  now?: () => number;
}

function windowOf(v: unknown): WindowName {
  const w = (v ?? '15m') as string;
  if (!(w in WINDOWS))
    throw new ConsoleInputError(
      `window must be one of ${Object.keys(WINDOWS).join(', ')} (got "${w}")`,
    );
  return w as WindowName;
}

const BUCKETS: readonly DeadLetterBucket[] = ['minute', 'hour', 'day'];
/** Dead letters one filtered re-drive posts at most. */
export const REDRIVE_MAX = 500;

function deadLetterFilter(req: FastifyRequest): DeadLetterFilter {
  const q = req.query as Record<string, unknown>;
  return {
    vendor: str(q.vendor, 'vendor', false),
    stage: str(q.stage, 'stage', false),
    reason: str(q.reason, 'reason', false),
    limit: int(q.limit, 'limit', 1, 5000, 200),
  };
}

/** Registers the Console page and the admin API on `app`. */
export function registerConsole(app: FastifyInstance, opts: ConsoleOptions): void {
  const auth = new ConsoleAuth(opts.adminKeySha256, opts.now);
  const assets = loadConsoleAssets();
  const { backend, sampler } = opts;

  const sendAsset = (reply: FastifyReply, name: string) => {
    const a = assets.get(name);
    if (!a)
      return reply.code(404).send({ error: 'not_found', message: `no Console asset ${name}` });
    return reply
      .header('content-type', a.type)
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(a.body);
  };
  app.get('/console', async (_req, reply) => reply.redirect('/console/', 302));
  app.get('/console/', async (_req, reply) => sendAsset(reply, 'index.html'));
  app.get('/console/:file', async (req, reply) =>
    sendAsset(reply, (req.params as { file: string }).file),
  );
  // the customer area (its own page, logged in with a customer's API key) and the libraries
  app.get('/console/customer/', async (_req, reply) => sendAsset(reply, 'customer.html'));
  for (const dir of ['customer', 'vendor'])
    app.get(`/console/${dir}/:file`, async (req, reply) =>
      sendAsset(reply, `${dir}/${(req.params as { file: string }).file}`),
    );

  // Admin API: everything under /admin/v1 but the login itself needs the admin key or a session.
  app.addHook('onRequest', async (req, reply) => {
    const url = req.url.split('?')[0] as string;
    if (!url.startsWith('/admin/')) return;
    if (url === '/admin/v1/session' && req.method !== 'GET') return;
    const c = auth.check(req.headers, req.method !== 'GET' && req.method !== 'HEAD');
    if (!c.ok) return reply.code(c.status).send({ error: c.error, message: c.message });
  });

  const secure = (req: FastifyRequest) => (req.protocol === 'https' ? '; Secure' : '');
  app.post(
    '/admin/v1/session',
    guarded(async (req, reply) => {
      const key = str((req.body as { key?: unknown } | undefined)?.key, 'key') as string;
      const s = auth.login(key);
      if (!s) return reply.code(401).send({ error: 'unauthorized', message: 'not the admin key' });
      reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}${secure(req)}`,
      );
      return { csrf: s.csrf };
    }),
  );
  app.get('/admin/v1/session', async (req) => {
    const s = auth.session(cookieValue(req.headers.cookie, SESSION_COOKIE));
    return { csrf: s?.csrf ?? null };
  });
  app.delete('/admin/v1/session', async (req, reply) => {
    auth.logout(cookieValue(req.headers.cookie, SESSION_COOKIE));
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return { ok: true };
  });

  app.get(
    '/admin/v1/metrics',
    guarded(async (req) => {
      const window = windowOf((req.query as { window?: unknown }).window);
      return { window, intervalMs: sampler.intervalMs, points: sampler.window(window) };
    }),
  );
  // Server-sent events: the window's points at once (`snapshot`), then each new sample (`point`).
  app.get(
    '/admin/v1/metrics/stream',
    guarded(async (req, reply) => {
      const window = windowOf((req.query as { window?: unknown }).window);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      const send = (event: string, data: unknown) =>
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('snapshot', { window, intervalMs: sampler.intervalMs, points: sampler.window(window) });
      const off = sampler.subscribe((p) => send('point', p));
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      ping.unref();
      req.raw.on('close', () => {
        off();
        clearInterval(ping);
      });
    }),
  );

  app.get('/admin/v1/stream', async () => backend.streamStatus());
  app.post(
    '/admin/v1/stream/rewind',
    guarded(async (req) => {
      const b = (req.body ?? {}) as { group?: unknown; from?: unknown; confirm?: unknown };
      const group = str(b.group, 'group') as string;
      const from = time(b.from, 'from');
      if (b.confirm !== true) return { done: false, plan: await backend.planRewind(group, from) };
      return { done: true, plan: await backend.rewind(group, from) };
    }),
  );

  app.get(
    '/admin/v1/messages',
    guarded(async (req) => {
      const q = req.query as Record<string, unknown>;
      const num = (v: unknown, what: string) =>
        v === undefined || v === '' ? undefined : int(v, what, 0, Number.MAX_SAFE_INTEGER, 0);
      const shard = num(q.shard, 'shard');
      const seq = num(q.seq, 'seq');
      const from = q.from === undefined || q.from === '' ? undefined : time(q.from, 'from');
      const id = str(q.id, 'id', false);
      const market = str(q.market, 'market', false);
      const vendor = str(q.vendor, 'vendor', false);
      return backend.messages({
        ...(shard !== undefined ? { shard } : {}),
        ...(seq !== undefined ? { seq } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(id ? { id } : {}),
        ...(market ? { market } : {}),
        ...(vendor ? { vendor } : {}),
        limit: int(q.limit, 'limit', 1, 500, 50),
      });
    }),
  );

  app.get(
    '/admin/v1/dead-letters',
    guarded(async (req) => ({ deadLetters: await backend.deadLetters(deadLetterFilter(req)) })),
  );
  app.get(
    '/admin/v1/dead-letters/counts',
    guarded(async (req) => {
      const bucket = (req.query as { bucket?: string }).bucket ?? 'hour';
      if (!BUCKETS.includes(bucket as DeadLetterBucket))
        throw new ConsoleInputError(`bucket must be one of ${BUCKETS.join(', ')}`);
      return backend.deadLetterCounts(deadLetterFilter(req), bucket as DeadLetterBucket);
    }),
  );
  // Re-drive of a filtered set: the filter in the body, each one's outcome in the answer.
  app.post(
    '/admin/v1/dead-letters/redrive',
    guarded(async (req) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const f = {
        vendor: str(b.vendor, 'vendor', false),
        stage: str(b.stage, 'stage', false),
        reason: str(b.reason, 'reason', false),
        limit: int(b.limit, 'limit', 1, REDRIVE_MAX, REDRIVE_MAX),
      };
      return { outcomes: await backend.redriveAll(f) };
    }),
  );
  app.get('/admin/v1/dead-letters/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const d = await backend.deadLetter(id);
    return d ?? reply.code(404).send({ error: 'not_found', message: `no dead letter ${id}` });
  });
  app.post('/admin/v1/dead-letters/:id/redrive', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const r = await backend.redrive(id);
    return r ?? reply.code(404).send({ error: 'not_found', message: `no dead letter ${id}` });
  });

  app.get('/admin/v1/lake/tables', async () => ({ tables: await backend.lakeTables() }));
  app.get('/admin/v1/lake/state', async () => ({ tables: await backend.lakeState() }));
  app.post(
    '/admin/v1/lake/sql',
    guarded(async (req) => {
      const sql = str((req.body as { sql?: unknown } | undefined)?.sql, 'sql') as string;
      return backend.sql(sql, SQL_MAX_ROWS);
    }),
  );

  // A download: a GET, so the page links it (read-only, like every GET of the admin API).
  app.get(
    '/admin/v1/lake/export',
    guarded(async (req, reply) => {
      const q = req.query as Record<string, unknown>;
      const sql = str(q.sql, 'sql') as string;
      const format = (str(q.format, 'format', false) ?? 'csv') as 'csv' | 'parquet';
      if (format !== 'csv' && format !== 'parquet')
        throw new ConsoleInputError(`format must be csv or parquet (got "${format}")`);
      const body = await backend.exportSql(sql, format);
      return reply
        .header(
          'content-type',
          format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet',
        )
        .header('content-disposition', `attachment; filename="result.${format}"`)
        .send(body);
    }),
  );

  app.get('/admin/v1/etl/jobs', async () => ({ jobs: await backend.etlJobs() }));
  app.get('/admin/v1/etl/tables', async () => ({ tables: await backend.etlTables() }));
  app.get(
    '/admin/v1/etl/runs',
    guarded(async (req) => {
      const q = req.query as Record<string, unknown>;
      const limit = q.limit === undefined ? 50 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new ConsoleInputError('limit must be an integer from 1 to 1000');
      return { runs: await backend.etlRuns(str(q.job, 'job', false), limit) };
    }),
  );

  app.get('/admin/v1/customers', async () => ({ customers: await backend.customers() }));
  app.post(
    '/admin/v1/customers',
    guarded(async (req) => {
      const name = str((req.body as { name?: unknown } | undefined)?.name, 'name') as string;
      return { name, key: await backend.addCustomer(name) };
    }),
  );
  app.post(
    '/admin/v1/customers/:name/key',
    guarded(async (req) => {
      const name = (req.params as { name: string }).name;
      return { name, key: await backend.rotateKey(name) };
    }),
  );
  app.post(
    '/admin/v1/customers/:name/grants',
    guarded(async (req) => {
      const name = (req.params as { name: string }).name;
      const b = (req.body ?? {}) as Record<string, unknown>;
      const pond = str(b.pond, 'pond') as string;
      const markets = list(b.markets, 'markets');
      const pos = list(b.pos, 'pos');
      await backend.grant(name, { pond, ...(markets ? { markets } : {}), ...(pos ? { pos } : {}) });
      return { ok: true };
    }),
  );
  app.delete(
    '/admin/v1/customers/:name/grants/:pond',
    guarded(async (req, reply) => {
      const { name, pond } = req.params as { name: string; pond: string };
      if (!(await backend.revoke(name, pond)))
        return reply
          .code(404)
          .send({ error: 'not_found', message: `customer ${name} has no grant of pond ${pond}` });
      return { ok: true };
    }),
  );
  registerOperatorRoutes(app, backend);
}
