/**
 * The steps every adapter shares after reading its format: collect offers item by item
 * (a bad item becomes a rejection, the rest go on), group them by the dates they fly on
 * (one record per searched date pair), derive each search (market, trip type,
 * passengers) from the request's routes or the offers' legs, resolve the search context,
 * and validate the records.
 */

import {
  type Offer,
  offerSchema,
  type Passengers,
  type ShoppingRecord,
  type TripType,
} from '../model/shopping-record.js';
import { describeIssues, validateRecord } from '../model/validate.js';
import { toMinor } from './amount.js';
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
  /** Every route of the request, in order (all of them: they decide the trip type). */
  slices?: SliceEcho[] | undefined;
  /** The trip type when the payload names it but gives no routes (Kiwi's `return` flags). */
  tripType?: TripType | undefined;
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
 * Marks an offer whose base plus taxes, both given, differ from its total by a minor unit
 * or more (`amountsInconsistent`); the total is kept as the vendor's truth. Returns it.
 */
export function flagAmounts(o: Offer): Offer {
  if (o.baseAmount === undefined || o.taxAmount === undefined) return o;
  const sum = toMinor(o.baseAmount, o.currency) + toMinor(o.taxAmount, o.currency);
  if (sum !== toMinor(o.totalAmount, o.currency)) o.amountsInconsistent = true;
  return o;
}

/**
 * Builds offers from payload items. Each item gives zero or more offers; an item that
 * throws, or gives an offer that fails the offer schema, adds a rejection at its index
 * and the others go on; offers whose amounts do not add up are flagged (`flagAmounts`).
 * `itemPath(i)` names item `i` in a schema failure's reason (whose
 * field paths are relative to the offer built), e.g. `data[3]: offer legs[0]...`.
 */
export function collectOffers<T>(
  items: readonly T[],
  build: (item: T, index: number) => Offer | Offer[],
  rejected: Rejection[],
  itemPath?: (index: number) => string,
  /** False where the tax is derived from the total, so the sum cannot disagree; default true. */
  checkAmounts = true,
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
      if (r.success) offers.push(checkAmounts ? flagAmounts(o) : o);
      else {
        const issues = describeIssues(r.error).join('; ');
        rejected.push({ index: i, reason: itemPath ? `${itemPath(i)}: offer ${issues}` : issues });
      }
    }
  });
  return offers;
}

