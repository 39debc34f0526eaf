import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ShoppingRecord } from './shopping-record.js';
import { type Validation, validateRecord, validateRecordStrictly } from './validate.js';
import { DEFAULT_VALIDATION_POLICY, type ValidationPolicy } from './validation-policy.js';

/** A valid round trip JFK-LAX shopped 2026-11-26, out 2026-12-20, back 2026-12-27. */
function sample(): ShoppingRecord {
  const seg = (n: string, from: string, to: string, at: string) => ({
    carrier: 'AA',
    flightNumber: n,
    origin: from,
    destination: to,
    departAt: `${at}T08:00`,
    arriveAt: `${at}T11:30`,
    bookingClass: 'Y',
    fareBasis: 'YRT',
  });
  return {
    id: 'tx-1',
    vendor: 'generic',
    shoppedAt: '2026-11-26T05:00:00.000Z',
    receivedAt: '2026-11-26T05:00:01.250Z',
    pos: 'US',
    origin: 'JFK',
    destination: 'LAX',
    departureDate: '2026-12-20',
    returnDate: '2026-12-27',
    tripType: 'roundtrip',
    passengers: { adults: 1, children: 0, infants: 0 },
    offers: [
      {
        totalAmount: 342.5,
        currency: 'USD',
        validatingCarrier: 'AA',
        carriers: ['AA'],
        cabin: 'economy',
        legs: [
          { stops: 0, segments: [seg('1', 'JFK', 'LAX', '2026-12-20')] },
          { stops: 0, segments: [seg('2', 'LAX', 'JFK', '2026-12-27')] },
        ],
      },
    ],
  };
}

type Rec = ShoppingRecord & Record<string, unknown>;

/** Validates a changed sample on both paths; they must agree, errors and all. */
function check(mutate: (r: Rec) => void, policy: ValidationPolicy = DEFAULT_VALIDATION_POLICY) {
  const r = structuredClone(sample()) as Rec;
  mutate(r);
  const strict = validateRecordStrictly(structuredClone(r), policy);
  const fast = validateRecord(r, policy);
  assert.deepEqual(fast, strict, 'fast path and zod disagree');
  return fast;
}

function errorsOf(v: Validation): string[] {
  return v.ok ? [] : v.errors;
}

function assertRejected(v: Validation, expected: RegExp): void {
  assert.equal(v.ok, false, `accepted, expected ${expected}`);
  assert.ok(
    errorsOf(v).some((e) => expected.test(e)),
    `expected ${expected}, got: ${errorsOf(v).join(' | ')}`,
  );
}

const seg0 = (r: Rec, offer = 0, leg = 0, segment = 0) =>
  r.offers[offer]!.legs[leg]!.segments[segment]!;

