/**
 * `POST /v1/ingest/:vendor` on node:http directly: ingest's hot path, served without the
 * framework's per-request work (routing tables, hooks, reply objects, content-type
 * parsers), which cost a third of a bare server's rate (`npm run bench -- ingest`). The
 * other routes stay on Fastify; ingest-server.ts sends this route here, both from its
 * own server and from Fastify's (for `inject`), so the two take the same code.
 *
 * Every request is decided from its headers before its body is read, in this order:
 * credentials (401), route (404, naming no other route), the token's vendor (403), rate
 * (429), content type (415); then the body limit (413, from Content-Length at once, else
 * while it arrives). Every answer, refusals included, is counted per vendor and reason.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IngestConfig } from '../config/config.js';
import type { ObjectStore } from '../lake/object-store/object-store.js';
import type { ValidationPolicy } from '../model/validation-policy.js';
import type { Logger } from '../ops/logger.js';
import type { RateLimiter } from '../ops/rate-limiter.js';
import type { Stream } from '../stream/stream.js';
import type { VendorAdapter } from '../vendors/vendor-adapter.js';
import { decodeBody } from './decode-body.js';
import { type ErrorAnswer, errorResponse } from './error-response.js';
import { BodyTooLargeError, RequestRefusedError } from './errors.js';
import { type IngestOutcome, ingestPayload } from './ingest-handler.js';
import type { IngestStats, RequestObservation } from './ingest-stats.js';
import type { VendorAuth } from './vendor-auth.js';

const PREFIX = '/v1/ingest/';

export interface IngestRouteDeps {
  /** The `ingest` section (limits, rate); validation comes as a policy in `validation`. */
  config: { readonly ingest: IngestConfig };
  stream: Stream;
  deadLetters?: Stream;
  payloadStore?: ObjectStore;
  adapters: ReadonlyMap<string, VendorAdapter>;
  auth: VendorAuth;
  limiter: RateLimiter;
  validation: ValidationPolicy;
  stats: IngestStats;
  logger: Logger;
}

/**
 * The vendor of an ingest route URL (`/v1/ingest/<vendor>`, any query ignored), decoded,
 * or undefined for any other URL (then the framework answers it, as before).
 */
export function ingestRouteVendor(url: string | undefined): string | undefined {
  if (url === undefined || !url.startsWith(PREFIX)) return undefined;
  const q = url.indexOf('?', PREFIX.length);
  const raw = q < 0 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, q);
  if (raw === '' || raw.includes('/')) return undefined;
  try {
    return raw.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    return undefined;
  }
}

