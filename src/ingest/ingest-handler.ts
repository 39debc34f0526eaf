/**
 * The transport-free core of ingest: one vendor payload in, durable stream records out.
 * The HTTP layer (ingest-server.ts) only maps its outcome to a response.
 */
import { encodeRecord } from '../model/codec.js';
import { marketKey } from '../model/shopping-record.js';
import type { AppendRecord, Stream } from '../stream/stream.js';
import type { Rejection, RequestContext, VendorAdapter } from '../vendors/vendor-adapter.js';
import { PayloadRejectedError, TooManyRecordsError } from './errors.js';

/** What a successful ingest of one payload did. */
export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  offers: number;
  rejected: Rejection[];
}

/**
 * Parses `body` with the vendor's adapter, encodes every valid record and appends them to
 * `stream`, resolving only once they are durable. Throws PayloadRejectedError when nothing
 * in the payload is usable, TooManyRecordsError over `maxRecords`, and passes the stream's
 * BackpressureError / StreamUnavailableError through (nothing was acknowledged then).
 */
export async function ingestPayload(
  adapter: VendorAdapter,
  body: Buffer,
  ctx: RequestContext,
  stream: Stream,
  maxRecords: number,
): Promise<IngestOutcome> {
  const { records, rejected } = adapter.parse(body, ctx);
  if (records.length === 0) throw new PayloadRejectedError(rejected);
  if (records.length > maxRecords) throw new TooManyRecordsError(records.length, maxRecords);
  const entries: AppendRecord[] = new Array(records.length);
  let offers = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    offers += r.offers.length;
    entries[i] = { key: marketKey(r), id: r.id, data: encodeRecord(r), timestamp: Date.parse(r.receivedAt) };
  }
  const res = await stream.append(entries);
  return { accepted: res.appended, duplicates: res.duplicates, offers, rejected };
}
