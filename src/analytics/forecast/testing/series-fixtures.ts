/** Series CSV fixtures of the forecasting tests. */

/** y = 10 + t + pattern[t mod 4], rows shuffled. */
export function trendSeasonCsv(id: string, n: number): string {
  const p = [5, -3, 2, -4];
  const rows = Array.from({ length: n }, (_, t) => {
    const d = new Date(Date.UTC(2020, 0, 1 + t)).toISOString().slice(0, 10);
    return `${id},${d},${10 + t + (p[t % 4] as number)}`;
  });
  return `series_id,date,value\n${rows.reverse().join('\n')}\n`;
}
