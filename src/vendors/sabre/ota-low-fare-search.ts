/**
 * Sabre BFM v3/v4 `OTA_AirLowFareSearchRS` JSON: `PricedItineraries.PricedItinerary[]`,
 * each with `AirItinerary.OriginDestinationOptions` (legs of `FlightSegment`s) and
 * `AirItineraryPricingInfo` (`ItinTotalFare`, `PTC_FareBreakdowns`, `FareInfos`). Being
 * converted from XML, single children may be objects rather than arrays.
 */
import type { Offer, PassengerPrice, Segment } from '../../model/shopping-record.js';
import { multiplyAmount, parseAmount, parseCurrency, sumAmounts } from '../amount.js';
import { offerCabin, SABRE_CABIN_CODES } from '../cabin.js';
import { localDateTime } from '../date-time.js';
import { PayloadError } from '../errors.js';
import { addPassengerPrice, carriersOf, legOf, optCarrier, withOptionals } from '../offer-parts.js';
import { passengerTypeOfCode } from '../passenger-type-code.js';
import {
  code,
  flightNumber,
  isObject,
  type Json,
  list,
  obj,
  optBool,
  optInt,
  optStr,
} from '../read.js';
import { collectOffers, finishRecord, slicesOfOffer } from '../record-builder.js';
import type { AdapterResult, Rejection, RequestContext } from '../vendor-adapter.js';
import { sabreError, sabreTransactionId } from './sabre-common.js';

/** Amount of a Sabre `{ Amount, CurrencyCode }` when it is in `currency`, else undefined. */
function amountIn(v: unknown, currency: string, path: string): number | undefined {
  if (!isObject(v) || v.Amount === undefined) return undefined;
  if (v.CurrencyCode !== undefined && v.CurrencyCode !== currency) return undefined;
  return parseAmount(v.Amount, currency, `${path}.Amount`);
}

/** Base in the selling currency: BaseFare when it is in it, else EquivFare. */
function baseOf(fare: Json, currency: string, path: string): number | undefined {
  return (
    amountIn(fare.BaseFare, currency, `${path}.BaseFare`) ??
    amountIn(fare.EquivFare, currency, `${path}.EquivFare`)
  );
}

/** Total tax: `TotalTax` when given, else the `TOTALTAX` entry of `Taxes.Tax`. */
function taxOfFare(fare: Json, currency: string, path: string): number | undefined {
  const taxes = isObject(fare.Taxes) ? fare.Taxes : undefined;
  if (!taxes) return undefined;
  const total = amountIn(taxes.TotalTax, currency, `${path}.Taxes.TotalTax`);
  if (total !== undefined) return total;
  const all = list(taxes.Tax);
  const t =
    all.find((x) => isObject(x) && x.TaxCode === 'TOTALTAX') ??
    (all.length === 1 ? all[0] : undefined);
  if (t !== undefined || all.length === 0) return amountIn(t, currency, `${path}.Taxes.Tax`);
  // Only the individual taxes: their sum, when every one is in the selling currency.
  const each = all.map((x, k) => amountIn(x, currency, `${path}.Taxes.Tax[${k}]`));
  return each.every((a) => a !== undefined) ? sumAmounts(each as number[], currency) : undefined;
}

