import { AmadeusAdapter } from './amadeus/amadeus-adapter.js';
import { DuffelAdapter } from './duffel/duffel-adapter.js';
import { GenericAdapter } from './generic/generic-adapter.js';
import { KiwiAdapter } from './kiwi/kiwi-adapter.js';
import { SabreAdapter } from './sabre/sabre-adapter.js';
import { TravelportAdapter } from './travelport/travelport-adapter.js';
import type { VendorAdapter, VendorName } from './vendor-adapter.js';

/**
 * One adapter per vendor, keyed by name (an exhaustive record: a new `VendorName` does
 * not compile until it has an adapter). Called once by each composition root; adapters
 * are stateless, so one set serves every request.
 */
export function createAdapters(): Record<VendorName, VendorAdapter> {
  return {
    sabre: new SabreAdapter(),
    amadeus: new AmadeusAdapter(),
    travelport: new TravelportAdapter(),
    duffel: new DuffelAdapter(),
    kiwi: new KiwiAdapter(),
    generic: new GenericAdapter(),
  };
}
