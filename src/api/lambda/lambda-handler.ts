/**
 * Serves the API from AWS Lambda behind API Gateway: turns a REST API (payload v1) or HTTP
 * API (payload v2) proxy event into a request injected into the same Fastify app
 * (`app.inject`, no socket), and the answer into the matching result shape.
 */
import type { FastifyInstance } from 'fastify';

/** The parts of an API Gateway REST API (v1) proxy event the handler reads. */
export interface ApiGatewayV1Event {
  version?: '1.0';
  httpMethod: string;
  path: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** The parts of an API Gateway HTTP API (v2) event the handler reads. */
export interface ApiGatewayV2Event {
  version: '2.0';
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  cookies?: string[];
  requestContext: { http: { method: string } };
  body?: string;
  isBase64Encoded?: boolean;
}

export type ApiGatewayEvent = ApiGatewayV1Event | ApiGatewayV2Event;

/** The proxy result (both payload versions accept this shape; v1 also gets multiValueHeaders). */
export interface ApiGatewayResult {
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

function isV2(e: ApiGatewayEvent): e is ApiGatewayV2Event {
  return (e as ApiGatewayV2Event).version === '2.0';
}

function lowerHeaders(
  h: Record<string, string | undefined> | null | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

function v1Url(e: ApiGatewayV1Event): string {
  const qs = new URLSearchParams();
  if (e.multiValueQueryStringParameters) {
    for (const [k, vs] of Object.entries(e.multiValueQueryStringParameters))
      for (const v of vs ?? []) qs.append(k, v);
  } else {
    for (const [k, v] of Object.entries(e.queryStringParameters ?? {}))
      if (v !== undefined) qs.append(k, v);
  }
  const q = qs.toString();
  return q ? `${e.path}?${q}` : e.path;
}

const TEXT = /^(?:text\/|application\/(?:json|xml|javascript)|[^;]*\+json)/;

/**
 * Returns a Lambda handler serving `app` (or the app `app()` resolves to, built once on
 * the first event and reused while the Lambda container lives). Text answers are sent as
 * is, others base64-encoded.
 */
export function createLambdaHandler(
  app: FastifyInstance | (() => Promise<FastifyInstance>),
): (event: ApiGatewayEvent) => Promise<ApiGatewayResult> {
  let ready: Promise<FastifyInstance> | undefined;
  const instance = () => {
    ready ??= (async () => {
      const a = typeof app === 'function' ? await app() : app;
      await a.ready();
      return a;
    })();
    return ready;
  };
  return async (event) => {
    const a = await instance();
    const v2 = isV2(event);
    const headers = lowerHeaders(event.headers);
    if (v2 && event.cookies?.length) headers.cookie = event.cookies.join('; ');
    if (!v2 && event.multiValueHeaders) {
      for (const [k, vs] of Object.entries(event.multiValueHeaders))
        if (vs?.length) headers[k.toLowerCase()] = vs.join(', ');
    }
    const body = event.body
      ? event.isBase64Encoded
        ? Buffer.from(event.body, 'base64')
        : event.body
      : undefined;
    const res = await a.inject({
      method: (v2 ? event.requestContext.http.method : event.httpMethod) as 'GET',
      url: v2
        ? event.rawQueryString
          ? `${event.rawPath}?${event.rawQueryString}`
          : event.rawPath
        : v1Url(event),
      headers,
      ...(body !== undefined ? { payload: body } : {}),
    });
    const out: Record<string, string> = {};
    const multi: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      const list = Array.isArray(v) ? v.map(String) : [String(v)];
      out[k] = list.join(', ');
      multi[k] = list;
    }
    const type = String(res.headers['content-type'] ?? '');
    const text = type === '' || TEXT.test(type);
    return {
      statusCode: res.statusCode,
      headers: out,
      ...(v2 ? {} : { multiValueHeaders: multi }),
      body: text ? res.body : res.rawPayload.toString('base64'),
      isBase64Encoded: !text,
    };
  };
}