function parseItinerary(raw: unknown, p: string): Offer {
  const it = obj(raw, p);
  const air = obj(it.AirItinerary, `${p}.AirItinerary`);
  const odos = obj(air.OriginDestinationOptions, `${p}.AirItinerary.OriginDestinationOptions`);
  const pricing = obj(list(it.AirItineraryPricingInfo)[0], `${p}.AirItineraryPricingInfo[0]`);
  const pp = `${p}.AirItineraryPricingInfo[0]`;
  const itinFare = obj(pricing.ItinTotalFare, `${pp}.ItinTotalFare`);
  const totalFare = obj(itinFare.TotalFare, `${pp}.ItinTotalFare.TotalFare`);
  const currency = parseCurrency(
    totalFare.CurrencyCode,
    `${pp}.ItinTotalFare.TotalFare.CurrencyCode`,
  );
  const total = parseAmount(totalFare.Amount, currency, `${pp}.ItinTotalFare.TotalFare.Amount`);

  // Per-segment facts, in flight order across legs.
  const fareInfos = list(isObject(pricing.FareInfos) ? pricing.FareInfos.FareInfo : undefined);
  const breakdowns = list(
    isObject(pricing.PTC_FareBreakdowns) ? pricing.PTC_FareBreakdowns.PTC_FareBreakdown : undefined,
  );
  const firstPtc = isObject(breakdowns[0]) ? breakdowns[0] : {};
  const fareBasis = list(
    isObject(firstPtc.FareBasisCodes) ? firstPtc.FareBasisCodes.FareBasisCode : undefined,
  ).map((f) => (isObject(f) ? f.content : f));

  let segIndex = 0;
  const seats: number[] = [];
  const legs = list(odos.OriginDestinationOption).map((odoRaw, k) => {
    const lp = `${p}.AirItinerary.OriginDestinationOptions.OriginDestinationOption[${k}]`;
    const odo = obj(odoRaw, lp);
    let technical = 0;
    const segs = list(odo.FlightSegment);
    if (segs.length === 0) throw new PayloadError(`${lp}.FlightSegment`, 'no flight segments');
    const segments = segs.map((sr, n) => {
      const sp = `${lp}.FlightSegment[${n}]`;
      const s = obj(sr, sp);
      const info = fareInfos[segIndex];
      const ext = isObject(info) && isObject(info.TPA_Extensions) ? info.TPA_Extensions : {};
      const cabinCode = isObject(ext.Cabin) ? ext.Cabin.Cabin : undefined;
      const left = isObject(ext.SeatsRemaining) ? optInt(ext.SeatsRemaining.Number) : undefined;
      if (left !== undefined) seats.push(left);
      const basis = fareBasis[segIndex];
      segIndex++;
      technical += optInt(s.StopQuantity) ?? 0;
      const mkt = obj(s.MarketingAirline, `${sp}.MarketingAirline`);
      const seg: Segment = {
        carrier: code(mkt.Code, `${sp}.MarketingAirline.Code`),
        flightNumber: flightNumber(s.FlightNumber, `${sp}.FlightNumber`),
        origin: code(
          obj(s.DepartureAirport, `${sp}.DepartureAirport`).LocationCode,
          `${sp}.DepartureAirport.LocationCode`,
        ),
        destination: code(
          obj(s.ArrivalAirport, `${sp}.ArrivalAirport`).LocationCode,
          `${sp}.ArrivalAirport.LocationCode`,
        ),
        departAt: localDateTime(s.DepartureDateTime, `${sp}.DepartureDateTime`),
        arriveAt: localDateTime(s.ArrivalDateTime, `${sp}.ArrivalDateTime`),
      };
      return withOptionals(seg, {
        operatingCarrier: isObject(s.OperatingAirline) ? s.OperatingAirline.Code : undefined,
        bookingClass: s.ResBookDesigCode,
        fareBasis: basis,
        cabin: typeof cabinCode === 'string' ? SABRE_CABIN_CODES[cabinCode] : undefined,
      });
    });
    return legOf(segments, optInt(odo.ElapsedTime), technical);
  });

  const prices: PassengerPrice[] = [];
  let perAdult: number | undefined;
  let refundable: boolean | undefined;
  breakdowns.forEach((b, j) => {
    const bp = `${pp}.PTC_FareBreakdowns.PTC_FareBreakdown[${j}]`;
    const bd = obj(b, bp);
    const ptq = obj(bd.PassengerTypeQuantity, `${bp}.PassengerTypeQuantity`);
    const type = passengerTypeOfCode(ptq.Code);
    const count = optInt(ptq.Quantity) ?? 1;
    const fare = obj(bd.PassengerFare, `${bp}.PassengerFare`);
    const one = amountIn(fare.TotalFare, currency, `${bp}.PassengerFare.TotalFare`);
    if (one === undefined) return;
    if (type === 'adult' && perAdult === undefined) perAdult = one;
    const price: PassengerPrice = {
      type,
      count,
      totalAmount: multiplyAmount(one, count, currency),
    };
    const base = baseOf(fare, currency, `${bp}.PassengerFare`);
    if (base !== undefined) price.baseAmount = multiplyAmount(base, count, currency);
    const tax = taxOfFare(fare, currency, `${bp}.PassengerFare`);
    if (tax !== undefined) price.taxAmount = multiplyAmount(tax, count, currency);
    addPassengerPrice(prices, currency, price);
    const nonRefundable = isObject(bd.Endorsements)
      ? optBool(bd.Endorsements.NonRefundableIndicator)
      : undefined;
    if (refundable === undefined && nonRefundable !== undefined) refundable = !nonRefundable;
  });

  const ext = isObject(it.TPA_Extensions) ? it.TPA_Extensions : {};
  const pext = isObject(pricing.TPA_Extensions) ? pricing.TPA_Extensions : {};
  const vcx = list(pext.ValidatingCarrier)[0];
  const validating =
    optCarrier(isObject(ext.ValidatingCarrier) ? ext.ValidatingCarrier.Code : undefined) ??
    optCarrier(isObject(vcx) && isObject(vcx.Default) ? vcx.Default.Code : undefined) ??
    legs[0]?.segments[0]?.carrier ??
    '';
  const offer: Offer = {
    totalAmount: total,
    currency,
    validatingCarrier: validating,
    carriers: carriersOf(legs),
    cabin: offerCabin(
      legs.flatMap((l) => l.segments.map((s) => s.cabin)),
      'economy',
    ),
    legs,
  };
  const base = baseOf(itinFare, currency, `${pp}.ItinTotalFare`);
  if (base !== undefined) offer.baseAmount = base;
  const tax = taxOfFare(itinFare, currency, `${pp}.ItinTotalFare`);
  if (tax !== undefined) offer.taxAmount = tax;
  if (perAdult !== undefined) offer.perAdultAmount = perAdult;
  if (prices.length > 0) offer.passengerPrices = prices;
  if (refundable !== undefined) offer.refundable = refundable;
  if (seats.length > 0) offer.seatsRemaining = Math.min(...seats);
  return offer;
}

