/** Customer statements that run for minutes, for the tests of limits, timeouts and interrupts. */

/** Rows come out one chunk at a time, each row costly: the result would stream for minutes. */
export const SLOW =
  'WITH t AS (SELECT unnest(generate_series(1, 20000)) AS i) ' +
  'SELECT a.i AS a, b.i AS b, md5(repeat(a.i::varchar || b.i::varchar, 500)) AS h FROM t a, t b';

/** SLOW aggregated to one row: it runs for minutes and can never reach a row cap. */
export const SLOW_ONE_ROW = `SELECT count(*) AS n FROM (${SLOW}) WHERE h <> ''`;
