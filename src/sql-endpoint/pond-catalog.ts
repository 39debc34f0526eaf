import type { SlicedPond } from '../tenancy/customer-slices.js';
import type { PondInfo } from './customer-session.js';

/**
 * The ponds customers may query, as the SQL endpoint needs them. Declared here so the
 * endpoint depends on this interface, not on the ETL store that keeps the pond catalog;
 * the ETL side implements it (`etl/etl-pond-catalog.ts`) and `cli/` wires the two.
 */
export interface PondCatalog {
  /** The configured ponds and their narrowing columns, without reading the catalog. */
  configured(): readonly SlicedPond[];
  /**
   * The configured ponds, each with the columns recorded by its last run (absent for a
   * pond with no files yet). Read at each session open.
   */
  ponds(): Promise<PondInfo[]>;
}
