/**
 * The default ponds computed in plain TypeScript over the records, independently of the
 * SQL, for tests and the bench. Keys are the output rows' grouping columns joined by `|`.
 */
import type { ShoppingRecord } from '../../model/shopping-record.js';

const DAY_MS = 86_400_000;
const day = (iso: string) => iso.slice(0, 10);
const daysBetween = (a: string, b: string) =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
const monday = (d: string) => {
  const t = Date.parse(`${d}T00:00:00Z`);
  const dow = new Date(t).getUTCDay();
  return new Date(t - ((dow + 6) % 7) * DAY_MS).toISOString().slice(0, 10);
};

/** The lead-time bucket of the ponds. */
export function leadBucket(lead: number): string {
  if (lead < 7) return '00-06';
  if (lead < 14) return '07-13';
  if (lead < 30) return '14-29';
  if (lead < 60) return '30-59';
  if (lead < 120) return '60-119';
  return '120+';
}

function bump<T>(m: Map<string, T>, k: string, init: () => T, f: (v: T) => void) {
  let v = m.get(k);
  if (v === undefined) {
    v = init();
    m.set(k, v);
  }
  f(v);
}

export function marketDemandDaily(records: readonly ShoppingRecord[]) {
  const m = new Map<string, { searches: number; passengers: number }>();
  for (const r of records) {
    const shop = day(r.shoppedAt);
    const cabin = r.offers[0]?.cabin ?? 'unknown';
    const lead = leadBucket(daysBetween(shop, r.departureDate));
    const k = [shop, `${r.origin}-${r.destination}`, r.pos ?? '', cabin, r.tripType, lead].join(
      '|',
    );
    const p = r.passengers;
    bump(
      m,
      k,
      () => ({ searches: 0, passengers: 0 }),
      (v) => {
        v.searches++;
        v.passengers += p.adults + p.children + p.infants;
      },
    );
  }
  return m;
}

/** The business rule of airport_demand_weekly (see its SQL). */
export function isBusiness(r: ShoppingRecord): boolean {
  const shop = day(r.shoppedAt);
  if (r.passengers.adults !== 1 || r.passengers.children + r.passengers.infants !== 0) return false;
  if (daysBetween(shop, r.departureDate) >= 21) return false;
  if (r.tripType !== 'roundtrip' || !r.returnDate) return true;
  const stay = daysBetween(r.departureDate, r.returnDate);
  if (stay > 5) return false;
  const dow = new Date(`${r.departureDate}T00:00:00Z`).getUTCDay();
  return (6 - dow + 7) % 7 >= stay;
}

export function airportDemandWeekly(records: readonly ShoppingRecord[]) {
  type A = {
    out: number;
    in: number;
    business: number;
    leisure: number;
    markets: Map<string, number>;
  };
  const m = new Map<string, A>();
  for (const r of records) {
    const week = monday(day(r.shoppedAt));
    const market = `${r.origin}-${r.destination}`;
    const biz = isBusiness(r);
    for (const [airport, dir] of [
      [r.origin, 'out'],
      [r.destination, 'in'],
    ] as const) {
      bump(
        m,
        `${week}|${airport}`,
        () => ({ out: 0, in: 0, business: 0, leisure: 0, markets: new Map() }),
        (v) => {
          v[dir]++;
          if (biz) v.business++;
          else v.leisure++;
          v.markets.set(market, (v.markets.get(market) ?? 0) + 1);
        },
      );
    }
  }
  return new Map(
    [...m].map(([k, v]) => [
      k,
      {
        outbound: v.out,
        inbound: v.in,
        business: v.business,
        leisure: v.leisure,
        top: [...v.markets]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .slice(0, 5)
          .map(([mk]) => mk),
      },
    ]),
  );
}

export function fareTrends(records: readonly ShoppingRecord[]) {
  const m = new Map<string, number[]>();
  for (const r of records) {
    const shop = day(r.shoppedAt);
    for (const o of r.offers) {
      const k = [
        shop,
        `${r.origin}-${r.destination}`,
        r.pos ?? '',
        o.cabin,
        r.tripType,
        monday(r.departureDate),
        leadBucket(daysBetween(shop, r.departureDate)),
        o.currency,
      ].join('|');
      bump(
        m,
        k,
        () => [] as number[],
        (v) => v.push(o.totalAmount),
      );
    }
  }
  // Discrete quantile: the element at floor((n - 1) * q) of the sorted values.
  const q = (s: number[], p: number) => s[Math.floor((s.length - 1) * p)]!;
  return new Map(
    [...m].map(([k, v]) => {
      const s = [...v].sort((a, b) => a - b);
      return [k, { offers: s.length, min: s[0]!, p25: q(s, 0.25), median: q(s, 0.5) }];
    }),
  );
}

export function carrierShare(records: readonly ShoppingRecord[]) {
  const m = new Map<string, { offers: number; cheapest: number }>();
  for (const r of records) {
    const min = Math.min(...r.offers.map((o) => o.totalAmount));
    for (const o of r.offers) {
      const k = [
        day(r.shoppedAt),
        `${r.origin}-${r.destination}`,
        r.pos ?? '',
        o.validatingCarrier,
      ].join('|');
      bump(
        m,
        k,
        () => ({ offers: 0, cheapest: 0 }),
        (v) => {
          v.offers++;
          if (o.totalAmount === min) v.cheapest++;
        },
      );
    }
  }
  return m;
}
