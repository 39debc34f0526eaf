/**
 * Stages shopping records (the stream's Avro bytes) as NDJSON for DuckDB, in the shape of
 * the lake tables so that the `COPY` to Parquet is a plain projection:
 * - one line per search: the search fields (snake_case), `_shard`, `_seq`, and
 *   `offer_count`, `min_total_amount` and its `currency`, worked out while transcoding;
 * - one line per offer: the search fields again (denormalised), `offer_index`, and the
 *   offer's own fields, legs and segments nested as the lake stores them.
 * Field names come from the record's writer schema (camelCase to snake_case), so a field a
 * new schema version adds appears as a new key; DuckDB's reader ignores keys it is not
 * asked for and reads a missing key as NULL.
 */
import * as fs from 'node:fs';
import avro from 'avsc';
import { RECORD_AVRO_SCHEMAS, RECORD_MAGIC } from '../../model/codec.js';
import {
  AvroJsonError,
  AvroReader,
  type Capture,
  compileFields,
  JsonOut,
  snakeCase,
  type TranscodeFields,
  writeNumber,
} from './avro-json.js';

type AvscField = { name: string; type: avro.Type };
type AvscRecord = avro.Type & { fields: AvscField[]; typeName: string };
type AvscArray = avro.Type & { itemsType: avro.Type; typeName: string };

const key = (s: string, comma = true) => Buffer.from(`${comma ? ',' : ''}${JSON.stringify(s)}:`);

/** Where an offer's transcoded fields sit in the scratch buffer, and what the search line needs. */
interface OfferSpan {
  start: number;
  end: number;
  total: number;
  readonly cap: { totalAmount: Capture; currency: Capture };
}

/** The transcoder of one writer schema version. */
interface VersionPlan {
  /** The search fields before `offers`, then those after it (both into the line prefix). */
  readonly before: TranscodeFields;
  readonly after: TranscodeFields;
  /** The fields of one offer, noting where its total and currency are. */
  readonly offer: TranscodeFields;
}

function plan(schema: object): VersionPlan {
  const type = avro.Type.forSchema(schema as avro.Schema, { wrapUnions: false }) as AvscRecord;
  const at = type.fields.findIndex((f) => f.name === 'offers');
  if (at < 0) throw new Error('the record schema has no offers array');
  const offerType = (type.fields[at]!.type as AvscArray).itemsType as AvscRecord;
  const rename = snakeCase;
  return {
    before: compileFields(type.fields.slice(0, at), { rename, continued: true }),
    after: compileFields(type.fields.slice(at + 1), { rename, continued: true }),
    offer: compileFields(offerType.fields, { rename, captures: ['totalAmount', 'currency'] }),
  };
}

const PLANS = new Map<number, VersionPlan>();
/** The plan of a version checkHeader accepted. */
function planOf(version: number): VersionPlan {
  let p = PLANS.get(version);
  if (!p) {
    p = plan(RECORD_AVRO_SCHEMAS.get(version)!);
    PLANS.set(version, p);
  }
  return p;
}

function checkHeader(data: Uint8Array): number {
  if (data.length < 3 || data[0] !== RECORD_MAGIC)
    throw new AvroJsonError('not a Faresight record (bad magic byte)');
  const version = data[1]!;
  if (!RECORD_AVRO_SCHEMAS.has(version))
    throw new AvroJsonError(`unknown record schema version ${version}`);
  return version;
}

/** What places a shopping record in a partition, read from the head of its bytes. */
export interface ShoppingHead {
  readonly vendor: string;
  readonly receivedAtMs: number;
}

/**
 * Reads the vendor and receivedAt of encoded shopping bytes without decoding the rest
 * (they are the 2nd and 4th fields of every version). Throws AvroJsonError on bad bytes.
 */
export function peekShopping(data: Uint8Array): ShoppingHead {
  checkHeader(data);
  const r = new AvroReader(data, 2);
  const idLength = r.length();
  r.pos += idLength;
  const n = r.length();
  const vendor = Buffer.from(data.buffer, data.byteOffset + r.pos, n).toString('utf8');
  r.pos += n;
  r.long(); // shoppedAt
  return { vendor, receivedAtMs: r.long() };
}