/** The legs of an offer as slices: where each leg starts, ends and leaves (local date). */
export function slicesOfOffer(o: Offer): SliceEcho[] {
  return o.legs.map((l) => {
    const first = l.segments[0]!;
    return {
      origin: first.origin,
      destination: l.segments[l.segments.length - 1]!.destination,
      departureDate: first.departAt.slice(0, 10),
    };
  });
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

/**
 * Trip type from all the routes of a search: one is one-way; two where the second is
 * the first reversed (same airports) a round trip; anything else, open jaws included, is
 * multi-city (the record keeps every leg).
 */
export function tripTypeOf(slices: readonly Pick<SliceEcho, 'origin' | 'destination'>[]): TripType {
  if (slices.length <= 1) return 'oneway';
  const [out, back] = [slices[0]!, slices[1]!];
  if (slices.length === 2 && back.origin === out.destination && back.destination === out.origin) {
    return 'roundtrip';
  }
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
  /**
   * The request's routes per offer (parallel to `offers`) when they differ between the
   * offers of one payload (Sabre's itinerary groups); default `echo.slices` for all.
   */
  routes?: readonly (readonly SliceEcho[] | undefined)[];
}

/** Offers of one searched date pair and trip type, and the search they answer. */
interface DateGroup {
  tripType: TripType;
  origin: string;
  destination: string;
  departureDate: string;
  returnDate: string | undefined;
  offers: Offer[];
}

/**
 * The search an offer answers. The request's routes decide the trip type and market
 * when the offer has one leg per route; otherwise (no routes in the payload, or an offer
 * that does not fit them) the offer's own legs do, unless the payload names the trip
 * type (`echo.tripType`). The dates are always the offer's own: the local departure
 * date of its first flight, and of its last leg's first flight for a round trip.
 */
function searchOf(o: Offer, routes: readonly SliceEcho[] | undefined, echo: SearchEcho) {
  const own = slicesOfOffer(o);
  const fits = routes !== undefined && routes.length > 0 && routes.length === own.length;
  const slices = fits ? routes : own;
  const tripType =
    !fits && echo.tripType && (echo.tripType === 'roundtrip') === (own.length === 2)
      ? echo.tripType
      : tripTypeOf(slices);
  return {
    tripType,
    origin: slices[0]!.origin,
    destination: slices[0]!.destination,
    departureDate: own[0]!.departureDate!,
    returnDate: tripType === 'roundtrip' ? own[own.length - 1]!.departureDate : undefined,
    // Routes of different searches in one payload (Sabre's one-way itineraries per leg)
    // stay apart; offers without routes group by dates alone (a city search's airports).
    routeKey: fits ? slices.map((r) => `${r.origin}-${r.destination}`).join(',') : '',
  };
}

/**
 * Offers grouped by (trip type, departure date, return date, and the request routes they
 * answer when the payload has several), in order of first offer.
 */
function groupByDates(d: RecordDraft): DateGroup[] {
  const groups = new Map<string, DateGroup>();
  d.offers.forEach((o, i) => {
    const s = searchOf(o, d.routes?.[i] ?? d.echo.slices, d.echo);
    const key = `${s.tripType}|${s.departureDate}|${s.returnDate ?? ''}|${s.routeKey}`;
    const g = groups.get(key);
    if (g) g.offers.push(o);
    else
      groups.set(key, {
        tripType: s.tripType,
        origin: s.origin,
        destination: s.destination,
        departureDate: s.departureDate,
        returnDate: s.returnDate,
        offers: [o],
      });
  });
  return [...groups.values()];
}

/**
 * Record ids of the groups, derived from the payload's id: the plain id for a payload of
 * one group (so a retry dedupes as before), else `<id>~<departureDate>[~<returnDate>]`,
 * with `~<tripType>~<origin>-<destination>` added where two groups share dates.
 */
function groupIds(base: string, groups: readonly DateGroup[]): string[] {
  if (groups.length === 1) return [base];
  const byDates = groups.map(
    (g) => `${base}~${g.departureDate}${g.returnDate ? `~${g.returnDate}` : ''}`,
  );
  return byDates.map((id, i) =>
    byDates.indexOf(id) === byDates.lastIndexOf(id)
      ? id
      : `${id}~${groups[i]!.tripType}~${groups[i]!.origin}-${groups[i]!.destination}`,
  );
}

/**
 * Assembles and validates the records of one payload: one per searched date pair (see
 * `searchOf`), so a flexible-date or calendar search gives one record per date its
 * offers fly on. With no offers left it gives no record (and a whole-payload rejection
 * if nothing explains why); a record failing validation becomes a whole-payload
 * rejection naming its dates and the fields at fault, and the other records stand.
 */
export function finishRecord(d: RecordDraft): AdapterResult {
  const { rejected } = d;
  if (d.offers.length === 0) {
    if (rejected.length === 0) rejected.push({ index: -1, reason: 'no offers in payload' });
    return { records: [], rejected };
  }
  let ctx: ReturnType<typeof resolveSearchContext>;
  try {
    ctx = resolveSearchContext(d.vendor, d.body, d.ctx, d.echo, 0);
  } catch (err) {
    rejected.push({ index: -1, reason: reasonOf(err) });
    return { records: [], rejected };
  }
  const groups = groupByDates(d);
  const ids = groupIds(ctx.id, groups);
  const records: ShoppingRecord[] = [];
  groups.forEach((g, i) => {
    const candidate: Record<string, unknown> = {
      ...ctx,
      id: ids[i],
      vendor: d.vendor,
      origin: g.origin,
      destination: g.destination,
      departureDate: g.departureDate,
      tripType: g.tripType,
      passengers: d.echo.passengers ?? passengersOf(g.offers[0]) ?? DEFAULT_PASSENGERS,
      offers: g.offers,
    };
    if (g.returnDate !== undefined) candidate.returnDate = g.returnDate;
    const v = validateRecord(candidate, d.ctx.validation);
    if (v.ok) records.push(v.record as ShoppingRecord);
    else {
      const what = groups.length === 1 ? 'search' : `search ${ids[i]}`;
      rejected.push({ index: -1, reason: `${what}: ${v.errors.join('; ')}` });
    }
  });
  return { records, rejected };
}

/** An AdapterResult rejecting the whole payload for `err`. */
export function rejectAll(err: unknown): AdapterResult {
  return { records: [], rejected: [{ index: -1, reason: reasonOf(err) || 'unreadable payload' }] };
}
