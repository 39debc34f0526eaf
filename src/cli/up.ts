import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { startFeed } from '../generator/run-feed.js';
import { hashToken } from '../ingest/vendor-auth.js';
import { stopOnSignal } from '../ops/lifecycle.js';
import { createLogger } from '../ops/logger.js';
import {
  DEFAULT_DEMO_HISTORY,
  DEFAULT_DEMO_RATE,
  DEMO_HISTORY_DAYS,
  DEMO_ROTATE_SECONDS,
  demoConfig,
  historyFeedOptions,
  historyMarkerPath,
  liveFeedOptions,
  readHistoryMarker,
  writeHistoryMarker,
} from './demo-feeds.js';
import { configFrom, guardExposure, INSECURE_HELP, intOption } from './options.js';
import { startPlatform } from './platform.js';
import { PROGRESS_EVERY_MS, progressDue } from './up-progress.js';

/** Registers `faresight up`: every role in one process, optionally with the demo feed. */
export function register(program: Command): void {
  program
    .command('up')
    .description(
      'run every role in one process: ingest, stream, lake writer, real-time pipeline, API',
    )
    .option(
      '--demo',
      `also run the synthetic feed into ingest (with a token of its own, made at start, when vendor secrets are configured); lake files rotate every ${DEMO_ROTATE_SECONDS} s unless lake.rotateSeconds is set`,
    )
    .option('--insecure', INSECURE_HELP)
    .option(
      '--demo-rate <n>',
      `records per second of the demo feed (default ${DEFAULT_DEMO_RATE})`,
      intOption('--demo-rate'),
    )
    .option('--seed <n>', 'seed of the demo feed (default: random)', intOption('--seed'))
    .option(
      '--demo-history <n>',
      `searches shopped over the past ${DEMO_HISTORY_DAYS} days, each received when shopped, posted at start, for forecasts (default ${DEFAULT_DEMO_HISTORY}, once per data directory: a restart posts none unless this is given; 0 = none)`,
      intOption('--demo-history'),
    )
    .action(
      async (
        opts: {
          demo?: boolean;
          demoRate?: number;
          seed?: number;
          demoHistory?: number;
          insecure?: boolean;
        },
        cmd: Command,
      ) => {
        const loaded = configFrom(cmd).config;
        const config = opts.demo ? demoConfig(loaded) : loaded;
        const logger = createLogger(config.logLevel, 'up');
        guardExposure(config, ['ingest', 'api'], opts.insecure, logger);
        // With vendor secrets on, the demo feed posts as vendor generic with a token made
        // here, held only in this process (never in config, argv or logs).
        const demoToken =
          opts.demo && Object.keys(config.ingest.vendors).length > 0
            ? randomBytes(32).toString('base64url')
            : undefined;
        // Without a configured admin key, `up` makes one for the Console, printed once in
        // the banner's login link (stdout only, never in config, argv or logs).
        const adminKey = config.api.adminKeySha256
          ? undefined
          : randomBytes(32).toString('base64url');
        const platform = await startPlatform(config, logger, {
          ...(demoToken
            ? { internalTokens: [{ vendor: 'generic', tokenSha256: hashToken(demoToken) }] }
            : {}),
          ...(adminKey ? { adminKeySha256: hashToken(adminKey) } : {}),
        });
        if (opts.demo) {
          const rate = opts.demoRate ?? DEFAULT_DEMO_RATE;
          if (rate <= 0) throw new Error(`--demo-rate must be positive (got ${rate})`);
          const target = { target: platform.ingestUrl, token: demoToken, seed: opts.seed };
          // Both feeds run on threads of their own: on this event loop, generating and
          // posting held API requests back while the history loaded (issue 18), and the
          // live feed alone, 50 searches a second, took 10 % of the loop's busy time (58 s
          // of a CPU profile's first 12 minutes).
          platform.add(
            startFeed({
              ...liveFeedOptions(rate, target),
              thread: true,
              logger: logger.child('demo'),
            }),
          );
          // four weeks of searches, each received when it was shopped, so ponds and
          // forecasts have history from the first minutes; posted as fast as ingest takes
          // them, once per data directory unless --demo-history asks again
          let count = opts.demoHistory ?? DEFAULT_DEMO_HISTORY;
          const earlier = readHistoryMarker(config.dataDir);
          if (count > 0 && earlier && opts.demoHistory === undefined) {
            logger[earlier.finishedAt ? 'info' : 'warn'](
              `demo history not posted again: this data directory has the one posted at ${earlier.startedAt}${earlier.finishedAt ? '' : `, stopped after ${earlier.sent ?? 'some'} of ${earlier.count} searches`} (${historyMarkerPath(config.dataDir)}; --demo-history N posts N more)`,
            );
            count = 0;
          }
          if (count > 0) {
            const history = historyFeedOptions(count, target);
            const marker = {
              count,
              from: (history.start as Date).toISOString(),
              to: (history.end as Date).toISOString(),
              startedAt: new Date().toISOString(),
            };
            mkdirSync(config.dataDir, { recursive: true });
            writeHistoryMarker(config.dataDir, marker);
            let stopping = false;
            const feed = startFeed({
              ...history,
              thread: true,
              logger: logger.child('demo-history'),
            });
            const recorded = feed.done
              .then(
                (r) =>
                  writeHistoryMarker(config.dataDir, {
                    ...marker,
                    ...(stopping
                      ? { interruptedAt: new Date().toISOString() }
                      : { finishedAt: new Date().toISOString() }),
                    sent: r.sent,
                  }),
                () => {}, // a failed feed is logged by startFeed; the marker says it started
              )
              .catch((err: Error) =>
                logger.warn('demo history marker not written', { error: err.message }),
              );
            platform.add({
              name: 'demo-history',
              async stop() {
                stopping = true;
                await feed.stop();
                await recorded;
              },
            });
          }
          logger.info('demo feed running', { rate, history: count });
        }
        process.stdout.write(
          [
            '',
            'Faresight is up.',
            `  ingest  ${platform.ingestUrl}/v1/ingest/:vendor   (metrics: ${platform.ingestUrl}/metrics)`,
            `  api     ${platform.apiUrl}/v1/markets`,
            `          ${platform.apiUrl}/v1/fares/cheapest?origin=&destination=&departureDate=`,
            `          ${platform.apiUrl}/docs   (every endpoint; OpenAPI at /openapi.json)`,
            adminKey
              ? `  console ${platform.consoleUrl}#key=${adminKey}   (admin key made at start; set api.adminKeySha256 to keep one)`
              : `  console ${platform.consoleUrl}   (log in with the admin key of api.adminKeySha256)`,
            `  sql     postgres://<customer>@127.0.0.1:${platform.sqlPort}/faresight   (faresight customers add NAME)`,
            `  lake    ${config.dataDir}/lake   (npx faresight query "select count(*) from searches")`,
            '  Ctrl-C stops.',
            '',
          ].join('\n'),
        );
        let lastLine = { at: -Infinity, lag: 0 };
        const progress = setInterval(async () => {
          try {
            const lag = await platform.stream.lag();
            const byGroup: Record<string, number> = {};
            let behind = 0;
            for (const l of lag) {
              byGroup[l.group] = (byGroup[l.group] ?? 0) + l.records;
              behind += l.records;
            }
            const now = performance.now();
            const due = progressDue({
              sinceLastMs: now - lastLine.at,
              lag: behind,
              lagThen: lastLine.lag,
            });
            if (!due) return;
            lastLine = { at: now, lag: behind };
            const t = platform.ingestStats.totals;
            const lake = platform.lake.stats();
            logger.info('progress', {
              recordsIn: t.records,
              rejected: t.rejected,
              lakeFiles: lake.files,
              lakeRecords: lake.records,
              lag: byGroup,
            });
          } catch {
            // progress is best effort; a failing lag read shows in the roles' own logs
          }
        }, PROGRESS_EVERY_MS);
        progress.unref();
        await stopOnSignal(
          () => [{ name: 'platform', stop: () => platform.stop() }],
          logger,
          async () => clearInterval(progress),
        );
      },
    );
}
