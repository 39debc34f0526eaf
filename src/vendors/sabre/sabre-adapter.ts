/**
 * Sabre Bargain Finder Max responses, in both JSON shapes: `OTA_AirLowFareSearchRS`
 * (v3/v4) and `groupedItineraryResponse` (v5/v6). The shape is recognised from the
 * root key, so one route serves both. A Lead Price Calendar (`FareInfo[]`: a lowest fare
 * per date, no flights) is refused by name.
 */
import { AdapterBase } from '../adapter-base.js';
import { PayloadError } from '../errors.js';
import { isObject, obj, parseJson } from '../read.js';
import type { AdapterResult, RequestContext } from '../vendor-adapter.js';
import { readGroupedItineraryResponse } from './grouped-itinerary-response.js';
import { readOtaLowFareSearch } from './ota-low-fare-search.js';

/** Adapter for Sabre Bargain Finder Max JSON responses (v3 to v6). */
export class SabreAdapter extends AdapterBase {
  readonly name = 'sabre' as const;
  readonly contentTypes = ['application/json'];

  protected read(body: string | Buffer, ctx: RequestContext): AdapterResult {
    const root = obj(parseJson(body, ctx), 'payload');
    if (isObject(root.groupedItineraryResponse)) {
      return readGroupedItineraryResponse(root.groupedItineraryResponse, body, ctx);
    }
    if (isObject(root.OTA_AirLowFareSearchRS)) {
      return readOtaLowFareSearch(root.OTA_AirLowFareSearchRS, body, ctx);
    }
    if (isObject(root.PricedItineraries)) return readOtaLowFareSearch(root, body, ctx);
    if (Array.isArray(root.FareInfo)) {
      throw new PayloadError(
        'FareInfo',
        'a Lead Price Calendar lists the lowest fare per date and no flights; post the Bargain Finder Max alternate-dates or Advanced Calendar Search response of those dates instead',
      );
    }
    throw new PayloadError(
      'payload',
      'neither a groupedItineraryResponse (BFM v5/v6) nor an OTA_AirLowFareSearchRS (BFM v3/v4)',
    );
  }
}