describe('validation that knows the domain', () => {
  it('accepts the sample, a city code and one day of time-zone slack', () => {
    assert.equal(check(() => {}).ok, true);
    const city = check((r) => {
      r.destination = 'NYC';
      r.origin = 'LON';
    });
    assert.equal(city.ok, true, errorsOf(city).join());
    const slack = check((r) => {
      r.shoppedAt = '2026-12-21T03:00:00.000Z';
      r.receivedAt = '2026-12-21T03:00:00.000Z';
    });
    assert.equal(slack.ok, true, errorsOf(slack).join());
  });

  describe('the findings of issue 15', () => {
    it('rejects airport QQQ, wherever it is, naming the field', () => {
      assertRejected(
        check((r) => {
          r.origin = 'QQQ';
        }),
        /^origin: QQQ is not a known IATA airport or city code$/,
      );
      assertRejected(
        check((r) => {
          seg0(r, 0, 1).destination = 'QQQ';
        }),
        /^offers\[0\]\.legs\[1\]\.segments\[0\]\.destination: QQQ is not a known IATA/,
      );
    });

    it('rejects point of sale ZZ', () => {
      assertRejected(
        check((r) => {
          r.pos = 'ZZ';
        }),
        /^pos: ZZ is not an ISO 3166 country code$/,
      );
    });

    it('rejects a departure years before the search (lead_days -2527)', () => {
      assertRejected(
        check((r) => {
          r.departureDate = '2020-01-23';
          r.returnDate = '2020-01-30';
          seg0(r).departAt = '2020-01-23T08:00';
          seg0(r, 0, 1).departAt = '2020-01-30T08:00';
        }),
        /^departureDate: 2020-01-23 is before the search \(shoppedAt 2026-11-26T05:00:00\.000Z\)$/,
      );
      assertRejected(
        check((r) => {
          r.shoppedAt = '2026-12-22T00:00:00.000Z';
          r.receivedAt = '2026-12-22T00:00:00.000Z';
        }),
        /^departureDate: 2026-12-20 is before the search/,
      );
    });

    it('rejects shoppedAt in 2099, and more than the configured skew ahead', () => {
      assertRejected(
        check((r) => {
          r.shoppedAt = '2099-01-01T00:00:00Z';
        }),
        /^shoppedAt: 2099-01-01T00:00:00\.000Z is in the future: more than 300 s after receivedAt/,
      );
      const fourMinutesAhead = (r: Rec) => {
        r.shoppedAt = '2026-11-26T05:04:00.000Z';
      };
      assert.equal(check(fourMinutesAhead).ok, true);
      assertRejected(
        check(fourMinutesAhead, { ...DEFAULT_VALIDATION_POLICY, maxClockSkewMs: 60_000 }),
        /^shoppedAt: .* more than 60 s after receivedAt/,
      );
    });

    it('rejects a price of 0 (and below)', () => {
      for (const total of [0, -0.01]) {
        assertRejected(
          check((r) => {
            r.offers[0]!.totalAmount = total;
          }),
          /^offers\[0\]\.totalAmount: must be positive$/,
        );
      }
    });

    it('rejects 10^9 adults and other passenger counts out of range', () => {
      const cases: [Partial<ShoppingRecord['passengers']>, RegExp][] = [
        [{ adults: 1e9 }, /^passengers\.adults: must be 1-9$/],
        [{ adults: 0, children: 1 }, /^passengers\.adults: must be 1-9$/],
        [{ children: 10 }, /^passengers\.children: must be 0-9$/],
        [{ infants: -1 }, /^passengers\.infants: must be 0-9$/],
        [{ adults: 1, infants: 2 }, /^passengers\.infants: 2 infants with 1 adults/],
        [{ adults: 1.5 }, /^passengers\.adults: must be a whole number$/],
      ];
      for (const [p, expected] of cases)
        assertRejected(
          check((r) => {
            Object.assign(r.passengers, p);
          }),
          expected,
        );
      assert.equal(
        check((r) => {
          r.passengers = { adults: 9, children: 9, infants: 9 };
        }).ok,
        true,
      );
    });

    it('rejects control characters (NUL included) in identifiers and codes', () => {
      for (const c of ['\u0000', '\u0007', '\n', '\u007f', '\u0085']) {
        assertRejected(
          check((r) => {
            r.id = `tx${c}1`;
          }),
          /^id: must not contain control characters$/,
        );
        assertRejected(
          check((r) => {
            seg0(r, 0, 1).fareBasis = `Y${c}`;
          }),
          /^offers\[0\]\.legs\[1\]\.segments\[0\]\.fareBasis: must not contain control/,
        );
        assertRejected(
          check((r) => {
            seg0(r).bookingClass = c;
          }),
          /^offers\[0\]\.legs\[0\]\.segments\[0\]\.bookingClass: must not contain control/,
        );
      }
      // Codes with a fixed shape refuse them as well (a trailing newline included).
      for (const [path, set] of [
        [/^origin:/, (r: Rec) => (r.origin = 'JFK\n')],
        [/^offers\[0\]\.carriers\[0\]:/, (r: Rec) => (r.offers[0]!.carriers[0] = 'A\u0000')],
        [/^offers\[0\]\.currency:/, (r: Rec) => (r.offers[0]!.currency = 'US\u0000')],
        [
          /^offers\[0\]\.legs\[0\]\.segments\[0\]\.flightNumber:/,
          (r: Rec) => (seg0(r).flightNumber = '1\u0000'),
        ],
        [/^pos:/, (r: Rec) => (r.pos = 'U\u0000')],
        [/^vendor:/, (r: Rec) => (r.vendor = 'generic\u0000')],
      ] as const)
        assertRejected(check(set), path);
    });
  });

  describe('offers must fit the search (issue 16)', () => {
    it('rejects a trip type that does not fit the legs', () => {
      assertRejected(
        check((r) => {
          r.tripType = 'oneway';
          delete r.returnDate;
        }),
        /^offers\[0\]\.legs: a oneway offer has 1 leg\(s\), this one 2$/,
      );
      assertRejected(
        check((r) => {
          r.offers[0]!.legs.pop();
        }),
        /^offers\[0\]\.legs: a roundtrip offer has 2 leg\(s\), this one 1$/,
      );
      assertRejected(
        check((r) => {
          r.tripType = 'multicity';
          delete r.returnDate;
          r.offers[0]!.legs.pop();
        }),
        /^offers\[0\]\.legs: a multicity offer has at least 2 leg\(s\), this one 1$/,
      );
      assert.equal(
        check((r) => {
          r.tripType = 'multicity';
          delete r.returnDate;
        }).ok,
        true,
      );
    });

    it("rejects an offer whose first flight does not leave on the record's departure date", () => {
      assertRejected(
        check((r) => {
          r.offers.push(structuredClone(r.offers[0]!));
          seg0(r, 1).departAt = '2026-12-21T00:30';
        }),
        /^offers\[1\]\.legs\[0\]\.segments\[0\]\.departAt: leaves on 2026-12-21, not on departureDate 2026-12-20$/,
      );
    });

    it('rejects a round trip whose last leg does not leave on the return date', () => {
      assertRejected(
        check((r) => {
          seg0(r, 0, 1).departAt = '2026-12-28T08:00';
        }),
        /^offers\[0\]\.legs\[1\]\.segments\[0\]\.departAt: leaves on 2026-12-28, not on returnDate 2026-12-27$/,
      );
    });
  });

  describe('unknown airports under the flag policy', () => {
    const flag: ValidationPolicy = { ...DEFAULT_VALIDATION_POLICY, unknownAirports: 'flag' };

    it('keeps the record and flags every unknown code with its path', () => {
      const v = check((r) => {
        r.origin = 'QQQ';
        seg0(r).origin = 'QQQ';
      }, flag);
      assert.ok(v.ok);
      assert.equal(v.record.origin, 'QQQ');
      assert.deepEqual(v.flags, [
        'origin: QQQ is not a known IATA airport or city code',
        'offers[0].legs[0].segments[0].origin: QQQ is not a known IATA airport or city code',
      ]);
    });

    it('flags nothing on a clean record, and still rejects everything else', () => {
      const clean = check(() => {}, flag);
      assert.ok(clean.ok);
      assert.equal(clean.flags, undefined);
      assertRejected(
        check((r) => {
          r.pos = 'ZZ';
        }, flag),
        /^pos: ZZ/,
      );
    });
  });
});
