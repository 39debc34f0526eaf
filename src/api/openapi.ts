/**
 * The OpenAPI 3.1 document of the API, generated from the RouteSpecs the routes were
 * registered with: their zod schemas become the parameters (z.toJSONSchema, input side),
 * so what is documented is what is validated.
 */
import { z } from 'zod';
import { OPENAPI_EXAMPLE, PROMETHEUS_EXAMPLE } from '../ops/openapi-examples.js';
import type { RouteSpec } from './route-spec.js';

/** One OpenAPI parameter. */
export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path';
  required: boolean;
  schema: Record<string, unknown>;
}

type JsonSchema = {
  properties?: Record<string, Record<string, unknown>>;
  required?: string[];
};

function parameters(schema: z.ZodType | undefined, where: 'query' | 'path'): OpenApiParameter[] {
  if (!schema) return [];
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(js.required ?? []);
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: s,
  }));
}

/** An error answer with an example body as the API sends it (`example`: error and message). */
const errorResponse = (
  description: string,
  example: { error: string; message: string; field?: string },
) => ({
  description,
  content: {
    'application/json': { schema: { $ref: '#/components/schemas/Error' }, example },
  },
});

/**
 * A route served outside the RouteTable (POST /v1/sql, health, metrics, the document
 * itself), described by hand next to its registration.
 */
export interface ExtraOperation {
  path: string;
  method: 'get' | 'post' | 'delete';
  operation: Record<string, unknown>;
}

const text = (description: string, type: string, example: string) => ({
  description,
  content: { [type]: { schema: { type: 'string' }, example } },
});

/** The process's own routes beside the /v1 reads. */
export const OPS_OPERATIONS: readonly ExtraOperation[] = [
  {
    path: '/healthz',
    method: 'get',
    operation: {
      operationId: 'health',
      summary: 'Liveness and row-store reachability',
      tags: ['operations'],
      responses: {
        '200': {
          description: 'Up',
          content: { 'application/json': { example: { status: 'ok' } } },
        },
        '503': errorResponse('The row store cannot be reached', {
          error: 'unavailable',
          message:
            'row store: PostgreSQL at postgres@127.0.0.1:5432/faresight is not answering (connect ECONNREFUSED)',
        }),
      },
    },
  },
  {
    path: '/metrics',
    method: 'get',
    operation: {
      operationId: 'metrics',
      summary: 'Prometheus metrics (HTTP requests by route and status, process, event loop)',
      tags: ['operations'],
      responses: { '200': text('Prometheus text format', 'text/plain', PROMETHEUS_EXAMPLE) },
    },
  },
  {
    path: '/openapi.json',
    method: 'get',
    operation: {
      operationId: 'openapi',
      summary: 'This document',
      tags: ['operations'],
      responses: {
        '200': {
          description: 'OpenAPI 3.1',
          content: { 'application/json': { example: OPENAPI_EXAMPLE } },
        },
      },
    },
  },
  {
    path: '/docs',
    method: 'get',
    operation: {
      operationId: 'docs',
      summary:
        'This document in Swagger UI, with "Try it out" (served by this process, works offline)',
      tags: ['operations'],
      responses: {
        '200': text('HTML', 'text/html', '<!doctype html><title>Faresight API</title>...'),
      },
    },
  },
  {
    path: '/docs/{file}',
    method: 'get',
    operation: {
      operationId: 'docsFile',
      summary: "The /docs page's script and styles (Swagger UI's, from the installed package)",
      tags: ['operations'],
      parameters: [
        {
          name: 'file',
          in: 'path',
          required: true,
          schema: { type: 'string', enum: ['swagger-ui.css', 'swagger-ui-bundle.js', 'docs.js'] },
          example: 'docs.js',
        },
      ],
      responses: {
        '200': text('the file', 'text/javascript', 'window.ui = SwaggerUIBundle({ url: ... });'),
        '404': text(
          'no such file',
          'application/json',
          '{"error":"not_found","message":"no file x under /docs/"}',
        ),
      },
    },
  },
  {
    path: '/docs/',
    method: 'get',
    operation: {
      operationId: 'docsSlash',
      summary: 'Redirects to /docs (the page loads openapi.json relative to itself)',
      tags: ['operations'],
      responses: {
        '301': {
          description: 'Moved to /docs',
          headers: { location: { schema: { type: 'string' }, example: '../docs' } },
          content: { 'text/plain': { schema: { type: 'string' }, example: '' } },
        },
      },
    },
  },
];

/**
 * Builds the document for `specs` and `extra` operations; `keys` says whether API keys
 * are enforced.
 */
export function openApiDocument(
  specs: readonly RouteSpec[],
  opts: { version: string; keys: boolean; extra?: readonly ExtraOperation[] },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of opts.extra ?? []) paths[e.path] = { ...paths[e.path], [e.method]: e.operation };
  for (const s of specs) {
    const responses: Record<string, unknown> = {
      '200': {
        description: 'OK',
        content: { 'application/json': { schema: { type: 'object' }, example: s.example } },
      },
      '400': errorResponse('A parameter is missing or invalid (the body names it)', {
        error: 'bad_request',
        message: 'destination: must differ from origin',
        field: 'destination',
      }),
    };
    if (s.cacheable)
      responses['304'] = { description: 'Not modified (If-None-Match matched the ETag)' };
    if (s.path.includes('{'))
      responses['404'] = errorResponse('Not found', {
        error: 'not_found',
        message: 'no data for market JFK-LAX',
      });
    if (s.secured) {
      responses['401'] = errorResponse('Missing or unknown API key', {
        error: 'unauthorized',
        message: 'missing API key (Authorization: Bearer <key> or X-Api-Key: <key>)',
      });
      responses['403'] = errorResponse('The key may not use this route', {
        error: 'forbidden',
        message: 'key "partner" may not use /v1/fares/cheapest (allowed: /v1/markets)',
      });
      responses['429'] = errorResponse('Rate limit of the key exceeded (see Retry-After)', {
        error: 'too_many_requests',
        message: 'rate limit of key "partner" exceeded; retry in 120 ms',
      });
    }
    paths[s.path] = {
      get: {
        operationId: s.operationId,
        summary: s.summary,
        description: s.description,
        tags: [s.tag],
        parameters: [...parameters(s.params, 'path'), ...parameters(s.query, 'query')],
        responses,
        ...(s.secured && opts.keys ? { security: [{ bearer: [] }, { apiKey: [] }] } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Faresight API',
      version: opts.version,
      description:
        'Real-time airline shopping insights: cheapest fares, fare calendars, markets, and route-graph queries.',
    },
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: {
            error: { type: 'string' },
            message: { type: 'string' },
            field: { type: 'string' },
            issues: {
              type: 'array',
              items: {
                type: 'object',
                properties: { field: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        adminKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'Authorization: Bearer <admin key> (api.adminKeySha256), for the admin API',
        },
        consoleSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'faresight_console',
          description:
            'Console session from POST /admin/v1/session; state-changing requests also need X-CSRF-Token',
        },
      },
    },
  };
}
