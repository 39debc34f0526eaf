import type { ExtraOperation } from '../api/openapi.js';

const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});
const body = (properties: Record<string, unknown>, required: string[]) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', properties, required } } },
});
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
        '200': json('OK'),
        '400': json('Bad input, with a message naming it'),
        '401': json('No admin key or session'),
        '403': json('A session without its X-CSRF-Token on a state-changing request'),
      },
      ...extra,
    },
  };
}

/**
 * The admin API of the Console (console-routes.ts) for the OpenAPI document: the same
 * routes the Console page calls, with `Authorization: Bearer <admin key>` for scripts.
 */
export const CONSOLE_OPERATIONS: readonly ExtraOperation[] = [
  op(
    '/admin/v1/session',
    'post',
    'adminLogin',
    'Log in to the Console: sets the session cookie, returns the CSRF token',
    {
      requestBody: body({ key: { type: 'string' } }, ['key']),
    },
  ),
  op('/admin/v1/session', 'delete', 'adminLogout', 'Log out of the Console'),
  op(
    '/admin/v1/metrics',
    'get',
    'adminMetrics',
    'Overview time series of a window (15m, 6h, 24h, 7d)',
    {
      parameters: [query('window', '15m | 6h | 24h | 7d')],
    },
  ),
  op(
    '/admin/v1/metrics/stream',
    'get',
    'adminMetricsStream',
    'The same as server-sent events: `snapshot`, then a `point` per sample',
    {
      parameters: [query('window', '15m | 6h | 24h | 7d')],
    },
  ),
  op(
    '/admin/v1/stream',
    'get',
    'adminStream',
    'Shards, retention, oldest/newest record, lag per group and shard',
  ),
  op(
    '/admin/v1/stream/rewind',
    'post',
    'adminRewind',
    'Rewind a consumer group to a time: without `confirm: true` only states what would be re-read',
    {
      requestBody: body(
        {
          group: { type: 'string' },
          from: { type: 'string', description: 'ISO 8601, epoch ms, or relative: -30m, -2h' },
          confirm: { type: 'boolean' },
        },
        ['group', 'from'],
      ),
    },
  ),
  op(
    '/admin/v1/messages',
    'get',
    'adminMessages',
    'Browse the shopping stream: records decoded from Avro to JSON with their offers',
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
      parameters: [path('id')],
    },
  ),
  op(
    '/admin/v1/dead-letters/{id}/redrive',
    'post',
    'adminRedrive',
    "Post a dead letter's payload through ingest again; returns ingest's answer",
    {
      parameters: [path('id')],
    },
  ),
  op(
    '/admin/v1/lake/tables',
    'get',
    'adminLakeTables',
    'Lake tables: schema versions and partitions (from the catalog)',
  ),
  op(
    '/admin/v1/lake/state',
    'get',
    'adminLakeState',
    'Compaction and lifecycle state per lake table: files, small vs compacted, superseded files, days the lifecycle would archive or delete',
  ),
  op('/admin/v1/lake/sql', 'post', 'adminLakeSql', 'SQL over the lake (at most 1000 rows)', {
    requestBody: body({ sql: { type: 'string' } }, ['sql']),
  }),
  op(
    '/admin/v1/lake/export',
    'get',
    'adminLakeExport',
    'The whole result of a lake SQL statement as a CSV or Parquet download',
    {
      parameters: [
        { ...query('sql', 'the statement'), required: true },
        query('format', 'csv (default) | parquet'),
      ],
    },
  ),
  op('/admin/v1/etl/jobs', 'get', 'adminEtlJobs', 'ETL jobs with schedule, last run and failures'),
  op('/admin/v1/etl/runs', 'get', 'adminEtlRuns', 'ETL run history', {
    parameters: [query('job', 'job name'), query('limit', '1..1000, default 50')],
  }),
  op('/admin/v1/customers', 'get', 'adminCustomers', 'Customers with their grants and jobs'),
  op(
    '/admin/v1/customers',
    'post',
    'adminAddCustomer',
    'Add a customer; its API key is in the answer, once',
    {
      requestBody: body({ name: { type: 'string' } }, ['name']),
    },
  ),
  op(
    '/admin/v1/customers/{name}/key',
    'post',
    'adminRotateKey',
    "Rotate a customer's API key: the new key is in the answer, once; the old one stops working",
    { parameters: [path('name')] },
  ),
  op(
    '/admin/v1/customers/{name}/grants',
    'post',
    'adminGrant',
    'Grant a pond, optionally narrowed to markets and points of sale',
    {
      parameters: [path('name')],
      requestBody: body(
        {
          pond: { type: 'string' },
          markets: { type: 'array', items: { type: 'string' } },
          pos: { type: 'array', items: { type: 'string' } },
        },
        ['pond'],
      ),
    },
  ),
  op('/admin/v1/customers/{name}/grants/{pond}', 'delete', 'adminRevoke', 'Revoke a pond', {
    parameters: [path('name'), path('pond')],
  }),
  op(
    '/admin/v1/customers/{name}',
    'delete',
    'adminRemoveCustomer',
    'Delete a customer with its grants, jobs and pond slices',
    {
      parameters: [path('name')],
    },
  ),
  op(
    '/admin/v1/customers/{name}/jobs',
    'post',
    'adminPutCustomerJob',
    "Add or replace a customer job: the customer's SQL over its ponds as table `name`",
    {
      parameters: [path('name')],
      requestBody: body(
        {
          name: { type: 'string', description: 'table name' },
          sql: { type: 'string' },
          schedule: { type: 'string', description: 'cron (UTC), default hourly' },
        },
        ['name', 'sql'],
      ),
    },
  ),
  op(
    '/admin/v1/customers/{name}/jobs/{job}',
    'delete',
    'adminRemoveCustomerJob',
    'Remove a customer job (its table stays)',
    {
      parameters: [path('name'), path('job')],
    },
  ),
  op(
    '/admin/v1/etl/operations',
    'post',
    'adminStartEtl',
    'Start a run of a job now, or a backfill of a pond over days (from and to); answers 202 with the operation to watch',
    {
      requestBody: body(
        {
          job: { type: 'string', description: 'pond job, or customer:<customer>/<table>' },
          from: { type: 'string', description: 'backfill: first day, YYYY-MM-DD' },
          to: { type: 'string', description: 'backfill: last day, YYYY-MM-DD' },
        },
        ['job'],
      ),
    },
  ),
  op(
    '/admin/v1/etl/operations',
    'get',
    'adminEtlOperations',
    'ETL runs and backfills started through the admin API, newest first, with their progress',
  ),
  op(
    '/admin/v1/etl/operations/{id}',
    'get',
    'adminEtlOperation',
    'One ETL operation: steps done of total, rows, status, error',
    {
      parameters: [path('id')],
    },
  ),
  op(
    '/admin/v1/graph/export',
    'get',
    'adminGraphExport',
    'The route graph as openCypher load CSV (airports.csv and routes.csv in one JSON answer)',
    {
      parameters: [query('currency', 'currency of the edge fares, default USD')],
    },
  ),
];
