/**
 * The stored form of a day sketch (`deal_sketches.sketch`): DDSketch's own protobuf,
 * base64, with the positive bins that hold a count written as the Store message's
 * `binCounts` map instead of `contiguousBinCounts`. Most day sketches are of fine
 * segments with a few fares far apart, and the contiguous form wrote every bin between
 * them (5 fares from 89 to 1,999: 4,156 base64 characters, against 124 this way). Both
 * forms are read: rows written before this one hold contiguous bins. Other DDSketch
 * implementations (Go, Java, Python) read `binCounts` too; this library's own
 * `fromProto` does not, so decode here.
 */
import { DDSketch } from '@datadog/sketches-js';
import compiled from '@datadog/sketches-js/dist/ddsketch/proto/compiled.js';

interface ProtoStore {
  binCounts?: Record<string, number>;
  contiguousBinCounts?: number[];
  contiguousBinIndexOffset?: number;
}
interface ProtoSketch {
  positiveValues?: ProtoStore | null;
}
interface ProtoSketchType {
  create(v: Record<string, unknown>): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): ProtoSketch;
}
const ProtoDDSketch = (compiled as unknown as { DDSketch: ProtoSketchType }).DDSketch;

/**
 * The protobuf of a mapping, by its gamma, offset and kind: the same for every sketch of
 * one accuracy. The library's `toProto` resolves its protobuf module with `require` at
 * each call, which was most of the time of a deals batch's save (80-120 ms of the event
 * loop a batch while `up --demo` loaded its history).
 */
const mappingProtos = new Map<string, unknown>();

function mappingProto(mapping: DDSketch['mapping']): unknown {
  const { gamma, _offset } = mapping as unknown as { gamma: number; _offset: number };
  const key = `${mapping.constructor.name}|${gamma}|${_offset}`;
  let proto = mappingProtos.get(key);
  if (proto === undefined) {
    proto = mapping.toProto();
    mappingProtos.set(key, proto);
  }
  return proto;
}

/** A sketch's positive bins (those with a count) and mapping, base64. */
export function encodeSketch(sk: DDSketch): string {
  const binCounts: Record<number, number> = {};
  const { bins, offset } = sk.store;
  for (let i = 0; i < bins.length; i++) {
    const c = bins[i] as number;
    if (c > 0) binCounts[i + offset] = c;
  }
  const message = ProtoDDSketch.create({
    mapping: mappingProto(sk.mapping),
    positiveValues: { binCounts },
    negativeValues: {},
    zeroCount: 0,
  });
  return Buffer.from(ProtoDDSketch.encode(message).finish()).toString('base64');
}

/** The sketch of encodeSketch (or of DDSketch.toProto, base64). Throws on bytes that are not one. */
export function decodeSketch(b64: string): DDSketch {
  const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
  const sk = DDSketch.fromProto(bytes); // the mapping, contiguous bins, negatives, zeros
  const sparse = ProtoDDSketch.decode(bytes).positiveValues?.binCounts ?? {};
  for (const [key, count] of Object.entries(sparse)) {
    if (!(count > 0)) continue;
    sk.store.add(Number(key), count);
    sk.count += count;
  }
  return sk;
}
