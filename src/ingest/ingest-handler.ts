/**
 * The transport-free core of ingest: one vendor payload in, durable stream records out,
 * and whatever could not be used kept as a dead letter. The HTTP layer
 * (ingest-server.ts) only maps the outcome or the error to a response.
 */
import { encodeRecord } from '../model/codec.js';
import { marketKey } from '../model/shopping-record.js';
import type { AppendRecord, Stream } from '../stream/stream.js';
import type { Rejection, RequestContext, VendorAdapter } from '../vendors/vendor-adapter.js';
import { deadLetterOf, encodeDeadLetter } from './dead-letter.js';
import { PayloadRejectedError, TooManyRecordsError } from './errors.js';

/** What a successful ingest of one payload did. */
export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  offers: number;
  /** Offers flagged `amountsInconsistent` (base plus taxes differ from the total). */
  inconsistentOffers: number;
  rejected: Rejection[];
}

/** Everything one ingest call needs. */
export interface IngestRequest {
  adapter: VendorAdapter;
  body: Buffer;
  ctx: RequestContext & { ingestId: string };
  contentType: string | undefined;
  stream: Stream;
  /** Where rejections go; without it they are only reported to the caller. */
  deadLetters: Stream | undefined;
  maxRecords: number;
}

/**
 * Parses the body with the vendor's adapter, appends every valid record to the stream
 * and, when anything was rejected, the raw payload with the reasons to the dead-letter
 * stream; resolves once both appends are durable. Throws PayloadRejectedError when
 * nothing in the payload is usable and TooManyRecordsError over the limit (both after
 * the dead letter is durable), and passes the stream's BackpressureError /
 * StreamUnavailableError through: then nothing was acknowledged and the vendor retries
 * (records that did get stored are deduplicated by id on the retry).
 */
export async function ingestPayload(req: IngestRequest): Promise<IngestOutcome> {
  const { records, rejected } = req.adapter.parse(req.body, req.ctx);
  const keepDeadLetter = (reasons: Rejection[]) =>
    req.deadLetters
      ? req.deadLetters.append([
          {
            key: req.adapter.name,
            id: req.ctx.ingestId,
            data: encodeDeadLetter(
              deadLetterOf(
                req.ctx.ingestId,
                req.adapter.name,
                req.ctx.receivedAt,
                reasons,
                req.body,
                req.contentType,
              ),
            ),
            timestamp: req.ctx.receivedAt.getTime(),
          },
        ])
      : Promise.resolve();
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
  let offers = 0;
  let inconsistentOffers = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    offers += r.offers.length;
    for (const o of r.offers) if (o.amountsInconsistent) inconsistentOffers++;
    entries[i] = {
      key: marketKey(r),
      id: r.id,
      data: encodeRecord(r),
      timestamp: Date.parse(r.receivedAt),
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
    rejected,
  };
}
