/**
 * The steps every adapter shares after reading its format: collect offers item by item
 * (a bad item becomes a rejection, the rest go on), derive the search (market, dates,
 * trip type, passengers) from the request echo or the first offer, resolve the search
 * context, and validate the record.
 */

import {
  type Offer,
  offerSchema,
  type Passengers,
  type ShoppingRecord,
  type TripType,
} from '../model/shopping-record.js';
import { describeIssues, validateRecord } from '../model/validate.js';
import { PayloadError } from './errors.js';
import { type PayloadContext, resolveSearchContext } from './search-context.js';
import type { AdapterResult, Rejection, RequestContext, VendorName } from './vendor-adapter.js';

/** One origin-destination of the search as the payload echoes it. */
export interface SliceEcho {
  origin: string;
  destination: string;
  departureDate?: string | undefined;
}

/** What the payload says about its search; all optional, the offers fill the gaps. */
export interface SearchEcho extends PayloadContext {
  slices?: SliceEcho[] | undefined;
  passengers?: Passengers | undefined;
}

/** Passengers assumed when neither the payload nor its prices say: one adult. */
export const DEFAULT_PASSENGERS: Passengers = { adults: 1, children: 0, infants: 0 };

/** Reason text of an error raised while reading one item. */
export function reasonOf(err: unknown): string {
  if (err instanceof PayloadError) return err.message;
  return `cannot read: ${(err as Error)?.message ?? String(err)}`;
}

/**
 * Builds offers from payload items. Each item gives zero or more offers; an item that
 * throws, or gives an offer that fails the offer schema, adds a rejection at its index
 * and the others go on. `itemPath(i)` names item `i` in a schema failure's reason (whose
 * field paths are relative to the offer built), e.g. `data[3]: offer legs[0]...`.
 */
export function collectOffers<T>(
  items: readonly T[],
  build: (item: T, index: number) => Offer | Offer[],
  rejected: Rejection[],
  itemPath?: (index: number) => string,
): Offer[] {
  const offers: Offer[] = [];
  items.forEach((item, i) => {
    let built: Offer | Offer[];
    try {
      built = build(item, i);
    } catch (err) {
      rejected.push({ index: i, reason: reasonOf(err) });
      return;
    }
    for (const o of Array.isArray(built) ? built : [built]) {
      const r = offerSchema.safeParse(o);
      if (r.success) offers.push(o);
      else {
        const issues = describeIssues(r.error).join('; ');
        rejected.push({ index: i, reason: itemPath ? `${itemPath(i)}: offer ${issues}` : issues });
      }
    }
  });
  return offers;
}

function sliceOfLeg(o: Offer, leg: number): SliceEcho | undefined {
  const segs = o.legs[leg]?.segments;
  if (!segs || segs.length === 0) return undefined;
  const first = segs[0]!;
  return {
    origin: first.origin,
    destination: segs[segs.length - 1]!.destination,
    departureDate: first.departAt.slice(0, 10),
  };
}

function passengersOf(o: Offer | undefined): Passengers | undefined {
  if (!o?.passengerPrices?.length) return undefined;
  const p = { adults: 0, children: 0, infants: 0 };
  for (const pp of o.passengerPrices) {
    if (pp.type === 'adult') p.adults += pp.count;
    else if (pp.type === 'child') p.children += pp.count;
    else p.infants += pp.count;
  }
  return p;
}

/** Trip type from the slices: one is one-way, two back to the origin a round trip. */
export function tripTypeOf(slices: readonly SliceEcho[]): TripType {
  if (slices.length === 1) return 'oneway';
  if (slices.length === 2 && slices[1]!.destination === slices[0]!.origin) return 'roundtrip';
  return 'multicity';
}

/** Input of `finishRecord`. */
export interface RecordDraft {
  vendor: VendorName;
  body: string | Buffer;
  ctx: RequestContext;
  echo: SearchEcho;
  offers: Offer[];
  rejected: Rejection[];
  /** Position of this record among the payload's records (for assigned ids); default 0. */
  recordIndex?: number;
}

/**
 * Assembles and validates one record from its offers. With no offers left it gives no
 * record (and a whole-payload rejection if nothing explains why); a record failing
 * validation becomes a whole-payload rejection listing the fields at fault.
 */
export function finishRecord(d: RecordDraft): AdapterResult {
  const { rejected } = d;
  if (d.offers.length === 0) {
    if (rejected.length === 0) rejected.push({ index: -1, reason: 'no offers in payload' });
    return { records: [], rejected };
  }
  const first = d.offers[0]!;
  const fromOffer = first.legs.map((_, i) => sliceOfLeg(first, i)!);
  const slices = d.echo.slices?.length
    ? d.echo.slices.map((s, i) => ({
        ...s,
        departureDate: s.departureDate ?? fromOffer[i]?.departureDate,
      }))
    : fromOffer;
  let ctx: ReturnType<typeof resolveSearchContext>;
  try {
    ctx = resolveSearchContext(d.vendor, d.body, d.ctx, d.echo, d.recordIndex ?? 0);
  } catch (err) {
    rejected.push({ index: -1, reason: reasonOf(err) });
    return { records: [], rejected };
  }
  const tripType = tripTypeOf(slices);
  const candidate: Record<string, unknown> = {
    ...ctx,
    vendor: d.vendor,
    origin: slices[0]?.origin,
    destination: slices[0]?.destination,
    departureDate: slices[0]?.departureDate,
    tripType,
    passengers: d.echo.passengers ?? passengersOf(first) ?? DEFAULT_PASSENGERS,
    offers: d.offers,
  };
  if (tripType === 'roundtrip') candidate.returnDate = slices[1]?.departureDate;
  const v = validateRecord(candidate);
  if (!v.ok) {
    rejected.push({ index: -1, reason: `search: ${v.errors.join('; ')}` });
    return { records: [], rejected };
  }
  return { records: [v.record as ShoppingRecord], rejected };
}

/** An AdapterResult rejecting the whole payload for `err`. */
export function rejectAll(err: unknown): AdapterResult {
  return { records: [], rejected: [{ index: -1, reason: reasonOf(err) || 'unreadable payload' }] };
}
