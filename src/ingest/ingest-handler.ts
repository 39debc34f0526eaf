/**
 * The transport-free core of ingest: one vendor payload in, durable stream records out,
 * and whatever could not be used kept as a dead letter. The HTTP layer
 * (ingest-server.ts) only maps the outcome or the error to a response.
 */
import { payloadObjectKey } from '../lake/lake-layout.js';
import type { ObjectStore } from '../lake/object-store/object-store.js';
import { encodeRecord } from '../model/codec.js';
import {
  arrivalId,
  type DeadLetter,
  deadLetterOf,
  encodeDeadLetter,
  payloadSha256,
} from '../model/dead-letter.js';
import { marketKey, recordKey } from '../model/shopping-record.js';
import { recordFlags } from '../model/validate.js';
import { DEFAULT_VALIDATION_POLICY, type RecordFlag } from '../model/validation-policy.js';
import type { AppendRecord, Stream } from '../stream/stream.js';
import type { Rejection, RequestContext, VendorAdapter } from '../vendors/vendor-adapter.js';
import { PayloadRejectedError, TooManyRecordsError } from './errors.js';
import { jsonDepthExceeds } from './json-depth.js';
import { xmlDepthExceeds } from './xml-depth.js';

/** What a successful ingest of one payload did. */
export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  offers: number;
  /** Offers flagged `amountsInconsistent` (base plus taxes differ from the total). */
  inconsistentOffers: number;
  /** Accepted records kept with a mark, per flag (see recordFlags); a record may have several. */
  flaggedRecords: Partial<Record<RecordFlag, number>>;
  rejected: Rejection[];
}

/** Everything one ingest call needs. */
export interface IngestRequest {
  adapter: VendorAdapter;
  body: Buffer;
  /**
   * `requestId`: the caller's X-Request-Id, kept on dead letters for correlation only;
   * `validation`: the policy adapters validate with, and flags are counted under.
   */
  ctx: RequestContext & { requestId?: string };
  contentType: string | undefined;
  stream: Stream;
  /** Where rejections go; without it they are only reported to the caller. */
  deadLetters: Stream | undefined;
  /**
   * Where a rejected payload larger than `deadLetterInlineBytes` is kept whole, as an
   * object of its own that its dead letter names; without it every payload travels inline.
   */
  payloadStore?: ObjectStore;
  /** Largest payload carried inside its dead letter on the stream. */
  deadLetterInlineBytes: number;
  maxRecords: number;
  /** Deepest JSON nesting parsed; deeper payloads are refused before parsing. */
  maxJsonDepth: number;
  /** Deepest XML element nesting parsed; deeper payloads are refused before parsing. */
  maxXmlDepth: number;
}

/**
 * Parses the body with the vendor's adapter, appends every valid record to the stream
 * (deduplicated on its identity, vendor and id: see recordKey) and, when anything was
 * rejected, the raw payload with the reasons to the dead-letter stream; resolves once
 * both appends are durable. A payload over `deadLetterInlineBytes` is first stored
 * whole in `payloadStore` and its dead letter names it. Throws PayloadRejectedError when
 * nothing in the payload is usable (JSON nested deeper than `maxJsonDepth` or XML deeper
 * than `maxXmlDepth` included, then without parsing it) and TooManyRecordsError over the
 * limit (both after the dead letter is durable), and passes the stream's and the store's errors through: then nothing was
 * acknowledged and the vendor retries (records that did get stored are deduplicated on
 * the retry).
 */
