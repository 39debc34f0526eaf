/**
 * DuckDB's memory limit of a pond build by default (`etl.memoryLimit`): what it cannot
 * hold it spills to a folder of the system's temporary directory. A build that needs more
 * and cannot spill it (a holistic aggregate such as `quantile_disc` holds every value of
 * a group) is run again without a limit, once, and counted. A day of `fare_trends` over
 * 26 million synthetic offers in 283,000 groups: 998 MB without a limit as
 * `quantile_disc`, 1,016 MB at 256 MB; 429 MB at 256 MB as ranks in a window, which
 * spill (docs/etl.md, "ETL memory").
 */
export const DEFAULT_ETL_MEMORY_LIMIT = '256MB';

/** A DuckDB memory limit as the configuration takes it: `512MB`, `1.5GB`, or `none`. */
export const MEMORY_LIMIT_PATTERN = /^(none|\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB))$/i;
