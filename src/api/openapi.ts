/**
 * The OpenAPI 3.1 document of the API, generated from the RouteSpecs the routes were
 * registered with: their zod schemas become the parameters (z.toJSONSchema, input side),
 * so what is documented is what is validated.
 */
import { z } from 'zod';
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

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** Builds the document for `specs`; `keys` says whether API keys are enforced. */
export function openApiDocument(
  specs: readonly RouteSpec[],
  opts: { version: string; keys: boolean },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const s of specs) {
    const responses: Record<string, unknown> = {
      '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
      '400': errorResponse('A parameter is missing or invalid (the body names it)'),
    };
    if (s.cacheable)
      responses['304'] = { description: 'Not modified (If-None-Match matched the ETag)' };
    if (s.path.includes('{')) responses['404'] = errorResponse('Not found');
    if (s.secured) {
      responses['401'] = errorResponse('Missing or unknown API key');
      responses['403'] = errorResponse('The key may not use this route');
      responses['429'] = errorResponse('Rate limit of the key exceeded (see Retry-After)');
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
      },
    },
  };
}
