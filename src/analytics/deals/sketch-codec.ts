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
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): ProtoSketch;
}
const protos = compiled as unknown as { DDSketch: ProtoSketchType; IndexMapping: ProtoSketchType };
const ProtoDDSketch = protos.DDSketch;

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

/** The encoded IndexMapping message of a mapping (see mappingProto). */
const mappingBytes = new Map<unknown, Uint8Array>();

function encodedMapping(mapping: DDSketch['mapping']): Uint8Array {
  const proto = mappingProto(mapping);
  let bytes = mappingBytes.get(proto);
  if (bytes === undefined) {
    bytes = protos.IndexMapping.encode(proto).finish();
    mappingBytes.set(proto, bytes);
  }
  return bytes;
}

/** Bytes of `v` (an unsigned 32-bit integer) as a protobuf varint. */
function varintSize(v: number): number {
  let n = 1;
  for (let x = v >>> 7; x !== 0; x >>>= 7) n++;
  return n;
}

/** Bytes of a binCounts entry of zigzagged key `key`: its key's tag and varint, its count's tag and double. */
const binEntrySize = (key: number): number => 1 + varintSize(key) + 1 + 8;

/** A sint32 as protobuf writes it: zigzag, then varint. */
const zigzag = (v: number): number => ((v << 1) ^ (v >> 31)) >>> 0;

/**
 * The bytes encodeSketch writes for a sketch of `mapping` whose positive bins are `bins`
 * ([key0, count0, key1, count1, ...], keys ascending, counts positive), written straight
 * from them: no DDSketch, no protobuf message. The deals' save encodes every day sketch
 * a batch touched, and building a DDSketch and a message for each was a sixth of what
 * `up`'s main thread allocated while the demo's history loaded. The same bytes as
 * encodeSketch when every key is at least 0 (prices of at least 1); below, the same
 * bins in another order (protobuf's map has none).
 */
export function encodeBins(bins: readonly number[], mapping: DDSketch['mapping']): string {
  const m = encodedMapping(mapping);
  let store = 0;
  for (let i = 0; i < bins.length; i += 2) {
    const entry = binEntrySize(zigzag(bins[i] as number));
    store += 1 + varintSize(entry) + entry;
  }
  // mapping (1), positiveValues (2), negativeValues (3) empty, zeroCount (4) 0
  const size = 1 + varintSize(m.length) + m.length + 1 + varintSize(store) + store + 2 + 9;
  const buf = Buffer.allocUnsafe(size);
  let p = 0;
  const varint = (v: number) => {
    let x = v >>> 0;
    while (x >= 0x80) {
      buf[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    buf[p++] = x;
  };
  buf[p++] = 0x0a;
  varint(m.length);
  buf.set(m, p);
  p += m.length;
  buf[p++] = 0x12;
  varint(store);
  for (let i = 0; i < bins.length; i += 2) {
    const key = zigzag(bins[i] as number);
    buf[p++] = 0x0a; // binCounts entry
    varint(binEntrySize(key));
    buf[p++] = 0x08; // its key, sint32
    varint(key);
    buf[p++] = 0x11; // its count, double
    p = buf.writeDoubleLE(bins[i + 1] as number, p);
  }
  buf[p++] = 0x1a;
  buf[p++] = 0;
  buf[p++] = 0x21;
  p = buf.writeDoubleLE(0, p);
  return buf.toString('base64', 0, p);
}

/** A sketch's positive bins (those with a count) and mapping, base64 (see encodeBins). */
export function encodeSketch(sk: DDSketch): string {
  const bins: number[] = [];
  const { bins: counts, offset } = sk.store;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (c > 0) bins.push(i + offset, c);
  }
  return encodeBins(bins, sk.mapping);
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
