import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { createLogger } from '../ops/logger.js';
import {
  GenerationalStream,
  type GenerationStatus,
} from '../stream/generations/generational-stream.js';
import type { Lease } from '../stream/lease/lease-store.js';
import type { Stream } from '../stream/stream.js';
import { openLeaseStore } from './compose/leases.js';
import { openStream } from './compose/stream.js';
import { configFrom } from './options.js';

const iso = (t: number | undefined) => (t === undefined ? '-' : new Date(t).toISOString());

/** Parses a time given as ISO 8601, epoch ms, or `-90m` / `-2h` relative to now. */
export function parseTime(s: string, now = Date.now()): number {
  const rel = /^-(\d+(?:\.\d+)?)(s|m|h)$/.exec(s);
  if (rel)
    return now - Number(rel[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[rel[2] as 's' | 'm' | 'h'];
  if (/^\d{12,}$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t))
    throw new Error(`"${s}" is not a time (use ISO 8601, epoch ms, or -30m / -2h)`);
  return t;
}

async function withStream<T>(cmd: Command, fn: (s: Stream) => Promise<T>): Promise<T> {
  const { config } = configFrom(cmd);
  const stream = await openStream(config, createLogger(config.logLevel, 'stream'));
  try {
    return await fn(stream);
  } finally {
    await stream.close();
  }
}

/**
 * The shard leases of every group of the stream: always for the embedded stream (they
 * live in its database), for the others only with consumers.leases on. Undefined when
 * the group's shards are not leased. Each generation's leases live with its physical
 * stream; their shards are numbered as readers number them.
 */
async function leasesOf(
  config: Config,
  stored: { name: string; firstShard: number }[],
): Promise<Lease[] | undefined> {
  if (config.stream.backend !== 'embedded' && !config.consumers.leases) return undefined;
  const out: Lease[] = [];
  for (const { name, firstShard } of stored) {
    const store = await openLeaseStore(config, name);
    try {
      for (const l of await store.leases(name)) out.push({ ...l, shard: l.shard + firstShard });
    } finally {
      await store.close();
    }
  }
  return out;
}

function generationLines(gens: GenerationStatus[] | undefined): string[] {
  if (!gens) return [];
  const out = ['generation   state    shards     records   oldest                     newest'];
  for (const g of gens)
    out.push(
      `${String(g.gen).padStart(10)}   ${g.state.padEnd(6)}   ${`${g.firstShard}..${g.firstShard + g.shards - 1}`.padEnd(7)}   ${String(g.records).padStart(8)}   ${iso(g.oldestTimestamp).padEnd(24)}   ${iso(g.newestTimestamp)}`,
    );
  return [...out, ''];
}

function leaseLines(leases: Lease[] | undefined, now = Date.now()): string[] {
  if (!leases?.length) return ['leases     none (each group is read by one process)'];
  const out = [
    'group                shard   held by                               epoch   expires in',
  ];
  for (const l of leases) {
    const left =
      l.owner === undefined
        ? '-'
        : l.expiresAt <= now
          ? 'expired'
          : `${((l.expiresAt - now) / 1000).toFixed(1)} s`;
    out.push(
      `${l.group.padEnd(20)} ${String(l.shard).padStart(5)}   ${(l.owner ?? '(free)').padEnd(36)}  ${String(l.epoch).padStart(5)}   ${left}`,
    );
  }
  return out;
}

/** Registers `faresight stream status`, `faresight stream reshard` and `faresight replay`. */
export function register(program: Command): void {
  const stream = program.command('stream').description('inspect or reshard the shopping stream');
  stream
    .command('status')
    .description(
      'shards, retention, oldest and newest record, generations, lag per consumer group, leases',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withStream(cmd, async (s) => {
        const info = await s.info();
        const lag = await s.lag();
        const { config } = configFrom(cmd);
        const generations =
          s instanceof GenerationalStream ? await s.generationStatus() : undefined;
        const leases = await leasesOf(
          config,
          generations?.map((g) => ({ name: g.stored, firstShard: g.firstShard })) ?? [
            { name: s.name, firstShard: 0 },
          ],
        );
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ ...info, generations, lag, leases }, null, 2)}\n`,
          );
          return;
        }
        const out = [
          `stream     ${info.name} (${info.backend})`,
          `shards     ${info.shards}`,
          `retention  ${info.retentionMs / 3_600_000} h`,
          `records    ${info.records}`,
          `oldest     ${iso(info.oldestTimestamp)}`,
          `newest     ${iso(info.newestTimestamp)}`,
          '',
          ...generationLines(generations),
          'group                shard   lag(records)   oldest unread age',
        ];
        for (const l of lag) {
          out.push(
            `${l.group.padEnd(20)} ${String(l.shard).padStart(5)}   ${String(l.records).padStart(12)}   ${(l.oldestAgeMs / 1000).toFixed(1)} s`,
          );
        }
        out.push('', ...leaseLines(leases));
        process.stdout.write(`${out.join('\n')}\n`);
      });
    });

  stream
    .command('reshard')
    .description(
      'grow (or shrink) the live stream to M shards: a new generation takes the appends, consumers drain the old one first',
    )
    .requiredOption('--shards <M>', 'shard count of the new generation', (v) => Number(v))
    .action(async (opts: { shards: number }, cmd: Command) => {
      await withStream(cmd, async (s) => {
        if (!(s instanceof GenerationalStream))
          throw new Error(
            `stream ${s.name}: resharding needs stream.backend embedded or jetstream (Kinesis reshards with its own UpdateShardCount, not supported here)`,
          );
        const before = s.newest();
        if (before.shards === opts.shards)
          throw new Error(`stream ${s.name} already has ${opts.shards} shards`);
        const g = await s.reshard(opts.shards);
        process.stdout.write(
          `stream ${s.name}: generation ${g.gen} with ${g.shards} shards (ids ${g.firstShard}..${g.firstShard + g.shards - 1}) takes the appends; generation ${before.gen} (${before.shards} shards) is sealed and drains\n`,
        );
      });
    });

  program
    .command('replay')
    .description(
      'rewind a consumer group to a time within retention; its running consumer picks it up',
    )
    .requiredOption('-g, --group <name>', 'consumer group (lake, rt-serving, ...)')
    .requiredOption('--from <time>', 'ISO 8601 time, epoch ms, or relative like -2h')
    .option('--to <time>', 'end of the range (informational: the group reads on past it)')
    .action(async (opts: { group: string; from: string; to?: string }, cmd: Command) => {
      const from = parseTime(opts.from);
      if (opts.to !== undefined && parseTime(opts.to) < from)
        throw new Error('--to is before --from');
      await withStream(cmd, async (s) => {
        const info = await s.info();
        if (!info.groups.includes(opts.group)) {
          throw new Error(
            `no consumer group "${opts.group}" (known: ${info.groups.join(', ') || 'none'})`,
          );
        }
        await s.rewind(opts.group, { time: from });
        process.stdout.write(`rewound ${opts.group} to ${new Date(from).toISOString()}\n`);
        // a time before retention is not an error (the group reads all that is left), but
        // what it asked for is not all there: the lake keeps the rest
        if (from < Date.now() - info.retentionMs)
          process.stdout.write(
            `note: that is further back than the stream's retention (${formatHours(info.retentionMs)}): ${opts.group} reads every record the stream still holds again${info.oldestTimestamp === undefined ? '' : `, from ${new Date(info.oldestTimestamp).toISOString()}`}; older records are only in the lake (faresight query)\n`,
          );
      });
    });
}

/** `24 h`, `1.5 h`: a retention in hours. */
function formatHours(ms: number): string {
  return `${Math.round((ms / 3_600_000) * 100) / 100} h`;
}
