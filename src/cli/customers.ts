import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { defaultPondJobs } from '../etl/default-ponds.js';
import { withCustomerOps as withCustomers } from './customer-ops.js';
import { configFrom } from './options.js';

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean);

/** Registers `faresight customers add|remove|grant|revoke|list|job|drop-job`. */
export function register(program: Command): void {
  const customers = program
    .command('customers')
    .description('customers of the data ponds: API keys, grants and customer jobs');

  customers
    .command('add')
    .description('create a customer and print its API key (shown once; only its sha256 is stored)')
    .argument('<name>', 'customer name: lower-case letters, digits, _ (also its SQL user name)')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const key = await withCustomers(configFrom(cmd).config, (c) => c.add(name));
      process.stdout.write(`${key}\n`);
      process.stderr.write(
        `customer ${name} created; keep the key above: it cannot be shown again\n`,
      );
    });

  customers
    .command('remove')
    .description('delete a customer with its grants and jobs (its tables stay on disk)')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const { config } = configFrom(cmd);
      const ok = await withCustomers(config, (c) => c.remove(name));
      if (!ok) throw new Error(`no customer "${name}"`);
      process.stderr.write(`customer ${name} removed with its key, grants and jobs\n`);
    });

  customers
    .command('grant')
    .description('grant a pond, optionally narrowed to markets and/or points of sale')
    .argument('<name>', 'customer')
    .argument(
      '<pond>',
      `pond (${defaultPondJobs()
        .map((j) => j.pond)
        .join(', ')})`,
    )
    .option('--markets <list>', 'only these markets, e.g. JFK-LAX,LHR-JFK')
    .option('--pos <list>', 'only these points of sale, e.g. US,GB')
    .action(
      async (
        name: string,
        pond: string,
        opts: { markets?: string; pos?: string },
        cmd: Command,
      ) => {
        const { config } = configFrom(cmd);
        const job = defaultPondJobs(config.etl.schedules).find((j) => j.pond === pond);
        if (!job)
          throw new Error(
            `no pond "${pond}" (ponds: ${defaultPondJobs()
              .map((j) => j.pond)
              .join(', ')})`,
          );
        const markets = list(opts.markets);
        const pos = list(opts.pos);
        if (markets && !job.marketColumn)
          throw new Error(`--markets: pond ${pond} has no market column to narrow by`);
        if (pos && !job.posColumn)
          throw new Error(`--pos: pond ${pond} has no point-of-sale column to narrow by`);
        // The customer's slice of the pond is (re)written now, narrowed to the new grant.
        await withCustomers(config, (c) =>
          c.grant(name, { pond, ...(markets ? { markets } : {}), ...(pos ? { pos } : {}) }),
        );
        const narrowed = [
          ...(markets ? [`markets ${markets.join(',')}`] : []),
          ...(pos ? [`points of sale ${pos.join(',')}`] : []),
        ];
        process.stderr.write(
          `granted ${pond} to ${name}${narrowed.length ? ` (${narrowed.join('; ')})` : ''}: table ${pond} in its SQL (port ${config.sql.port}, POST /v1/sql)\n`,
        );
      },
    );

  customers
    .command('revoke')
    .description('revoke a pond from a customer (its slice of the pond is deleted)')
    .argument('<name>')
    .argument('<pond>')
    .action(async (name: string, pond: string, _o: unknown, cmd: Command) => {
      const { config } = configFrom(cmd);
      const ok = await withCustomers(config, (c) => c.revoke(name, pond));
      if (!ok) throw new Error(`customer "${name}" has no grant on "${pond}"`);
      process.stderr.write(`revoked ${pond} from ${name}; its slice of the pond is deleted\n`);
    });

  customers
    .command('list')
    .description('customers, their grants and their jobs')
    .action(async (_o: unknown, cmd: Command) => {
      const all = await withCustomers(configFrom(cmd).config, (c) => c.list());
      for (const c of all) {
        process.stdout.write(`${c.name}  (since ${c.createdAt.slice(0, 10)})\n`);
        for (const g of c.grants)
          process.stdout.write(
            `  grant ${g.pond}${g.markets ? ` markets=${g.markets.join(',')}` : ''}${g.pos ? ` pos=${g.pos.join(',')}` : ''}\n`,
          );
        for (const j of c.jobs) process.stdout.write(`  job   ${j.name}  "${j.schedule}"\n`);
      }
      if (all.length === 0) process.stdout.write('no customers\n');
    });

  customers
    .command('job')
    .description(
      "add or replace a customer job: the customer's SQL over its ponds, materialized as table <table>",
    )
    .argument('<name>', 'customer')
    .argument('<table>', 'table name')
    .option('--sql <sql>', 'the SELECT')
    .option('--file <file>', 'read the SELECT from a file')
    .option('--schedule <cron>', 'cron schedule (UTC)', '0 * * * *')
    .action(
      async (
        name: string,
        table: string,
        opts: { sql?: string; file?: string; schedule: string },
        cmd: Command,
      ) => {
        const sql = opts.sql ?? (opts.file ? readFileSync(opts.file, 'utf8') : undefined);
        if (!sql?.trim()) throw new Error('give the SELECT with --sql or --file');
        await withCustomers(configFrom(cmd).config, (c) =>
          c.putJob({ customer: name, name: table, sql, schedule: opts.schedule }),
        );
        process.stderr.write(
          `job customer:${name}/${table} saved; run it now with: faresight etl run customer:${name}/${table}\n`,
        );
      },
    );

  customers
    .command('drop-job')
    .description('remove a customer job (its table stays until removed by hand)')
    .argument('<name>')
    .argument('<table>')
    .action(async (name: string, table: string, _o: unknown, cmd: Command) => {
      const ok = await withCustomers(configFrom(cmd).config, (c) => c.removeJob(name, table));
      if (!ok) throw new Error(`customer "${name}" has no job "${table}"`);
      process.stderr.write(
        `job customer:${name}/${table} removed; its table stays until removed by hand\n`,
      );
    });
}
