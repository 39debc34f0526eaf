/**
 * Turns records into the rows the row store upserts: pure functions, so the reduction
 * rules (which fare wins, what counts as one search) are tested without a database.
 */
import { recordKey, type ShoppingRecord } from '../model/shopping-record.js';
import { ONE_WAY_RETURN_DATE } from './migrations.js';

/** One candidate for `cheapest_fares`. */
export interface FareRow {
  origin: string;
  destination: string;
  departureDate: string;
  /** ONE_WAY_RETURN_DATE for one-way. */
  returnDate: string;
  /** '' when unknown. */
  pos: string;
  cabin: string;
  carrier: string;
  stops: number;
  currency: string;
  amount: number;
  /** ISO instant (the search's receivedAt). */
  seenAt: string;
  vendor: string;
  searchId: string;
  /** Local date-time of the outbound leg's first departure (`YYYY-MM-DDTHH:mm[:ss]`). */
  departAt: string;
  /** Local date-time of the outbound leg's last arrival. */
  arriveAt: string;
}

/** One search to count in `markets`. */
export interface SearchRow {
  origin: string;
  destination: string;
  searchId: string;
  receivedAt: string;
}

const KEY_FIELDS = [
  'origin',
  'destination',
  'departureDate',
  'returnDate',
  'pos',
  'cabin',
  'carrier',
  'stops',
  'currency',
] as const;

function fareKey(r: FareRow): string {
  return KEY_FIELDS.map((k) => r[k]).join('\u0000');
}

/**
 * The order that decides which fare is kept, the same as the SQL upsert's: lower amount,
 * then earlier seenAt, then smaller search id. A total order, so the result does not
 * depend on the order records arrive in. Negative when `a` wins.
 */
export function compareFares(a: FareRow, b: FareRow): number {
  if (a.amount !== b.amount) return a.amount - b.amount;
  const ta = Date.parse(a.seenAt);
  const tb = Date.parse(b.seenAt);
  if (ta !== tb) return ta - tb;
  return byteOrder(a.searchId, b.searchId);
}

/**
 * UTF-8 byte order, as PostgreSQL's `COLLATE "C"` compares text. Below U+D800 UTF-16
 * code units and UTF-8 bytes sort alike, so the strings are compared unit by unit, and
 * encoded only when they first differ at U+D800 or above (a surrogate, or U+E000-U+FFFF,
 * which UTF-8 puts before a surrogate pair's character). It sorts each real-time batch's
 * fares on the event loop, where encoding both strings at every comparison held the loop
 * for 100-120 ms a batch while the demo's history loaded.
 */
export function byteOrder(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // -1: the string ended (a prefix sorts first); a shared prefix encodes alike in both,
  // even a lone surrogate at its end, when neither string goes on with a surrogate
  const x = i < a.length ? a.charCodeAt(i) : -1;
  const y = i < b.length ? b.charCodeAt(i) : -1;
  if (x < 0xd800 && y < 0xd800) return x - y;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function compareKeys(a: FareRow, b: FareRow): number {
  for (const k of KEY_FIELDS) {
    const x = a[k];
    const y = b[k];
    if (x !== y) return typeof x === 'number' ? x - (y as number) : byteOrder(x, y as string);
  }
  return 0;
}

/**
 * The best fare per key among the records' offers, sorted by key (a stable lock order
 * for concurrent writers). Multi-city searches are left out: their price is not that of
 * a one-way or round trip between the first origin and destination.
 */
export function fareRows(records: readonly ShoppingRecord[]): FareRow[] {
  const best = new Map<string, FareRow>();
  for (const r of records) {
    if (r.tripType === 'multicity') continue;
    for (const o of r.offers) {
      const row: FareRow = {
        origin: r.origin,
        destination: r.destination,
        departureDate: r.departureDate,
        returnDate: r.returnDate ?? ONE_WAY_RETURN_DATE,
        pos: r.pos ?? '',
        cabin: o.cabin,
        carrier: o.validatingCarrier,
        stops: o.legs.reduce((m, l) => Math.max(m, l.stops), 0),
        currency: o.currency,
        amount: o.totalAmount,
        seenAt: r.receivedAt,
        vendor: r.vendor,
        searchId: r.id,
        departAt: o.legs[0]!.segments[0]!.departAt,
        arriveAt: o.legs[0]!.segments.at(-1)!.arriveAt,
      };
      const key = fareKey(row);
      const cur = best.get(key);
      if (!cur || compareFares(row, cur) < 0) best.set(key, row);
    }
  }
  return [...best.values()].sort(compareKeys);
}

/**
 * One row per distinct (market, record), the earliest receivedAt kept, sorted by key.
 * A record is (vendor, id): `searchId` is its recordKey, so two vendors' searches that
 * share an id are both counted.
 */
export function searchRows(records: readonly ShoppingRecord[]): SearchRow[] {
  const seen = new Map<string, SearchRow>();
  for (const r of records) {
    const id = recordKey(r);
    const key = `${r.origin}-${r.destination}\u0000${id}`;
    const cur = seen.get(key);
    if (!cur || Date.parse(r.receivedAt) < Date.parse(cur.receivedAt)) {
      seen.set(key, {
        origin: r.origin,
        destination: r.destination,
        searchId: id,
        receivedAt: r.receivedAt,
      });
    }
  }
  return [...seen.values()].sort(
    (a, b) =>
      byteOrder(a.origin, b.origin) ||
      byteOrder(a.destination, b.destination) ||
      byteOrder(a.searchId, b.searchId),
  );
}