export async function ingestPayload(req: IngestRequest): Promise<IngestOutcome> {
  const keepDeadLetter = async (reasons: Rejection[]) => {
    if (!req.deadLetters) return;
    const letter = await deadLetterFor(req, reasons);
    await req.deadLetters.append([
      {
        key: req.adapter.name,
        id: letter.id,
        data: encodeDeadLetter(letter),
        timestamp: req.ctx.receivedAt.getTime(),
      },
    ]);
  };
  const tooDeep = nestedTooDeep(req);
  if (tooDeep) {
    const reasons = [{ index: -1, reason: tooDeep }];
    await keepDeadLetter(reasons);
    throw new PayloadRejectedError(reasons);
  }
  const { records, rejected } = req.adapter.parse(req.body, req.ctx);
  if (records.length === 0) {
    const reasons =
      rejected.length > 0 ? rejected : [{ index: -1, reason: 'no record in the payload' }];
    await keepDeadLetter(reasons);
    throw new PayloadRejectedError(reasons);
  }
  if (records.length > req.maxRecords) {
    const err = new TooManyRecordsError(records.length, req.maxRecords);
    await keepDeadLetter([{ index: -1, reason: err.message }]);
    throw err;
  }
  const entries: AppendRecord[] = new Array(records.length);
  // The stream's clock is the arrival here, not the record's own receivedAt: retention
  // counts from it, and a record received (by its vendor) days ago, e.g. a replay or the
  // demo's history, must not be trimmed before the lake and the pipeline have read it.
  const arrivedAt = req.ctx.receivedAt.getTime();
  let offers = 0;
  let inconsistentOffers = 0;
  const flaggedRecords: Partial<Record<RecordFlag, number>> = {};
  const policy = req.ctx.validation ?? DEFAULT_VALIDATION_POLICY;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    offers += r.offers.length;
    for (const o of r.offers) if (o.amountsInconsistent) inconsistentOffers++;
    for (const f of recordFlags(r, policy)) flaggedRecords[f] = (flaggedRecords[f] ?? 0) + 1;
    entries[i] = {
      key: marketKey(r),
      id: recordKey(r),
      data: encodeRecord(r),
      timestamp: arrivedAt,
    };
  }
  const [res] = await Promise.all([
    req.stream.append(entries),
    rejected.length > 0 ? keepDeadLetter(rejected) : undefined,
  ]);
  return {
    accepted: res.appended,
    duplicates: res.duplicates,
    offers,
    inconsistentOffers,
    flaggedRecords,
    rejected,
  };
}

/**
 * The dead letter of this arrival of the payload. A payload over the inline limit is
 * stored first (so no dead letter ever names a missing object) and left out of the letter.
 */
async function deadLetterFor(req: IngestRequest, reasons: Rejection[]): Promise<DeadLetter> {
  const { body, ctx } = req;
  const sha = payloadSha256(body);
  const id = arrivalId(sha, ctx.receivedAt);
  if (body.length <= req.deadLetterInlineBytes || !req.payloadStore) {
    return deadLetterOf(
      id,
      req.adapter.name,
      ctx.receivedAt,
      reasons,
      body,
      req.contentType,
      'ingest',
      ctx.requestId,
    );
  }
  const key = payloadObjectKey(id, req.adapter.name, ctx.receivedAt);
  await req.payloadStore.put(key, body);
  return {
    id,
    ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
    vendor: req.adapter.name,
    stage: 'ingest',
    receivedAt: ctx.receivedAt.toISOString(),
    rejected: reasons,
    contentType: req.contentType,
    payloadSha256: sha,
    payloadBytes: body.length,
    payload: '',
    payloadEncoding: 'object',
    payloadObject: key,
  };
}

/**
 * Why the body is refused unparsed for its nesting (JSON past `maxJsonDepth`, XML past
 * `maxXmlDepth`), or undefined. XML is recognised by its first `<` or a UTF-16 start.
 */
function nestedTooDeep(req: IngestRequest): string | undefined {
  const first = firstNonSpace(req.body);
  if ((first === 0x5b || first === 0x7b) && jsonDepthExceeds(req.body, req.maxJsonDepth))
    return `JSON nested deeper than ${req.maxJsonDepth} levels (ingest.maxJsonDepth); not parsed`;
  if (
    (first === 0x3c || first === 0xff || first === 0xfe || first === 0x00) &&
    xmlDepthExceeds(req.body, req.maxXmlDepth)
  )
    return `XML nested deeper than ${req.maxXmlDepth} elements (ingest.maxXmlDepth); not parsed`;
  return undefined;
}

function firstNonSpace(b: Uint8Array): number | undefined {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    // space, tab, CR, LF, and a UTF-8 byte-order mark
    if (
      c !== 0x20 &&
      c !== 0x09 &&
      c !== 0x0d &&
      c !== 0x0a &&
      c !== 0xef &&
      c !== 0xbb &&
      c !== 0xbf
    )
      return c;
  }
  return undefined;
}
