import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { LifecycleConfigError } from '../lake/lifecycle/errors.js';
import {
  applyLifecycleAction,
  type LifecycleAction,
  planLocalLifecycle,
} from '../lake/lifecycle/local-lifecycle.js';
import { s3LifecycleConfiguration } from '../lake/lifecycle/s3-lifecycle-configuration.js';
import { configFrom, intOption } from './options.js';

/** Where the command prints; stdout by default (tests pass their own). */
export type LineSink = (text: string) => void;

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

function describeAction(a: LifecycleAction, dataDir: string): string {
  const where = `${a.tier}/${a.table}/${a.partition}`;
  const size = `(${a.files} files, ${formatBytes(a.bytes)})`;
  const rel = (p: string) => (p.startsWith(`${dataDir}/`) ? p.slice(dataDir.length + 1) : p);
  return a.kind === 'archive'
    ? `archive ${where} ${size} -> ${rel(a.to!)}`
    : `delete ${where} ${size}`;
}

async function runLocal(config: Config, apply: boolean, out: LineSink): Promise<void> {
  const dataDir = config.dataDir.replace(/\/+$/, '');
  const policy = {
    archiveAfterDays: config.lake.archiveAfterDays,
    deleteAfterDays: config.lake.deleteAfterDays,
  };
  const actions = await planLocalLifecycle({ dataDir, policy });
  const tiers = [
    policy.archiveAfterDays > 0 ? `archive after ${policy.archiveAfterDays} days` : 'no archive',
    policy.deleteAfterDays > 0 ? `delete after ${policy.deleteAfterDays} days` : 'no delete',
  ].join(', ');
  out(`lifecycle of ${dataDir}/lake (${tiers})${apply ? '' : ', dry run'}\n`);
  for (const a of actions) {
    if (apply) await applyLifecycleAction(a);
    out(`${apply ? '' : 'would '}${describeAction(a, dataDir)}\n`);
  }
  const count = (k: LifecycleAction['kind']) => actions.filter((a) => a.kind === k).length;
  out(
    `${apply ? '' : 'would have '}archived ${count('archive')} and deleted ${count('delete')} partitions` +
      `${apply || actions.length === 0 ? '' : '; run with --apply to do it'}\n`,
  );
}

async function runS3(config: Config, apply: boolean, out: LineSink): Promise<void> {
  const { lake } = config;
  const os = lake.objectStore;
  if (os.backend !== 's3') throw new Error('lake.objectStore.backend is not "s3"');
  const input = s3LifecycleConfiguration(os.bucket, os.prefix, {
    archiveAfterDays: lake.archiveAfterDays,
    deleteAfterDays: lake.deleteAfterDays,
  });
  if (!apply) {
    out(`${JSON.stringify(input, null, 2)}\n`);
    return;
  }
  const { openObjectStore } = await import('./compose/object-store.js');
  const { S3ObjectStore } = await import('../lake/object-store/s3/s3-object-store.js');
  const store = await openObjectStore(config);
  try {
    if (!(store instanceof S3ObjectStore)) throw new Error('lake.objectStore.backend is not "s3"');
    let sent: unknown;
    try {
      sent = await store.applyLifecycleRules(input.LifecycleConfiguration.Rules);
    } catch (err) {
      const e = err as Error;
      throw new LifecycleConfigError(
        `could not apply the lifecycle configuration to bucket "${os.bucket}": ${e.name}: ${e.message}`,
        { cause: err },
      );
    }
    out(`${JSON.stringify(sent, null, 2)}\n`);
    out(`applied lifecycle rules to s3://${os.bucket}/\n`);
  } finally {
    await store.close();
  }
}

/**
 * Registers `faresight lake lifecycle [--apply] [--dry-run]` under the `lake` command.
 * Local lake: plans (and with --apply carries out) archive moves and deletes per
 * lake.archiveAfterDays / lake.deleteAfterDays, one line per partition. S3 lake: prints
 * the bucket lifecycle configuration JSON, and with --apply puts it on the bucket
 * (keeping rules with other IDs).
 */
export function registerLifecycle(
  lakeCommand: Command,
  out: LineSink = (s) => process.stdout.write(s),
): void {
  lakeCommand
    .command('lifecycle')
    .description(
      'apply lifecycle tiers: archive then delete old partitions of a local lake, or print/apply the S3 bucket lifecycle rules (dry run unless --apply)',
    )
    .option('--apply', 'carry the actions out (default: only print them)')
    .option('--dry-run', 'only print what would be done (the default)')
    .option(
      '--archive-after-days <days>',
      'override lake.archiveAfterDays (0 = off)',
      intOption('--archive-after-days'),
    )
    .option(
      '--delete-after-days <days>',
      'override lake.deleteAfterDays (0 = off)',
      intOption('--delete-after-days'),
    )
    .action(
      async (
        opts: {
          apply?: boolean;
          dryRun?: boolean;
          archiveAfterDays?: number;
          deleteAfterDays?: number;
        },
        cmd: Command,
      ) => {
        if (opts.apply && opts.dryRun) throw new Error('--apply and --dry-run exclude each other');
        const { config } = configFrom(cmd, {
          'lake.archiveAfterDays': opts.archiveAfterDays,
          'lake.deleteAfterDays': opts.deleteAfterDays,
        });
        const apply = opts.apply === true;
        if (config.lake.objectStore.backend === 's3') await runS3(config, apply, out);
        else await runLocal(config, apply, out);
      },
    );
}
