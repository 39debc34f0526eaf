import * as path from 'node:path';
import { type Command, Option } from 'commander';
import type { Config } from '../config/config.js';
import { Catalog } from '../lake/catalog/catalog.js';
import { athenaDdl, glueTableInput } from '../lake/catalog/table-ddl.js';
import { lakeRoot } from '../lake/lake-layout.js';
import { LAKE_TABLES, type LakeTable } from '../lake/tables.js';
import { openObjectStore } from './compose/object-store.js';
import { configFrom } from './options.js';

const ENGINES = ['athena', 'glue'] as const;

/**
 * Where engines find the lake: `s3://<bucket>/<prefix>` when `lake.objectStore.backend`
 * is `s3`, else the `file://` URL of `<dataDir>/lake`.
 */
export function defaultLakeLocation(config: Pick<Config, 'dataDir' | 'lake'>): string {
  const os = config.lake.objectStore;
  if (os.backend === 's3') {
    const prefix = os.prefix.replace(/^\/+|\/+$/g, '');
    return `s3://${os.bucket}${prefix ? `/${prefix}` : ''}`;
  }
  return `file://${path.resolve(lakeRoot(config.dataDir))}`;
}

/**
 * Warns on stderr when DDL would point an engine at a `file://` location: Athena and Glue
 * read only S3, so such DDL is good for a local engine alone.
 */
export function warnIfLocal(location: string): void {
  if (location.startsWith('file:'))
    process.stderr.write(
      `warning: LOCATION is a local path (${location}); Athena and Glue read only S3: pass --location s3://bucket/prefix where the lake is copied or kept\n`,
    );
}

function tableOption(v: string): LakeTable {
  if (!(LAKE_TABLES as readonly string[]).includes(v))
    throw new Error(`--table must be one of ${LAKE_TABLES.join(', ')} (got "${v}")`);
  return v as LakeTable;
}

/** The lake's catalog (the stored one, or one scanned from the files when none is stored yet). */
async function loadCatalog(config: Config): Promise<Catalog> {
  const store = await openObjectStore(config);
  try {
    return await Catalog.loadOrScan(store);
  } finally {
    await store.close();
  }
}

/** Registers `faresight catalog show` and `faresight catalog ddl`. */
export function register(program: Command): void {
  const catalog = program
    .command('catalog')
    .description('the lake catalog: tables, schema versions, partitions, DDL for other engines');
  catalog
    .command('show')
    .description('tables with their schema versions, partition count and location')
    .option('--json', 'print the catalog as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { config } = configFrom(cmd);
      const cat = await loadCatalog(config);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(cat.toJSON(), null, 2)}\n`);
        return;
      }
      const base = defaultLakeLocation(config);
      for (const t of LAKE_TABLES) {
        const table = cat.table(t);
        const days = table.partitions.map((p) => /dt=([^/]+)/.exec(p)?.[1] ?? '').sort();
        const vendors = new Set(table.partitions.map((p) => /vendor=([^/]+)/.exec(p)?.[1]));
        process.stdout.write(
          `${t}\n  location    ${base}/${table.location}\n` +
            `  partitions  ${table.partitions.length}` +
            (days.length
              ? ` (${days[0]} .. ${days[days.length - 1]}, vendors ${[...vendors].join(', ')})`
              : '') +
            `\n  keys        ${table.partitionKeys.map((k) => k.name).join(', ')}\n`,
        );
        for (const v of table.versions)
          process.stdout.write(
            `  schema v${v.version}   ${v.columns.length} columns since ${v.since}\n`,
          );
      }
    });
  catalog
    .command('ddl')
    .description(
      'print Athena CREATE EXTERNAL TABLE DDL or Glue TableInput JSON for the lake tables',
    )
    .addOption(new Option('--engine <engine>', 'target engine').choices(ENGINES).default('athena'))
    .option('--table <table>', `one table (${LAKE_TABLES.join(', ')}); default all`, tableOption)
    .option(
      '--location <url>',
      'lake root as the engine sees it (default s3://<bucket>/<prefix> or file://<dataDir>/lake)',
    )
    .option('--database <name>', 'database the tables go in', 'faresight')
    .action(
      async (
        opts: {
          engine: (typeof ENGINES)[number];
          table?: LakeTable;
          location?: string;
          database: string;
        },
        cmd: Command,
      ) => {
        const { config } = configFrom(cmd);
        if (opts.location !== undefined && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/.test(opts.location))
          throw new Error(
            `--location must be a URL such as s3://bucket/prefix (got "${opts.location}")`,
          );
        const cat = await loadCatalog(config);
        warnIfLocal(opts.location ?? defaultLakeLocation(config));
        const ddlOptions = {
          baseLocation: (opts.location ?? defaultLakeLocation(config)).replace(/\/+$/, ''),
          database: opts.database,
        };
        const tables = opts.table ? [opts.table] : [...LAKE_TABLES];
        if (opts.engine === 'athena') {
          process.stdout.write(
            `${tables.map((t) => athenaDdl(cat, t, ddlOptions)).join('\n\n')}\n`,
          );
        } else {
          const inputs = tables.map((t) => glueTableInput(cat, t, ddlOptions));
          process.stdout.write(
            `${JSON.stringify(inputs.length === 1 ? inputs[0] : inputs, null, 2)}\n`,
          );
        }
      },
    );
}
