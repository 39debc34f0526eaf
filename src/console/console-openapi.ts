import type { ExtraOperation } from '../api/openapi.js';

const json = (description: string, example?: unknown) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' }, ...(example ? { example } : {}) } },
});
const body = (properties: Record<string, unknown>, required: string[], example: unknown) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', properties, required }, example } },
});
const badInput = { error: 'bad_request', message: 'limit must be an integer from 1 to 5000' };
const path = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const query = (name: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: { type: 'string' },
});
const security = [{ adminKey: [] }, { consoleSession: [] }];

function op(
  p: string,
  method: ExtraOperation['method'],
  operationId: string,
  summary: string,
  example: unknown,
  extra: Record<string, unknown> = {},
): ExtraOperation {
  return {
    path: p,
    method,
    operation: {
      operationId,
      summary,
      tags: ['admin'],
      security,
      responses: {
        '200': json('OK', example),
        '400': json('Bad input, with a message naming it', badInput),
        '401': json('No admin key or session'),
        '403': json('A session without its X-CSRF-Token on a state-changing request'),
      },
      ...extra,
    },
  };
}

const T = 1_780_000_000_000;
const deadLetter = {
  id: 'dl-4f2a',
  vendor: 'generic',
  stage: 'ingest',
  receivedAt: '2026-05-28T20:26:40.000Z',
  reasons: ['origin: not an IATA airport or city code'],
  contentType: 'application/json',
  payloadBytes: 412,
};
const etlOperation = {
  id: 'op-3',
  job: 'market_demand_daily',
  kind: 'backfill',
  from: '2026-05-26',
  to: '2026-05-28',
  total: 3,
  done: 3,
  rows: 3600,
  status: 'succeeded',
  step: null,
  message: 'market_demand_daily: 3 partitions, 3600 rows',
  error: null,
  startedAt: '2026-05-28T20:15:00.000Z',
  endedAt: '2026-05-28T20:15:09.000Z',
};
const page = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' }, example: '<!doctype html>...' } },
});

/** The Console's page and files, outside the admin key (the page logs in itself). */
const PAGES: readonly ExtraOperation[] = [
  {
    path: '/console',
    method: 'get',
    operation: {
      operationId: 'consoleRedirect',
      summary: 'Redirects to /console/',
      tags: ['console'],
      responses: {
        '302': {
          description: 'To /console/',
          content: { 'text/plain': { schema: { type: 'string' }, example: '' } },
        },
      },
    },
  },
  {
    path: '/console/',
    method: 'get',
    operation: {
      operationId: 'consolePage',
      summary: 'The Console (log in with the admin key)',
      tags: ['console'],
      responses: { '200': page('The Console page') },
    },
  },
  {
    path: '/console/{file}',
    method: 'get',
    operation: {
      operationId: 'consoleAsset',
      summary: "One of the Console page's files (scripts, styles)",
      tags: ['console'],
      parameters: [{ ...path('file'), example: 'app.js' }],
      responses: {
        '200': {
          description: 'The file',
          content: { 'text/javascript': { schema: { type: 'string' }, example: 'import ...' } },
        },
        '404': json('No such file', { error: 'not_found', message: 'no Console asset x.js' }),
      },
    },
  },
  {
    path: '/console/customer/',
    method: 'get',
    operation: {
      operationId: 'consoleCustomerPage',
      summary: "The Console's customer area (log in with a customer's API key)",
      tags: ['console'],
      responses: { '200': page('The customer area') },
    },
  },
  asset(
    '/console/customer/{file}',
    'consoleCustomerAsset',
    "One of the customer area's files",
    'market.js',
  ),
  asset(
    '/console/vendor/{file}',
    'consoleVendorAsset',
    'A front-end library the Console uses (uPlot, Preact, htm), served from the installed package',
    'uPlot.esm.js',
  ),
];

function asset(p: string, operationId: string, summary: string, file: string): ExtraOperation {
  return {
    path: p,
    method: 'get',
    operation: {
      operationId,
      summary,
      tags: ['console'],
      parameters: [{ ...path('file'), example: file }],
      responses: {
        '200': {
          description: 'The file',
          content: { 'text/javascript': { schema: { type: 'string' }, example: 'import ...' } },
        },
        '404': json('No such file', { error: 'not_found', message: `no Console asset ${file}x` }),
      },
    },
  };
}

/**
 * The admin API of the Console (console-routes.ts) for the OpenAPI document: the same
 * routes the Console page calls, with `Authorization: Bearer <admin key>` for scripts;
 * and the Console's page itself.
 */
