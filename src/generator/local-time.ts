/**
 * Local wall-clock arithmetic for the generator: UTC offsets of IANA time zones (from the
 * ICU data in Node.js, cached per zone and UTC day) and fast formatting of local
 * date-times without allocating Date objects on the hot path.
 */

const DAY_MS = 86_400_000;

/** Caches the UTC offset of each time zone per UTC day (per hour on days with a DST change). */
export class TimeZoneOffsets {
  private readonly formats = new Map<string, Intl.DateTimeFormat>();
  /** Per zone and UTC day: the offset, or NaN when it changes during that day. */
  private readonly daily = new Map<string, Map<number, number>>();
  /** Per zone and UTC hour, only for days with a change. */
  private readonly hourly = new Map<string, Map<number, number>>();

  /** Offset of `tz` from UTC in ms at the instant `utcMs` (local = utc + offset). */
  offsetMs(tz: string, utcMs: number): number {
    const day = Math.floor(utcMs / DAY_MS);
    let perDay = this.daily.get(tz);
    if (!perDay) {
      perDay = new Map();
      this.daily.set(tz, perDay);
    }
    let off = perDay.get(day);
    if (off === undefined) {
      const atStart = this.compute(tz, day * DAY_MS);
      off = atStart === this.compute(tz, (day + 1) * DAY_MS - 1) ? atStart : Number.NaN;
      perDay.set(day, off);
    }
    if (!Number.isNaN(off)) return off;
    // Every zone in the table changes offset on a whole UTC hour.
    const hour = Math.floor(utcMs / 3_600_000);
    let perHour = this.hourly.get(tz);
    if (!perHour) {
      perHour = new Map();
      this.hourly.set(tz, perHour);
    }
    let h = perHour.get(hour);
    if (h === undefined) {
      h = this.compute(tz, hour * 3_600_000);
      perHour.set(hour, h);
    }
    return h;
  }

  /** UTC instant of a local wall time in `tz` (for a time skipped by DST, the later reading). */
  toUtc(tz: string, localMs: number): number {
    const first = localMs - this.offsetMs(tz, localMs);
    return localMs - this.offsetMs(tz, first);
  }

  private compute(tz: string, utcMs: number): number {
    let fmt = this.formats.get(tz);
    if (!fmt) {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      });
      this.formats.set(tz, fmt);
    }
    const t = Math.floor(utcMs / 60_000) * 60_000;
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(new Date(t))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
    return asUtc - t;
  }
}

/** Days since 1970-01-01 to [year, month (1-12), day] (Howard Hinnant's civil_from_days). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** `YYYY-MM-DD` of a day number (days since 1970-01-01). */
export function formatDay(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** `YYYY-MM-DDTHH:mm` of a local time given as ms since the epoch of local wall time. */
export function formatLocalMinute(localMs: number): string {
  const days = Math.floor(localMs / DAY_MS);
  const minutes = Math.floor((localMs - days * DAY_MS) / 60_000);
  return `${formatDay(days)}T${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

/** Day of week of a day number, 0 = Sunday (1970-01-01 was a Thursday). */
export function dayOfWeek(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** Parses `YYYY-MM-DD` to a day number. */
export function parseDay(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export { DAY_MS };
