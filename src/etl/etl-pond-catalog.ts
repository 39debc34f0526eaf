import { defaultPondJobs } from './default-ponds.js';
import type { EtlStore } from './etl-store.js';
import type { JobDefinition } from './job.js';

/** A pond as the SQL endpoint sees it: narrowing columns and, once written, its columns. */
export interface CatalogPond {
  readonly name: string;
  readonly marketColumn?: string;
  readonly posColumn?: string;
  readonly columns?: readonly { name: string; type: string }[];
}

/**
 * The pond catalog of the SQL endpoint (its `PondCatalog`, matched by shape so etl/ need
 * not import the endpoint): the default pond jobs of `schedules`, with the columns the
 * ETL store recorded for each pond.
 */
export class EtlPondCatalog {
  private readonly jobs: readonly JobDefinition[];

  constructor(
    private readonly store: EtlStore,
    schedules: Readonly<Record<string, string>> = {},
  ) {
    this.jobs = defaultPondJobs(schedules);
  }

  /** The configured ponds and their narrowing columns. */
  configured(): CatalogPond[] {
    return this.jobs.map((j) => ({
      name: j.pond,
      ...(j.marketColumn ? { marketColumn: j.marketColumn } : {}),
      ...(j.posColumn ? { posColumn: j.posColumn } : {}),
    }));
  }

  /** The configured ponds with the columns recorded in the catalog (none for a pond with no files yet). */
  async ponds(): Promise<CatalogPond[]> {
    const tables = await this.store.tables();
    return this.configured().map((p) => {
      const cols = tables.find((t) => t.kind === 'pond' && t.name === p.name)?.columns;
      return cols ? { ...p, columns: cols } : p;
    });
  }
}