/**
 * Reads an `OTA_AirLowFareSearchRS` object: `PricedItineraries` and, for a multi-ticket
 * search, `OneWayItineraries.SimpleOneWayItineraries[]` (one-way itineraries per
 * requested leg, its `RPH`), each one-way a search of its own leg. Offers become one
 * record per date pair and route; the shop time is the response's `TimeStamp`.
 * Rejection indexes count `PricedItineraries` first, then the one-way itineraries.
 */
export function readOtaLowFareSearch(
  rs: Json,
  body: string | Buffer,
  ctx: RequestContext,
): AdapterResult {
  const items: { raw: unknown; path: string; oneWay: boolean }[] = [];
  const priced = isObject(rs.PricedItineraries) ? list(rs.PricedItineraries.PricedItinerary) : [];
  priced.forEach((raw, i) => {
    items.push({ raw, path: `PricedItineraries.PricedItinerary[${i}]`, oneWay: false });
  });
  const oneWays = isObject(rs.OneWayItineraries)
    ? list(rs.OneWayItineraries.SimpleOneWayItineraries)
    : [];
  oneWays.forEach((g, k) => {
    const group = isObject(g) ? list(g.PricedItinerary) : [];
    group.forEach((raw, i) => {
      items.push({
        raw,
        path: `OneWayItineraries.SimpleOneWayItineraries[${k}].PricedItinerary[${i}]`,
        oneWay: true,
      });
    });
  });
  if (items.length === 0) {
    const err = sabreError(isObject(rs.Errors) ? rs.Errors.Error : undefined);
    throw new PayloadError(
      'OTA_AirLowFareSearchRS.PricedItineraries',
      err ?? 'no priced itineraries',
    );
  }
  const rejected: Rejection[] = [];
  const oneWay = new Set<Offer>();
  const offers = collectOffers(
    items,
    (item) => {
      const offer = parseItinerary(item.raw, item.path);
      if (item.oneWay) oneWay.add(offer);
      return offer;
    },
    rejected,
    (i) => items[i]!.path,
  );
  // A one-way of a multi-ticket answer is a search of its own leg alone.
  const routes = offers.map((o) => (oneWay.has(o) ? slicesOfOffer(o) : undefined));
  const id = sabreTransactionId(isObject(rs.Warnings) ? rs.Warnings.Warning : undefined);
  const echo = { id, shoppedAt: optStr(rs.TimeStamp) };
  return finishRecord({ vendor: 'sabre', body, ctx, echo, offers, routes, rejected });
}