const OPEN = 0x7b;
const CLOSE_LINE = Buffer.from('}\n');
const SHARD_KEY = key('_shard', false);
const SEQ_KEY = key('_seq');
const OFFER_INDEX_KEY = key('offer_index');
const OFFER_COUNT_KEY = key('offer_count');
const MIN_KEY = key('min_total_amount');
const CURRENCY_KEY = key('currency');
const NULL = Buffer.from('null');
const NO_CAPTURE = {};

/** Builds the two staging texts from encoded shopping records. */
export class ShoppingStager {
  /** One line per search. */
  readonly searches: JsonOut;
  /** One line per offer. */
  readonly offers: JsonOut;
  private readonly prefix = new JsonOut(4096);
  private readonly scratch = new JsonOut(1 << 16);
  private spans: OfferSpan[] = [];
  records = 0;
  offerCount = 0;

  /**
   * `want`: the tables to stage. `spill`: where each table's text goes as it fills its
   * buffer (written to a file, say; call `flush()` at the end); without it the text stays
   * in memory (`searches.view()`, `offers.view()`).
   */
  constructor(
    private want: { searches: boolean; offers: boolean } = {
      searches: true,
      offers: true,
    },
    spill: { searches?: (b: Buffer) => void; offers?: (b: Buffer) => void } = {},
  ) {
    this.searches = new JsonOut(1 << 20, spill.searches);
    this.offers = new JsonOut(4 << 20, spill.offers);
  }

  /**
   * Starts over as if just built with these arguments, keeping the buffers (5 MB): a
   * stager built per file made every file allocate them again, about 500 MB per 100
   * files for the staging thread's collector to chase.
   */
  reset(
    want: { searches: boolean; offers: boolean },
    spill: { searches?: (b: Buffer) => void; offers?: (b: Buffer) => void } = {},
  ): void {
    this.want = want;
    this.searches.reset(spill.searches);
    this.offers.reset(spill.offers);
    this.records = 0;
    this.offerCount = 0;
  }

  /** Spills what is buffered. */
  flush(): void {
    this.searches.flush();
    this.offers.flush();
  }

  /**
   * Adds one record at its stream position. On bad bytes throws AvroJsonError and
   * leaves both texts as they were: the record is transcoded into scratch buffers first,
   * and only a whole record is copied out.
   */
  add(shard: number, seq: number, data: Uint8Array): void {
    const p = planOf(checkHeader(data));
    const r = new AvroReader(data, 2);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const prefix = this.prefix;
    const scratch = this.scratch;
    prefix.pos = 0;
    scratch.pos = 0;
    prefix.raw(SHARD_KEY);
    prefix.ascii(String(shard));
    prefix.raw(SEQ_KEY);
    prefix.ascii(String(seq));
    p.before(r, prefix, NO_CAPTURE);
    let n = 0;
    for (;;) {
      let count = r.long();
      if (count === 0) break;
      if (count < 0) {
        count = -count;
        r.long();
      }
      for (let i = 0; i < count; i++) {
        let span = this.spans[n];
        if (!span) {
          const c = () => ({ in: -1, start: -1, end: -1 });
          span = { start: 0, end: 0, total: 0, cap: { totalAmount: c(), currency: c() } };
          this.spans[n] = span;
        }
        span.start = scratch.pos;
        p.offer(r, scratch, span.cap);
        span.end = scratch.pos;
        span.total = view.getFloat64(span.cap.totalAmount.in, true);
        n++;
      }
    }
    p.after(r, prefix, NO_CAPTURE);
    if (r.pos !== data.length)
      throw new AvroJsonError(`${data.length - r.pos} trailing bytes after the record`);

    if (this.want.searches) {
      const out = this.searches;
      out.byte(OPEN);
      out.raw(prefix.buf, 0, prefix.pos);
      out.raw(OFFER_COUNT_KEY);
      out.ascii(String(n));
      let min = -1;
      for (let i = 0; i < n; i++) {
        const s = this.spans[i]!;
        if (min < 0) min = i;
        else {
          const m = this.spans[min]!;
          if (
            s.total < m.total ||
            (s.total === m.total &&
              Buffer.compare(
                scratch.buf.subarray(s.cap.currency.start, s.cap.currency.end),
                scratch.buf.subarray(m.cap.currency.start, m.cap.currency.end),
              ) < 0)
          )
            min = i;
        }
      }
      out.raw(MIN_KEY);
      if (min < 0) out.raw(NULL);
      else writeNumber(out, this.spans[min]!.total, 0);
      out.raw(CURRENCY_KEY);
      const m = this.spans[min];
      if (m && m.cap.currency.end > m.cap.currency.start)
        out.raw(scratch.buf, m.cap.currency.start, m.cap.currency.end);
      else out.raw(NULL);
      out.raw(CLOSE_LINE);
    }
    if (this.want.offers) {
      const out = this.offers;
      for (let i = 0; i < n; i++) {
        const s = this.spans[i]!;
        out.byte(OPEN);
        out.raw(prefix.buf, 0, prefix.pos);
        out.raw(OFFER_INDEX_KEY);
        out.ascii(String(i));
        out.byte(0x2c);
        out.raw(scratch.buf, s.start, s.end);
        out.raw(CLOSE_LINE);
      }
    }
    this.records++;
    this.offerCount += n;
  }
}

