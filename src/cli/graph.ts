import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { createLogger } from '../ops/logger.js';
import type { GraphCsv } from '../serving/graph-export.js';
import { platformBeside } from './admin-client.js';
import { openRowStore } from './compose/row-store.js';
import { configFrom } from './options.js';

/** File names `faresight graph export` writes. */
export const GRAPH_FILES = { nodes: 'airports.csv', edges: 'routes.csv' } as const;

/**
 * Registers `faresight graph export --out DIR [--currency C]`: the route graph as
 * openCypher load CSV (Neptune bulk-load format): `DIR/airports.csv` (vertices) and
 * `DIR/routes.csv` (edges).
 */
export function register(program: Command): void {
  const graph = program.command('graph').description('the route graph kept in the row store');
  graph
    .command('export')
    .description(
      'write the route graph as openCypher load CSV for Neptune bulk load: airports.csv and routes.csv in --out',
    )
    .requiredOption('--out <dir>', 'directory to write the two files to (created when missing)')
    .option('--currency <code>', 'currency of the edge fares', 'USD')
    .action(async (opts: { out: string; currency: string }, cmd: Command) => {
      const currency = opts.currency.toUpperCase();
      if (!/^[A-Z]{3}$/.test(currency))
        throw new Error(`--currency must be a 3-letter ISO 4217 code (got "${opts.currency}")`);
      const { config } = configFrom(cmd);
      const api = platformBeside(config);
      const csv = api
        ? await api.call<GraphCsv>('GET', `/graph/export?currency=${currency}`)
        : await exportDirect(config, currency);
      const dir = resolve(opts.out);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, GRAPH_FILES.nodes), csv.nodes);
      writeFileSync(join(dir, GRAPH_FILES.edges), csv.edges);
      process.stdout.write(
        `${csv.airports} airports -> ${join(dir, GRAPH_FILES.nodes)}\n${csv.routes} routes -> ${join(dir, GRAPH_FILES.edges)}\n`,
      );
    });
}

async function exportDirect(config: Config, currency: string): Promise<GraphCsv> {
  const store = await openRowStore(config, createLogger(config.logLevel, 'graph'));
  try {
    return await store.exportGraph(currency);
  } finally {
    await store.close();
  }
}
