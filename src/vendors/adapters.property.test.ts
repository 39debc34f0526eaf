import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createAdapters } from './adapters.js';
import { allFixtures, assertContract, context } from './testing/vendor-test-kit.js';
import { VENDOR_NAMES, type VendorAdapter } from './vendor-adapter.js';

const adapters = createAdapters();
const ctx = context();

/** Runs the adapter and checks the contract: no throw, valid records, reasons for all. */
function check(adapter: VendorAdapter, body: string | Buffer): void {
  let result: ReturnType<VendorAdapter['parse']>;
  try {
    result = adapter.parse(body, ctx);
  } catch (err) {
    assert.fail(`${adapter.name} threw ${(err as Error).stack}`);
  }
  const problem = assertContract(result);
  assert.equal(problem, undefined, `${adapter.name}: ${problem}`);
}

describe('every adapter on hostile input', () => {
  for (const name of VENDOR_NAMES) {
    const adapter = adapters[name];
    it(`${name}: random JSON values never throw and always give a reason`, () => {
      fc.assert(
        fc.property(fc.jsonValue(), (v) => check(adapter, JSON.stringify(v) ?? '')),
        { numRuns: 150 },
      );
    });

    it(`${name}: random JSON under the keys adapters read never throws`, () => {
      const keys = [
        'data',
        'meta',
        'currency',
        'search_params',
        'OTA_AirLowFareSearchRS',
        'groupedItineraryResponse',
        'PricedItineraries',
        'errors',
      ];
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 6 })), (v) =>
          check(adapter, JSON.stringify(v)),
        ),
        { numRuns: 150 },
      );
    });

    it(`${name}: random bytes never throw and always give a reason`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) =>
          check(adapter, Buffer.from(bytes)),
        ),
        { numRuns: 100 },
      );
    });
  }

  for (const { vendor, name, body } of allFixtures()) {
    it(`${vendor}: truncations of ${name} never throw and always give a reason`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: body.length - 1 }), (n) =>
          check(adapters[vendor], body.subarray(0, n)),
        ),
        { numRuns: 60 },
      );
    });
  }
});