/** Media type of a Content-Type header value: lower case, without parameters. */
function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** The handler of `POST /v1/ingest/:vendor` for a node:http request and response. */
export function createIngestRoute(
  deps: IngestRouteDeps,
): (req: IncomingMessage, res: ServerResponse, vendor: string) => void {
  const { config, adapters, stats } = deps;
  const maxBody = config.ingest.maxBodyBytes;

  /** Answers `text` (JSON) with `headers` beside the content headers. */
  const send = (
    res: ServerResponse,
    status: number,
    text: string,
    headers: Record<string, string> | undefined,
  ) => {
    if (headers) for (const k in headers) res.setHeader(k, headers[k]!);
    // a flat array: node:http writes it without walking an object's keys
    res.writeHead(status, [
      'content-type',
      JSON_TYPE,
      'content-length',
      String(Buffer.byteLength(text)),
    ]);
    res.end(text);
  };

  const label = (route: string) => (adapters.has(route) ? route : 'unknown');

  /** Answers with the error's mapping and counts it. */
  const fail = (
    res: ServerResponse,
    route: string,
    started: number,
    err: unknown,
    bytesIn: number,
  ) => {
    const a: ErrorAnswer = errorResponse(err, maxBody);
    if (a.status === 500)
      deps.logger.error('ingest request failed', { error: (err as Error)?.message ?? String(err) });
    observe(route, a.status, started, a.reasons, bytesIn);
    send(res, a.status, JSON.stringify(a.body), a.headers);
  };

  const observe = (
    route: string,
    status: number,
    started: number,
    rejections: readonly string[],
    bytesIn: number,
    extra?: Pick<
      RequestObservation,
      'records' | 'offers' | 'inconsistentOffers' | 'flaggedRecords'
    >,
  ) =>
    stats.observe({
      vendor: label(route),
      status,
      bytesIn,
      records: extra?.records ?? 0,
      offers: extra?.offers ?? 0,
      inconsistentOffers: extra?.inconsistentOffers ?? 0,
      flaggedRecords: extra?.flaggedRecords ?? {},
      rejections,
      latencyMs: performance.now() - started,
    });

  /** Why the request is refused from its headers, or undefined when its body may come. */
  const refusal = (req: IncomingMessage, route: string): RequestRefusedError | undefined => {
    const who = deps.auth.authenticate(req.headers.authorization);
    if (!who.ok)
      return new RequestRefusedError(
        401,
        'unauthorized',
        who.message,
        {},
        {
          'www-authenticate': 'Bearer',
        },
      );
    const adapter = adapters.get(route);
    if (!adapter)
      // names the vendor asked for, not the ones there are (unauthenticated callers)
      return new RequestRefusedError(
        404,
        'unknown_vendor',
        `no ingest route for vendor ${JSON.stringify(route)} (POST /v1/ingest/<vendor>; docs/vendors.md lists them)`,
      );
    if (who.vendor !== undefined && who.vendor !== route)
      return new RequestRefusedError(
        403,
        'forbidden',
        `this token belongs to vendor "${who.vendor}" and may post only to /v1/ingest/${who.vendor}`,
      );
    const wait = deps.limiter.take(route);
    if (wait > 0) {
      const secs = Math.max(1, Math.ceil(wait / 1000));
      return new RequestRefusedError(
        429,
        'rate_limited',
        `more than ${config.ingest.requestsPerSecondPerVendor} requests/s for vendor ${route}`,
        { retryAfterSeconds: secs },
        { 'retry-after': String(secs) },
      );
    }
    const type = mediaType(req.headers['content-type']);
    if (type !== '' && !adapter.contentTypes.includes(type))
      return new RequestRefusedError(
        415,
        'unsupported_media_type',
        `content-type "${type}" is not accepted on /v1/ingest/${route}; send one of: ${adapter.contentTypes.join(', ')}`,
        { accepted: adapter.contentTypes },
      );
    return undefined;
  };

  const ingest = async (
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    started: number,
    raw: Buffer,
  ) => {
    const bytesIn = raw.length;
    if (bytesIn === 0) {
      fail(
        res,
        route,
        started,
        new RequestRefusedError(400, 'empty_body', 'the request body is empty'),
        0,
      );
      return;
    }
    const headers = req.headers as Record<string, string | undefined>;
    try {
      const encoding = headers['content-encoding'];
      // no Content-Encoding (the usual request): the body as it came, without a promise to await
      const body =
        encoding === undefined
          ? raw
          : await decodeBody(raw, encoding, config.ingest.maxDecompressedBytes);
      const out = await ingestPayload({
        adapter: adapters.get(route)!,
        body,
        ctx: {
          headers,
          receivedAt: new Date(),
          requestId: headers['x-request-id'],
          validation: deps.validation,
        },
        contentType: headers['content-type'],
        stream: deps.stream,
        deadLetters: deps.deadLetters,
        payloadStore: deps.payloadStore,
        deadLetterInlineBytes: config.ingest.deadLetterInlineBytes,
        maxRecords: config.ingest.maxRecordsPerRequest,
        maxJsonDepth: config.ingest.maxJsonDepth,
        maxXmlDepth: config.ingest.maxXmlDepth,
      });
      const { inconsistentOffers, flaggedRecords } = out;
      observe(
        route,
        202,
        started,
        out.rejected.length === 0 ? [] : out.rejected.map((r) => r.reason),
        bytesIn,
        { records: out.accepted, offers: out.offers, inconsistentOffers, flaggedRecords },
      );
      send(res, 202, acceptedAnswer(out), undefined);
    } catch (err) {
      fail(res, route, started, err, bytesIn);
    }
  };

  return (req, res, route) => {
    const started = performance.now();
    const refused = refusal(req, route);
    if (refused) {
      // the body is not read: once answered, the connection closes rather than drain it
      if (!req.complete) res.shouldKeepAlive = false;
      fail(res, route, started, refused, 0);
      req.resume();
      return;
    }
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > maxBody) {
      res.shouldKeepAlive = false;
      fail(res, route, started, new BodyTooLargeError(tooLarge(maxBody)), 0);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBody) {
        over = true;
        chunks.length = 0;
        res.shouldKeepAlive = false;
        fail(res, route, started, new BodyTooLargeError(tooLarge(maxBody)), 0);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      void ingest(req, res, route, started, raw);
    });
    req.on('error', () => {
      // the client went away: nothing to answer, nothing was acknowledged
    });
  };
}

/**
 * The vendor's answer to an accepted payload, `{accepted, duplicates, offers, rejected}`
 * as JSON. Without rejections (the usual answer) it is written out directly rather than
 * through an object and JSON.stringify; the counts of inconsistent offers and flagged
 * records are for ingest_stats, not the vendor's answer.
 */
export function acceptedAnswer(out: IngestOutcome): string {
  if (out.rejected.length === 0)
    return `{"accepted":${out.accepted},"duplicates":${out.duplicates},"offers":${out.offers},"rejected":[]}`;
  const { accepted, duplicates, offers, rejected } = out;
  return JSON.stringify({ accepted, duplicates, offers, rejected });
}

const tooLarge = (max: number) => `the request body exceeds ingest.maxBodyBytes (${max} bytes)`;
