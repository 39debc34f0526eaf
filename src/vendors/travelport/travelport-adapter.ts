/**
 * Travelport Universal API low fare search responses (`LowFareSearchRsp`, and the
 * `LowFareSearchAsyncRsp` / `RetrieveLowFareSearchRsp` of asynchronous shopping) as
 * XML, in a SOAP envelope or bare, any air schema version and any namespace prefixes
 * (`air:`, `air52:`, a default namespace). Segments and fares are listed once
 * (`AirSegmentList`, `FareInfoList`) and referenced by `Key`. Results are either
 * `AirPricePoint`s (price-points.ts) or `AirPricingSolution`s (pricing-solutions.ts);
 * amounts carry their currency in front ("EUR178.74"). The legs of all `Route`s of the
 * `RouteList` are the request's routes. The response carries no time of its own
 * (`ResponseTime` is a duration), so the shop time is `X-Shopped-At` or the receipt.
 * Offers are rejected by the index of their price point or solution.
 */
import { XMLParser } from 'fast-xml-parser';
import { AdapterBase } from '../adapter-base.js';
import { PayloadError } from '../errors.js';
import { bodyText, isObject, type Json, list, obj, optStr } from '../read.js';
import { collectOffers, finishRecord, type SliceEcho } from '../record-builder.js';
import type { AdapterResult, Rejection, RequestContext } from '../vendor-adapter.js';
import { parsePricePoint } from './price-points.js';
import { parsePricingSolution } from './pricing-solutions.js';
import { keyed, type Lists } from './travelport-common.js';

/** Response elements that carry low fare search results, in the order looked for. */
const RESPONSE_ELEMENTS = ['LowFareSearchRsp', 'LowFareSearchAsyncRsp', 'RetrieveLowFareSearchRsp'];

/** The `encoding` of an XML declaration at the start of `bytes`, if any. */
function xmlDeclaredEncoding(bytes: Buffer): string | undefined {
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, 200));
  return /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
}

/** The text of a SOAP 1.1 (`faultstring`) or 1.2 (`Reason.Text`) fault. */
function faultText(fault: Json): string | undefined {
  const reason = isObject(fault.Reason) ? list(fault.Reason.Text)[0] : undefined;
  return optStr(fault.faultstring) ?? optStr(isObject(reason) ? reason['#text'] : reason);
}

/** Texts of the response's `ResponseMessage`s of type Error (or all, when none is). */
function responseMessages(rsp: Json): string[] {
  const all = list(rsp.ResponseMessage).map((m) =>
    isObject(m)
      ? { type: optStr(m.Type), text: optStr(m['#text']) }
      : { type: undefined, text: optStr(m) },
  );
  const errors = all.filter((m) => m.type === 'Error');
  return (errors.length > 0 ? errors : all).flatMap((m) => (m.text ? [m.text] : []));
}

/** Adapter for Travelport uAPI low fare search XML responses. */
export class TravelportAdapter extends AdapterBase {
  readonly name = 'travelport' as const;
  readonly contentTypes = ['text/xml', 'application/xml', 'application/soap+xml'];
  readonly #parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    parseAttributeValue: false,
    parseTagValue: false,
    processEntities: true,
  });

  protected read(body: string | Buffer, ctx: RequestContext): AdapterResult {
    const text = bodyText(body, ctx, xmlDeclaredEncoding);
    if (text.trim() === '') throw new PayloadError('', 'empty payload');
    let doc: unknown;
    try {
      doc = this.#parser.parse(text, true);
    } catch (err) {
      throw new PayloadError('', `not valid XML: ${(err as Error).message}`);
    }
    const root = obj(doc, 'payload');
    const envBody =
      isObject(root.Envelope) && isObject(root.Envelope.Body) ? root.Envelope.Body : root;
    if (isObject(envBody.Fault)) {
      throw new PayloadError(
        'Fault',
        `SOAP fault: ${faultText(envBody.Fault) ?? 'no faultstring'}`,
      );
    }
    const element = RESPONSE_ELEMENTS.find((e) => isObject(envBody[e]));
    if (!element) {
      throw new PayloadError(
        'payload',
        'no LowFareSearchRsp element (expected a uAPI low fare search response)',
      );
    }
    const rsp = envBody[element] as Json;
    const lists: Lists = {
      segments: keyed(
        isObject(rsp.AirSegmentList) ? rsp.AirSegmentList.AirSegment : undefined,
        'AirSegmentList.AirSegment',
      ),
      fares: keyed(
        isObject(rsp.FareInfoList) ? rsp.FareInfoList.FareInfo : undefined,
        'FareInfoList.FareInfo',
      ),
    };
    const points = isObject(rsp.AirPricePointList) ? list(rsp.AirPricePointList.AirPricePoint) : [];
    const solutions = list(rsp.AirPricingSolution);
    if (points.length === 0 && solutions.length === 0) {
      const messages = responseMessages(rsp);
      throw new PayloadError(
        element,
        `no AirPricePoint or AirPricingSolution in the response${
          messages.length > 0 ? ` (ResponseMessage: ${messages.join('; ')})` : ''
        }`,
      );
    }
    // Every leg of every Route: a request of two routes is a round trip or multi-city.
    const slices: SliceEcho[] = [];
    const routes = isObject(rsp.RouteList) ? list(rsp.RouteList.Route) : [];
    for (const route of routes) {
      for (const leg of list(isObject(route) ? route.Leg : undefined)) {
        if (!isObject(leg)) continue;
        const origin = optStr(leg.Origin);
        const destination = optStr(leg.Destination);
        if (origin && destination)
          slices.push({ origin: origin.toUpperCase(), destination: destination.toUpperCase() });
      }
    }
    const rejected: Rejection[] = [];
    const offers =
      points.length > 0
        ? collectOffers(
            points,
            (pp, i) => parsePricePoint(lists, pp, i),
            rejected,
            (i) => `AirPricePointList.AirPricePoint[${i}]`,
          )
        : collectOffers(
            solutions,
            (sol, i) => parsePricingSolution(lists, sol, i),
            rejected,
            (i) => `AirPricingSolution[${i}]`,
          );
    const echo = { id: optStr(rsp.TransactionId), slices };
    return finishRecord({ vendor: this.name, body, ctx, echo, offers, rejected });
  }
}
