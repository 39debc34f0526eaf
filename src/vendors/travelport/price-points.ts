/**
 * Travelport `AirPricePointList` results (`SolutionResult="false"`, the default): each
 * `AirPricePoint` is one price with, per leg, alternative `Option`s of `BookingInfo`
 * segment references (`FlightOptionsList.FlightOption.Option`, with `Connection`
 * markers between the segments of one option). Every combination of options (up to
 * `MAX_COMBINATIONS` per price point) is one offer at that price.
 */
import type { Leg, Offer } from '../../model/shopping-record.js';
import { isoDurationMinutes } from '../date-time.js';
import { PayloadError } from '../errors.js';
import { legOf } from '../offer-parts.js';
import { isObject, type Json, list, obj } from '../read.js';
import {
  BASE_KEYS,
  bookedSegment,
  firstIn,
  type Lists,
  passengerPricing,
  pricedOffer,
  refundableOf,
  segmentByRef,
  TAX_KEYS,
  totalOf,
} from './travelport-common.js';

/** Most offers taken from one price point's option combinations. */
export const MAX_COMBINATIONS = 32;

function combinations<T>(choices: T[][]): T[][] {
  let out: T[][] = [[]];
  for (const options of choices) {
    const next: T[][] = [];
    for (const prefix of out) {
      for (const o of options) {
        if (next.length >= MAX_COMBINATIONS) break;
        next.push([...prefix, o]);
      }
    }
    out = next;
  }
  return out;
}

/** The offers of `AirPricePoint` number `i`; throws PayloadError naming the field at fault. */
export function parsePricePoint(lists: Lists, raw: unknown, i: number): Offer[] {
  const p = `AirPricePointList.AirPricePoint[${i}]`;
  const pp = obj(raw, p);
  const { currency, amount: total } = totalOf(pp, p);
  const infos = list(pp.AirPricingInfo).map((x, j) => obj(x, `${p}.AirPricingInfo[${j}]`));
  const first = infos[0];
  if (!first) throw new PayloadError(`${p}.AirPricingInfo`, 'missing');
  const ip = `${p}.AirPricingInfo[0]`;
  const { prices, perAdult } = passengerPricing(infos, currency, total, p);

  const legChoices = list(
    isObject(first.FlightOptionsList) ? first.FlightOptionsList.FlightOption : undefined,
  ).map((fo, k) => {
    const fp = `${ip}.FlightOptionsList.FlightOption[${k}]`;
    const options = list(obj(fo, fp).Option).map((x, n) => ({
      option: obj(x, `${fp}.Option[${n}]`),
      path: `${fp}.Option[${n}]`,
    }));
    if (options.length === 0) throw new PayloadError(`${fp}.Option`, 'no options');
    return options;
  });
  if (legChoices.length === 0)
    throw new PayloadError(`${ip}.FlightOptionsList`, 'no flight options');

  const seatCounts: number[] = [];
  const toLeg = ({ option, path }: { option: Json; path: string }): Leg => {
    let technical = 0;
    const segments = list(option.BookingInfo).map((b, n) => {
      const bp = `${path}.BookingInfo[${n}]`;
      const bi = obj(b, bp);
      const seg = segmentByRef(lists, bi.SegmentRef, `${bp}@SegmentRef`);
      const booked = bookedSegment(lists, seg, bi, `AirSegment[Key=${String(bi.SegmentRef)}]`);
      if (booked.seats !== undefined) seatCounts.push(booked.seats);
      technical += booked.technicalStops;
      return booked.segment;
    });
    if (segments.length === 0) throw new PayloadError(`${path}.BookingInfo`, 'no segments');
    return legOf(segments, isoDurationMinutes(option.TravelTime), technical);
  };

  const price = {
    currency,
    total,
    base: firstIn(pp, BASE_KEYS, currency, p),
    tax: firstIn(pp, TAX_KEYS, currency, p),
    perAdult,
    prices,
    refundable: refundableOf(first),
  };
  return combinations(legChoices).map((combo) => {
    seatCounts.length = 0;
    const legs = combo.map(toLeg);
    return pricedOffer(legs, first.PlatingCarrier, price, seatCounts);
  });
}