export const CONSOLE_OPERATIONS: readonly ExtraOperation[] = [
  ...PAGES,
  op(
    '/admin/v1/session',
    'post',
    'adminLogin',
    'Log in to the Console: sets the session cookie, returns the CSRF token',
    { csrf: 'q3Jx...' },
    { requestBody: body({ key: { type: 'string' } }, ['key'], { key: '<admin key>' }) },
  ),
  op(
    '/admin/v1/session',
    'get',
    'adminSession',
    "The CSRF token of the request's session cookie (null without a session)",
    { csrf: 'q3Jx...' },
  ),
  op('/admin/v1/session', 'delete', 'adminLogout', 'Log out of the Console', { ok: true }),
  op(
    '/admin/v1/metrics',
    'get',
    'adminMetrics',
    'Overview time series of a window (15m, 6h, 24h, 7d)',
    { window: '15m', intervalMs: 2000, points: [{ t: T, v: { ingestRecordsPerSecond: 50 } }] },
    { parameters: [query('window', '15m | 6h | 24h | 7d')] },
  ),
  {
    path: '/admin/v1/metrics/stream',
    method: 'get',
    operation: {
      operationId: 'adminMetricsStream',
      summary: 'The same as server-sent events: `snapshot`, then a `point` per sample',
      tags: ['admin'],
      security,
      parameters: [query('window', '15m | 6h | 24h | 7d')],
      responses: {
        '200': {
          description: 'Server-sent events',
          content: {
            'text/event-stream': {
              schema: { type: 'string' },
              example: `event: snapshot\ndata: {"window":"15m","intervalMs":2000,"points":[]}\n\nevent: point\ndata: {"t":${T},"v":{"ingestRecordsPerSecond":50}}\n\n`,
            },
          },
        },
        '401': json('No admin key or session'),
      },
    },
  },
  op(
    '/admin/v1/stream',
    'get',
    'adminStream',
    'Shards, retention, oldest/newest record, lag per group and shard',
    {
      name: 'shopping',
      backend: 'embedded',
      shards: 4,
      retentionMs: 86_400_000,
      records: 182_000,
      oldestTimestamp: T - 3_600_000,
      newestTimestamp: T,
      groups: ['lake', 'rt-serving'],
      lag: [{ group: 'lake', shard: 0, records: 12, oldestAgeMs: 800 }],
    },
  ),
  op(
    '/admin/v1/stream/rewind',
    'post',
    'adminRewind',
    'Rewind a consumer group to a time: without `confirm: true` only states what would be re-read',
    {
      done: false,
      plan: { group: 'rt-serving', from: T - 1_800_000, to: T, estimatedRecords: 90_000 },
    },
    {
      requestBody: body(
        {
          group: { type: 'string' },
          from: { type: 'string', description: 'ISO 8601, epoch ms, or relative: -30m, -2h' },
          confirm: { type: 'boolean' },
        },
        ['group', 'from'],
        { group: 'rt-serving', from: '-30m' },
      ),
    },
  ),
  op(
    '/admin/v1/messages',
    'get',
    'adminMessages',
    'Browse the shopping stream: records decoded from Avro to JSON with their offers',
    {
      messages: [
        {
          shard: 0,
          seq: 1812,
          key: 'JFK-LAX',
          id: 'r-1',
          timestamp: '2026-05-28T20:26:40.000Z',
          bytes: 3810,
          record: { id: 'r-1', vendor: 'generic', origin: 'JFK', destination: 'LAX', offers: [] },
          error: null,
        },
      ],
      scanned: 40,
      next: { shard: 0, seq: 1813 },
      scanLimited: false,
    },
    {
      parameters: [
        query('shard', 'one shard (default every shard)'),
        query('seq', 'first sequence on the shard'),
        query('from', 'first record time: ISO 8601, epoch ms, or -30m / -2h'),
        query('id', "the vendor's record id"),
        query('market', 'ORIGIN-DESTINATION (reads only its shard)'),
        query('vendor', 'vendor'),
        query('limit', '1..500, default 50'),
      ],
    },
  ),
  op(
    '/admin/v1/dead-letters',
    'get',
    'adminDeadLetters',
    'Dead letters of the lake, newest first, filtered',
    { deadLetters: [deadLetter] },
    {
      parameters: [
        query('vendor', 'vendor'),
        query('stage', 'ingest or a consumer stage'),
        query('reason', 'substring of a reason'),
        query('limit', '1..5000, default 200'),
      ],
    },
  ),
  op(
    '/admin/v1/dead-letters/counts',
    'get',
    'adminDeadLetterCounts',
    'Dead letters per vendor and time bucket (minute, hour, day), filtered like the list',
    { bucket: 'hour', points: [{ t: '2026-05-28T20:00:00.000Z', vendor: 'generic', n: 3 }] },
    {
      parameters: [
        query('bucket', 'minute | hour | day, default hour'),
        query('vendor', 'vendor'),
        query('stage', 'stage'),
        query('reason', 'substring of a reason'),
      ],
    },
  ),
  op(
    '/admin/v1/dead-letters/redrive',
    'post',
    'adminRedriveAll',
    "Re-drive every dead letter of a filter (newest first, at most 500) through ingest; each one's outcome",
    {
      outcomes: [
        {
          id: 'dl-4f2a',
          status: 202,
          accepted: 1,
          rejected: 0,
          body: { accepted: 1, duplicates: 0, offers: 1, rejected: [] },
        },
      ],
    },
    {
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                vendor: { type: 'string' },
                stage: { type: 'string' },
                reason: { type: 'string' },
                limit: { type: 'integer' },
              },
            },
            example: { vendor: 'generic', reason: 'skew', limit: 100 },
          },
        },
      },
    },
  ),
  op(
    '/admin/v1/dead-letters/{id}',
    'get',
    'adminDeadLetter',
    'One dead letter with its reasons and raw payload',
    {
      ...deadLetter,
      payload: '{"origin":"XX1", ...}',
      payloadEncoding: 'utf8',
      payloadObject: null,
      payloadSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      requestId: 'req-17',
    },
    { parameters: [path('id')] },
  ),
  op(
    '/admin/v1/dead-letters/{id}/redrive',
    'post',
    'adminRedrive',
    "Post a dead letter's payload through ingest again; returns ingest's answer",
    {
      id: 'dl-4f2a',
      status: 202,
      accepted: 1,
      rejected: 0,
      body: { accepted: 1, duplicates: 0, offers: 1, rejected: [] },
    },
    { parameters: [path('id')] },
  ),
  op(
    '/admin/v1/lake/tables',
    'get',
    'adminLakeTables',
    'Lake tables: schema versions and partitions (from the catalog)',
    {
      tables: [
        {
          name: 'searches',
          location: 'searches/',
          partitionKeys: ['vendor', 'dt', 'hour'],
          versions: [
            { version: 1, since: '2026-05-28', columns: [{ name: 'id', type: 'VARCHAR' }] },
          ],
          partitions: ['vendor=generic/dt=2026-05-28/hour=20'],
        },
      ],
    },
  ),
  op(
    '/admin/v1/lake/state',
    'get',
    'adminLakeState',
    'Compaction and lifecycle state per lake table: files, small vs compacted, superseded files, days the lifecycle would archive or delete',
    {
      tables: [
        {
          table: 'searches',
          partitions: 24,
          files: 42,
          bytes: 8_400_000,
          compactedFiles: 36,
          smallFiles: 6,
          compactedPartitions: 20,
          obsoleteFiles: 0,
          lifecycle: { toArchive: [], toDelete: [] },
        },
      ],
    },
  ),
  op(
    '/admin/v1/lake/export',
    'get',
    'adminLakeExport',
    'The whole result of a lake SQL statement as a CSV or Parquet download',
    'n\n182000\n',
    {
      parameters: [
        { ...query('sql', 'the statement'), required: true },
        query('format', 'csv (default) | parquet'),
      ],
    },
  ),
  op(
    '/admin/v1/lake/sql',
    'post',
    'adminLakeSql',
    'SQL over the lake (at most 1000 rows)',
    { columns: [{ name: 'n', type: 'BIGINT' }], rows: [{ n: 182000 }], truncated: false },
    {
      requestBody: body({ sql: { type: 'string' } }, ['sql'], {
        sql: 'SELECT count(*) AS n FROM searches',
      }),
    },
  ),
  op('/admin/v1/etl/jobs', 'get', 'adminEtlJobs', 'ETL jobs with schedule, last run and failures', {
    jobs: [
      {
        job: 'market_demand_daily',
        schedule: '*/15 * * * *',
        lastRun: null,
        lastSuccessAt: '2026-05-28T20:15:00.000Z',
        consecutiveFailures: 0,
      },
    ],
  }),
  op(
    '/admin/v1/etl/tables',
    'get',
    'adminEtlTables',
    'Ponds and customer tables built so far, with their columns (what `etl ddl` describes)',
    {
      tables: [
        {
          name: 'market_demand_daily',
          kind: 'pond',
          location: 'ponds/market_demand_daily',
          partitionColumn: 'day',
          columns: [
            { name: 'market', type: 'VARCHAR' },
            { name: 'searches', type: 'BIGINT' },
            { name: 'day', type: 'DATE' },
          ],
        },
      ],
    },
  ),
  op(
    '/admin/v1/etl/runs',
    'get',
    'adminEtlRuns',
    'ETL run history',
    {
      runs: [
        {
          id: 41,
          job: 'market_demand_daily',
          kind: 'scheduled',
          slot: '2026-05-28',
          attempt: 1,
          startedAt: '2026-05-28T20:15:00.000Z',
          endedAt: '2026-05-28T20:15:02.000Z',
          status: 'succeeded',
          rowsOut: 1200,
          bytesOut: 48_000,
          error: null,
        },
      ],
    },
    { parameters: [query('job', 'job name'), query('limit', '1..1000, default 50')] },
  ),
  op('/admin/v1/customers', 'get', 'adminCustomers', 'Customers with their grants and jobs', {
    customers: [
      {
        name: 'acme',
        createdAt: '2026-05-28T20:00:00.000Z',
        grants: [{ pond: 'market_demand_daily', markets: ['JFK-LAX'] }],
        jobs: [],
      },
    ],
  }),
  op(
    '/admin/v1/customers',
    'post',
    'adminAddCustomer',
    'Add a customer; its API key is in the answer, once',
    { name: 'acme', key: 'fsk_...' },
    { requestBody: body({ name: { type: 'string' } }, ['name'], { name: 'acme' }) },
  ),
  op(
    '/admin/v1/customers/{name}/key',
    'post',
    'adminRotateKey',
    "Rotate a customer's API key: the new key is in the answer, once; the old one stops working",
    { name: 'acme', key: 'fsk_...' },
    { parameters: [path('name')] },
  ),
  op(
    '/admin/v1/customers/{name}/grants',
    'post',
    'adminGrant',
    'Grant a pond, optionally narrowed to markets and points of sale',
    { ok: true },
    {
      parameters: [path('name')],
      requestBody: body(
        {
          pond: { type: 'string' },
          markets: { type: 'array', items: { type: 'string' } },
          pos: { type: 'array', items: { type: 'string' } },
        },
        ['pond'],
        { pond: 'market_demand_daily', markets: ['JFK-LAX'] },
      ),
    },
  ),
  op(
    '/admin/v1/customers/{name}/grants/{pond}',
    'delete',
    'adminRevoke',
    'Revoke a pond',
    { ok: true },
    { parameters: [path('name'), path('pond')] },
  ),
  op(
    '/admin/v1/customers/{name}',
    'delete',
    'adminRemoveCustomer',
    'Delete a customer with its grants, jobs and pond slices',
    { ok: true },
    { parameters: [path('name')] },
  ),
  op(
    '/admin/v1/customers/{name}/jobs',
    'post',
    'adminPutCustomerJob',
    "Add or replace a customer job: the customer's SQL over its ponds as table `name`",
    { ok: true, job: 'customer:acme/daily_jfk' },
    {
      parameters: [path('name')],
      requestBody: body(
        {
          name: { type: 'string', description: 'table name' },
          sql: { type: 'string' },
          schedule: { type: 'string', description: 'cron (UTC), default hourly' },
        },
        ['name', 'sql'],
        { name: 'daily_jfk', sql: 'SELECT * FROM market_demand_daily', schedule: '0 * * * *' },
      ),
    },
  ),
  op(
    '/admin/v1/customers/{name}/jobs/{job}',
    'delete',
    'adminRemoveCustomerJob',
    'Remove a customer job (its table stays)',
    { ok: true },
    { parameters: [path('name'), path('job')] },
  ),
  op(
    '/admin/v1/etl/operations',
    'post',
    'adminStartEtl',
    'Start a run of a job now, or a backfill of a pond over days (from and to); answers 202 with the operation to watch',
    {
      ...etlOperation,
      done: 0,
      rows: 0,
      status: 'running',
      message: null,
      endedAt: null,
    },
    {
      requestBody: body(
        {
          job: { type: 'string', description: 'pond job, or customer:<customer>/<table>' },
          from: { type: 'string', description: 'backfill: first day, YYYY-MM-DD' },
          to: { type: 'string', description: 'backfill: last day, YYYY-MM-DD' },
        },
        ['job'],
        { job: 'market_demand_daily', from: '2026-05-26', to: '2026-05-28' },
      ),
    },
  ),
  op(
    '/admin/v1/etl/operations',
    'get',
    'adminEtlOperations',
    'ETL runs and backfills started through the admin API by any process on the row store (the latest 100, kept across restarts), newest first, with their progress; one whose process stopped before it finished is failed, saying so',
    { operations: [etlOperation] },
  ),
  op(
    '/admin/v1/etl/operations/{id}',
    'get',
    'adminEtlOperation',
    'One ETL operation: steps done of total, rows, status, error',
    etlOperation,
    { parameters: [path('id')] },
  ),
  op(
    '/admin/v1/graph/export',
    'get',
    'adminGraphExport',
    'The route graph as openCypher load CSV (airports.csv and routes.csv in one JSON answer)',
    {
      airports: 2,
      routes: 1,
      nodes: ':ID,iata,name\nJFK,JFK,John F Kennedy Intl\nLAX,LAX,Los Angeles Intl\n',
      edges: ':START_ID,:END_ID,fare\nJFK,LAX,129\n',
    },
    { parameters: [query('currency', 'currency of the edge fares, default USD')] },
  ),
];
