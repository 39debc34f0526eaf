/**
 * The Console's message viewer over the shopping stream (Stream.browse): a shard from a
 * sequence, or every shard from a time, each record decoded from Avro into readable
 * JSON with its offers. A market is the stream's key, so a market filter reads its one
 * shard; a vendor or a record id are in the record's stream id (`<vendor>:<id>`), so
 * only the matches are decoded.
 */
import type { MessagePage, MessageQuery, StreamMessage } from '../../console/console-backend.js';
import { ConsoleInputError } from '../../console/console-backend.js';
import { decodeRecord } from '../../model/codec.js';
import { type Stream, type StreamRecord, shardFor } from '../../stream/stream.js';

/** Records read at most for one page (over all shards read). */
export const MAX_SCANNED = 20_000;
/** Records read per browse call. */
const CHUNK = 500;

function decoded(r: StreamRecord): StreamMessage {
  const base = {
    shard: r.shard,
    seq: r.seq,
    key: r.key,
    id: r.id,
    timestamp: new Date(r.timestamp).toISOString(),
    bytes: r.data.byteLength,
  };
  try {
    return { ...base, record: decodeRecord(r.data), error: null };
  } catch (err) {
    return { ...base, record: null, error: (err as Error).message };
  }
}

/** One page of `q` over `stream`. */
export async function browseMessages(stream: Stream, q: MessageQuery): Promise<MessagePage> {
  if (!stream.browse) {
    const backend = (await stream.info()).backend;
    throw new ConsoleInputError(`the ${backend} stream cannot be browsed`);
  }
  const browse = stream.browse.bind(stream);
  const market = q.market?.toUpperCase();
  if (market !== undefined && !/^[A-Z]{3}-[A-Z]{3}$/.test(market))
    throw new ConsoleInputError(
      `market must be ORIGIN-DESTINATION, e.g. JFK-LAX (got "${q.market}")`,
    );
  const marketShard = market === undefined ? undefined : shardFor(market, stream.shards);
  if (q.shard !== undefined && marketShard !== undefined && q.shard !== marketShard)
    throw new ConsoleInputError(`market ${market} is on shard ${marketShard}, not ${q.shard}`);
  const only = q.shard ?? marketShard;
  if (only !== undefined && (!Number.isInteger(only) || only < 0 || only >= stream.shards))
    throw new ConsoleInputError(`shard must be from 0 to ${stream.shards - 1} (got ${only})`);
  if (q.seq !== undefined && only === undefined)
    throw new ConsoleInputError('seq is a position on one shard: give the shard too');
  const shards = only !== undefined ? [only] : [...Array(stream.shards).keys()];
  const id = q.id?.trim();
  const keep = (r: StreamRecord) =>
    (market === undefined || r.key === market) &&
    (q.vendor === undefined || r.id.startsWith(`${q.vendor}:`)) &&
    (!id || r.id === id || r.id.endsWith(`:${id}`));
  const budget = Math.floor(MAX_SCANNED / shards.length);
  const found: StreamRecord[] = [];
  let scanned = 0;
  let scanLimited = false;
  let next: MessagePage['next'] = null;
  for (const shard of shards) {
    let from: { seq: number } | { time: number } =
      q.seq !== undefined ? { seq: q.seq } : { time: q.from ?? 0 };
    let mine = 0;
    let read = 0;
    for (;;) {
      const recs = await browse(shard, from, Math.min(CHUNK, budget - read));
      read += recs.length;
      let last: StreamRecord | undefined;
      for (const r of recs) {
        last = r;
        if (keep(r)) {
          found.push(r);
          if (++mine >= q.limit) break;
        }
      }
      if (last) from = { seq: last.seq + 1 };
      const full = mine >= q.limit;
      if (full || recs.length === 0) {
        if (full && shards.length === 1) next = { shard, seq: (last as StreamRecord).seq + 1 };
        break;
      }
      if (read >= budget) {
        scanLimited = true;
        if (shards.length === 1) next = { shard, seq: (last as StreamRecord).seq + 1 };
        break;
      }
    }
    scanned += read;
  }
  // every shard from a time: the first `limit` by record time
  found.sort((a, b) => a.timestamp - b.timestamp || a.shard - b.shard || a.seq - b.seq);
  return { messages: found.slice(0, q.limit).map(decoded), scanned, next, scanLimited };
}
