import type { ExtraOperation } from './openapi.js';

const sqlError = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** The OpenAPI operation of `POST /v1/sql` (the API's document lists it when the route is served). */
export const SQL_OPERATION: ExtraOperation = {
  path: '/v1/sql',
  method: 'post',
  operation: {
    operationId: 'runSql',
    summary: 'SQL over the ponds granted to a customer',
    description:
      'One read-only statement over the relations the customer is granted (as on the wire endpoint); JSON `{columns, rows}`, or CSV with `?format=csv` or `Accept: text/csv`. Authenticates customers (`faresight customers add NAME`), not API keys.',
    tags: ['sql'],
    parameters: [
      {
        name: 'format',
        in: 'query',
        required: false,
        schema: { type: 'string', enum: ['json', 'csv'] },
      },
    ],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: { type: 'object', required: ['sql'], properties: { sql: { type: 'string' } } },
          example: { sql: 'SELECT count(*) AS n FROM market_demand_daily' },
        },
        'text/plain': { schema: { type: 'string' }, example: 'SELECT 1 AS one' },
      },
    },
    responses: {
      '200': {
        description: 'The result',
        content: {
          'application/json': {
            example: { columns: [{ name: 'n', type: 'BIGINT' }], rows: [{ n: 1284 }] },
          },
          'text/csv': { example: 'n\n1284\n' },
        },
      },
      '400': sqlError('No statement, or one the customer may not run (the body says why)'),
      '401': sqlError('Missing or unknown customer key'),
      '429': sqlError('Over the per-customer rate (see Retry-After)'),
    },
    security: [{ bearer: [] }, { apiKey: [] }],
  },
};

/** The OpenAPI operation of `GET /v1/me` (served with `POST /v1/sql`). */
export const ME_OPERATION: ExtraOperation = {
  path: '/v1/me',
  method: 'get',
  operation: {
    operationId: 'whoAmI',
    summary: 'The customer of the key and its grants',
    description:
      'The customer the key belongs to and the ponds granted to it, each with its market and point-of-sale narrowing when it has one. Authenticates customers, as `POST /v1/sql`.',
    tags: ['sql'],
    responses: {
      '200': {
        description: 'The customer and its grants',
        content: {
          'application/json': {
            example: {
              customer: 'acme',
              grants: [{ pond: 'fare_trends', markets: ['JFK-LAX'] }, { pond: 'carrier_share' }],
            },
          },
        },
      },
      '401': sqlError('Missing or unknown customer key'),
      '429': sqlError('Over the per-customer rate (see Retry-After)'),
    },
    security: [{ bearer: [] }, { apiKey: [] }],
  },
};
