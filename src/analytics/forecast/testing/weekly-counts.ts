import type { DailyCount } from '../demand-forecast-job.js';

/** 70 days before 2030-03-12 of weekly-patterned counts for JFK-LAX and JFK-SFO (none on Sundays for SFO). */
export function weeklyCounts(): DailyCount[] {
  const rows: DailyCount[] = [];
  const start = Date.parse('2030-01-01T00:00:00Z');
  for (let i = 0; i < 70; i++) {
    const date = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
    rows.push({ key: 'JFK-LAX', date, count: 100 + 30 * (i % 7) });
    if (i % 7 !== 5) rows.push({ key: 'JFK-SFO', date, count: 20 });
  }
  return rows;
}
