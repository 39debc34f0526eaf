/**
 * Date and time shapes of vendor payloads turned into the record's: local wall-clock
 * date-times without offset, calendar dates, durations in minutes.
 */
import { PayloadError } from './errors.js';

const DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const TIME = /^(\d{2}:\d{2})(:\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * The local wall time of a vendor date-time, `YYYY-MM-DDTHH:mm[:ss]`: any UTC offset or
 * `Z` is dropped (vendors give local times; Kiwi marks them `Z` although they are
 * local), fractions of a second too. Throws PayloadError naming `path` otherwise.
 */
export function localDateTime(raw: unknown, path: string): string {
  const m = typeof raw === 'string' ? DATE_TIME.exec(raw.trim()) : null;
  if (!m) {
    throw new PayloadError(path, `${JSON.stringify(raw) ?? 'missing'} is not a date-time`);
  }
  return `${m[1]}T${m[2]}${m[3] ?? ''}`;
}

/** `HH:mm[:ss]` of a time of day with an optional offset ("20:55:00+05:30"). */
export function localTime(raw: unknown, path: string): string {
  const m = typeof raw === 'string' ? TIME.exec(raw.trim()) : null;
  if (!m) throw new PayloadError(path, `${JSON.stringify(raw) ?? 'missing'} is not a time`);
  return `${m[1]}${m[2] ?? ''}`;
}

/** The calendar date `days` after `date` (YYYY-MM-DD); throws PayloadError if not a date. */
export function addDays(date: string, days: number, path: string): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(t)) {
    throw new PayloadError(path, `${JSON.stringify(date)} is not a date`);
  }
  return new Date(t + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Minutes of an ISO 8601 duration ("PT9H20M", "P1DT1H10M0S", "PT02H26M"), or
 * undefined when `raw` is absent or not one (durations are optional in the record).
 */
export function isoDurationMinutes(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = ISO_DURATION.exec(raw.trim());
  if (!m || raw.trim() === 'P' || raw.trim().endsWith('T')) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  return d * 1440 + h * 60 + min + Math.round(s / 60);
}