/** A shopping record to stage: its stream position and bytes. */
export interface StagedInput {
  readonly shard: number;
  readonly seq: number;
  readonly data: Uint8Array;
}

/** Staging file of each table to stage (a table without a path is not staged). */
export interface ShoppingStagingFiles {
  readonly searches?: string;
  readonly offers?: string;
}

/** Records staged between two yields of stageShoppingSlices. */
const STAGE_SLICE = 2000;

/**
 * Stagers not in use, kept for the next file. Stagings may overlap (inline, between
 * yields), so each takes its own; at most MAX_IDLE_STAGERS are kept.
 */
const idleStagers: ShoppingStager[] = [];
const MAX_IDLE_STAGERS = 4;

/** Writes all of `bytes` to `fd` (a write may take less than it was given). */
function writeAll(fd: number, bytes: Buffer): void {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}

/**
 * Stages `records` into `files`, text going to the files as buffers fill (memory stays
 * bounded whatever the number of records). Yields every STAGE_SLICE records so that a
 * caller on a busy event loop can let other work run; the files are complete and closed
 * when it finishes. A bad record throws an Error naming its shard and seq.
 */
export function* stageShoppingSlices(
  records: readonly StagedInput[],
  files: ShoppingStagingFiles,
): Generator<void, void, void> {
  const fds: number[] = [];
  let taken: ShoppingStager | undefined;
  try {
    const open = (file: string | undefined) => {
      if (file === undefined) return undefined;
      const fd = fs.openSync(file, 'w');
      fds.push(fd);
      return (b: Buffer) => writeAll(fd, b);
    };
    const spill = { searches: open(files.searches), offers: open(files.offers) };
    const want = { searches: spill.searches !== undefined, offers: spill.offers !== undefined };
    const stager = idleStagers.pop() ?? new ShoppingStager(want, spill);
    stager.reset(want, spill);
    taken = stager;
    for (let i = 0; i < records.length; i++) {
      const { shard, seq, data } = records[i]!;
      try {
        stager.add(shard, seq, data);
      } catch (err) {
        throw new Error(`record at shard ${shard} seq ${seq}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if ((i + 1) % STAGE_SLICE === 0) yield;
    }
    stager.flush();
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    if (taken) {
      taken.reset({ searches: false, offers: false });
      if (idleStagers.length < MAX_IDLE_STAGERS) idleStagers.push(taken);
    }
  }
}

/** stageShoppingSlices run to the end. */
export function stageShoppingFiles(
  records: readonly StagedInput[],
  files: ShoppingStagingFiles,
): void {
  for (const _ of stageShoppingSlices(records, files));
}
