import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseQuery } from './parse-query.js';

/** The query of a route that takes none: any parameter is unknown (400 naming it). */
const NO_QUERY = z.object({}).strict();

/**
 * One API operation: the single description from which the route is registered, its
 * input validated, and its OpenAPI entry generated (openapi.ts), so the three cannot drift.
 */
export interface RouteSpec<Q extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType> {
  /** OpenAPI path template: `/v1/markets/{origin}-{destination}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tag: string;
  /** Query parameters (a strict object schema); absent: the route refuses any. */
  readonly query?: Q;
  /** Path parameters (a strict object schema). */
  readonly params?: P;
  /** Behind API keys (when any is configured). */
  readonly secured: boolean;
  /** Whether answers carry ETag and Cache-Control. */
  readonly cacheable: boolean;
  /** An answer, shown in the OpenAPI document (route-examples.ts). */
  readonly example: unknown;
}

/** What a handler receives: validated input. */
export interface RouteInput<Q extends z.ZodType, P extends z.ZodType> {
  query: z.output<Q>;
  params: z.output<P>;
  req: FastifyRequest;
  reply: FastifyReply;
}

/** Fastify's form of an OpenAPI path template (`{x}` to `:x`). */
export function fastifyPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** The routes of one API instance, in registration order (for the OpenAPI document). */
export class RouteTable {
  readonly specs: RouteSpec[] = [];

  constructor(private readonly app: FastifyInstance) {}

  /** Registers `GET spec.path`, validating query and path parameters before `handler`. */
  get<Q extends z.ZodType, P extends z.ZodType>(
    spec: RouteSpec<Q, P>,
    handler: (input: RouteInput<Q, P>) => Promise<unknown>,
  ): void {
    this.specs.push(spec as unknown as RouteSpec);
    this.app.get(fastifyPath(spec.path), { config: { spec } }, async (req, reply) => {
      const query = parseQuery(spec.query ?? NO_QUERY, req.query) as z.output<Q>;
      const params = spec.params ? parseQuery(spec.params, req.params) : ({} as z.output<P>);
      return handler({ query, params, req, reply });
    });
  }
}
