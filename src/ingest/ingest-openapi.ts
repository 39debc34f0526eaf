/**
 * The OpenAPI 3.1 description of the ingest process's routes (port 7070), served by ingest
 * at `/openapi.json` and merged into the API's document by the composition root, so one
 * document covers every route of every process. A test checks it against the routes the
 * ingest app really registers.
 */
import { searchRecord } from '../model/search-record.js';

import { OPENAPI_EXAMPLE, PROMETHEUS_EXAMPLE } from '../ops/openapi-examples.js';

/** One operation of the document: `paths[path][method] = operation`. */
export interface IngestOperation {
  path: string;
  method: 'get' | 'post';
  operation: Record<string, unknown>;
}

const error = (description: string, example: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example } },
});

/** The path of the one route vendors post to. */
export const INGEST_PATH = '/v1/ingest/{vendor}';

/**
 * A generic-format record, as `faresight generate` posts it (ingest sets `vendor` and
 * `receivedAt`, so they are left out).
 */
const {
  vendor: _vendor,
  receivedAt: _receivedAt,
  ...EXAMPLE_RECORD
} = searchRecord({
  id: 'rec-1',
  shoppedAt: '2026-12-01T10:00:00Z',
  origin: 'JFK',
  destination: 'LAX',
  departureDate: '2026-12-20',
  offers: [
    {
      carrier: 'AA',
      amount: 189.4,
      segment: { flightNumber: '1', departAt: '2026-12-20T08:00', arriveAt: '2026-12-20T11:25' },
    },
  ],
});

/**
 * The ingest routes. `servers` (default none) is set on each path so that, merged into
 * another process's document, the operations still point at the ingest port.
 */
export function ingestOperations(
  opts: { servers?: readonly { url: string }[] } = {},
): IngestOperation[] {
  const servers = opts.servers ? { servers: opts.servers } : {};
  const ops: IngestOperation[] = [
    {
      path: INGEST_PATH,
      method: 'post',
      operation: {
        operationId: 'ingest',
        summary: 'Post one vendor payload of shopping results',
        description:
          'The body is the vendor format of the route (sabre, amadeus, travelport, duffel, kiwi, or generic: ' +
          'the common record as JSON, an array or NDJSON), optionally gzip/deflate/br encoded. 202 means ' +
          'every accepted record is durable in the stream; refused records are counted, dead-lettered ' +
          'and listed in `rejected`. With vendor secrets configured, the Bearer token must be the ' +
          "route's vendor's. Headers X-Shopped-At and X-Point-Of-Sale fill fields the payload lacks.",
        tags: ['ingest'],
        ...servers,
        parameters: [
          {
            name: 'vendor',
            in: 'path',
            required: true,
            schema: {
              type: 'string',
              enum: ['generic', 'sabre', 'amadeus', 'travelport', 'duffel', 'kiwi'],
            },
          },
          {
            name: 'X-Shopped-At',
            in: 'header',
            required: false,
            schema: { type: 'string', format: 'date-time' },
          },
          { name: 'X-Point-Of-Sale', in: 'header', required: false, schema: { type: 'string' } },
          { name: 'X-Request-Id', in: 'header', required: false, schema: { type: 'string' } },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { type: 'object' }, example: EXAMPLE_RECORD },
            'application/x-ndjson': { schema: { type: 'string' } },
            'application/xml': { schema: { type: 'string' } },
          },
        },
        security: [{ bearer: [] }, {}],
        responses: {
          '202': {
            description: 'Accepted: every accepted record is durable in the stream',
            content: {
              'application/json': {
                example: { accepted: 1, duplicates: 0, offers: 1, rejected: [] },
              },
            },
          },
          '400': error('Nothing in the payload could be accepted (the rejections say why)', {
            error: 'invalid_payload',
            message: 'no valid record in the payload: [0] origin: not an IATA airport or city code',
            accepted: 0,
            rejected: [{ index: 0, reason: 'origin: not an IATA airport or city code' }],
          }),
          '401': error('Missing or unknown vendor token', {
            error: 'unauthorized',
            message: 'missing bearer token',
          }),
          '403': error("The token is another vendor's", {
            error: 'forbidden',
            message: 'this token belongs to vendor "kiwi" and may post only to /v1/ingest/kiwi',
          }),
          '404': error('No adapter for this vendor', {
            error: 'unknown_vendor',
            message:
              'no ingest route for vendor "acme" (POST /v1/ingest/<vendor>; docs/vendors.md lists them)',
          }),
          '413': error('Body, decompressed body or record count over the limits', {
            error: 'body_too_large',
            message: 'the request body exceeds ingest.maxBodyBytes (10485760 bytes)',
          }),
          '415': error('Content type or encoding not accepted on this route', {
            error: 'unsupported_media_type',
            message: 'content-type "text/csv" is not accepted on /v1/ingest/generic',
          }),
          '429': error('Request rate of the vendor exceeded (see Retry-After)', {
            error: 'rate_limited',
            message: 'more than 1000 requests/s for vendor generic',
            retryAfterSeconds: 1,
          }),
          '503': error('The stream cannot take more now, nothing was accepted (see Retry-After)', {
            error: 'backpressure',
            message: 'stream is behind',
            retryAfterSeconds: 1,
          }),
        },
      },
    },
    {
      path: '/healthz',
      method: 'get',
      operation: {
        operationId: 'ingestHealth',
        summary: 'Liveness of the ingest process',
        tags: ['ingest operations'],
        ...servers,
        responses: {
          '200': {
            description: 'Up',
            content: { 'application/json': { example: { status: 'ok' } } },
          },
        },
      },
    },
    {
      path: '/readyz',
      method: 'get',
      operation: {
        operationId: 'ingestReady',
        summary: 'Readiness: 503 once the process is stopping (load balancers drain it)',
        tags: ['ingest operations'],
        ...servers,
        responses: {
          '200': {
            description: 'Ready',
            content: { 'application/json': { example: { status: 'ready' } } },
          },
          '503': {
            description: 'Stopping',
            content: { 'application/json': { example: { status: 'stopping' } } },
          },
        },
      },
    },
    {
      path: '/metrics',
      method: 'get',
      operation: {
        operationId: 'ingestMetrics',
        summary:
          'Prometheus metrics of ingest (requests, records, rejections, bytes, ack latency); under --workers N the sum of every worker',
        tags: ['ingest operations'],
        ...servers,
        responses: {
          '200': {
            description: 'Prometheus text format',
            content: { 'text/plain': { schema: { type: 'string' }, example: PROMETHEUS_EXAMPLE } },
          },
        },
      },
    },
    {
      path: '/openapi.json',
      method: 'get',
      operation: {
        operationId: 'ingestOpenapi',
        summary: "The ingest process's OpenAPI document",
        tags: ['ingest operations'],
        ...servers,
        responses: {
          '200': {
            description: 'OpenAPI 3.1',
            content: { 'application/json': { example: OPENAPI_EXAMPLE } },
          },
        },
      },
    },
  ];
  return ops;
}

/** The whole document the ingest process serves at `/openapi.json`. */
export function ingestOpenApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const o of ingestOperations()) paths[o.path] = { ...paths[o.path], [o.method]: o.operation };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Faresight ingest',
      version,
      description: 'Vendors post shopping results here; a 2xx means the records are durable.',
    },
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: { error: { type: 'string' }, message: { type: 'string' } },
        },
      },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'Authorization: Bearer <vendor secret>',
        },
      },
    },
  };
}
