/**
 * The configurable part of record validation (config section `validation`). Everything
 * else validation checks is fixed by the record's schema.
 */

/** What to do with an airport code that is not in the IATA reference list. */
export const UNKNOWN_AIRPORT_POLICIES = ['reject', 'flag'] as const;
/** `reject`: the record is refused naming the field; `flag`: it is kept and flagged. */
export type UnknownAirportPolicy = (typeof UNKNOWN_AIRPORT_POLICIES)[number];

/** Default tolerated lead of `shoppedAt` over `receivedAt` (vendor clocks run fast). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** How strict validation is where the operator may choose. */
export interface ValidationPolicy {
  /** Unknown airport or city codes [reject]. */
  readonly unknownAirports: UnknownAirportPolicy;
  /** Largest lead of `shoppedAt` over `receivedAt` accepted, ms [DEFAULT_MAX_CLOCK_SKEW_MS]. */
  readonly maxClockSkewMs: number;
}

/** True when two policies hold the same rules. */
export function samePolicy(a: ValidationPolicy, b: ValidationPolicy): boolean {
  return a.unknownAirports === b.unknownAirports && a.maxClockSkewMs === b.maxClockSkewMs;
}

/** The policy used when none is given: reject unknown codes, 5 minutes of clock skew. */
export const DEFAULT_VALIDATION_POLICY: ValidationPolicy = Object.freeze({
  unknownAirports: 'reject',
  maxClockSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS,
});

/**
 * Why a valid record was kept with a mark: `unknownAirport` (an airport or city code not
 * in the reference list, under `unknownAirports: 'flag'`), `amountsInconsistent` (an
 * offer whose base plus taxes differ from its total).
 */
export const RECORD_FLAGS = ['unknownAirport', 'amountsInconsistent'] as const;
/** One of RECORD_FLAGS. */
export type RecordFlag = (typeof RECORD_FLAGS)[number];
