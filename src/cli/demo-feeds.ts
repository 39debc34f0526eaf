/**
 * What `faresight up --demo` runs beside the platform: a live feed, and a backfill of
 * searches shopped over the past four weeks, each received when it was shopped (as a
 * vendor's own history would be), so ponds, trends and forecasts fill from the first
 * minutes. Also the lake rotation the demo uses, so its first files land within a minute.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, configSchema } from '../config/config.js';
import type { FeedOptions } from '../generator/run-feed.js';

/** Default rate of the demo feed, records per second. */
export const DEFAULT_DEMO_RATE = 50;
/** Searches of the demo's backfilled history, spread over DEMO_HISTORY_DAYS before now. */
export const DEFAULT_DEMO_HISTORY = 30_000;
/** Days of the demo's backfilled history. */
export const DEMO_HISTORY_DAYS = 28;
/**
 * Lake rotation of the demo when `lake.rotateSeconds` is left at its default: a file
 * closes at the end of its window, so the first files land about this long after the
 * first records instead of up to a minute later. Compaction merges the small files.
 */
export const DEMO_ROTATE_SECONDS = 15;

/**
 * Row store retention of the demo, under what `realtime.useCases` sets itself: the live
 * feed brings about 450 new fares a second, so fares, counted search ids and deals are
 * kept 30 minutes (not 48 h and the 7-day window) and pruned every 5 minutes, and the
 * demo's row store stops growing within its first hour (with 2 hours, its tables were
 * still growing at 30 minutes). A replay further back than 30 minutes counts its
 * searches again. The deals hold at most 50,000 segments in memory (about 45 MB): with
 * no cap, the new segments the live feed kept reaching grew the heap by about 7 MB a
 * minute (a sampling heap profile of `up --demo` from its 3rd to its 8th minute), and at
 * 100,000 a heap snapshot found them holding 83 MB.
 */
export const DEMO_USE_CASES = {
  serving: { fareRetentionHours: 0.5, searchRetentionHours: 0.5, pruneEveryMinutes: 5 },
  deals: { dealRetentionHours: 0.5, pruneEveryMinutes: 5, maxSegments: 50_000 },
} as const;

/**
 * `config` for the demo: its lake rotation, unless `lake.rotateSeconds` was changed from
 * its default, and DEMO_USE_CASES under the use case settings the configuration gives.
 */
export function demoConfig(config: Config): Config {
  const byDefault = configSchema.parse({}).lake.rotateSeconds;
  const useCases = { ...config.realtime.useCases };
  for (const [name, settings] of Object.entries(DEMO_USE_CASES))
    useCases[name] = { ...settings, ...(useCases[name] as object | undefined) };
  return {
    ...config,
    realtime: { ...config.realtime, useCases },
    lake:
      config.lake.rotateSeconds !== byDefault
        ? config.lake
        : { ...config.lake, rotateSeconds: DEMO_ROTATE_SECONDS },
  };
}

/** What the demo's feeds share: where they post and as whom. */
export interface DemoFeedTarget {
  target: string;
  token?: string;
  seed?: number;
}

/** The live feed: `rate` records per second, stamped as received now. */
export function liveFeedOptions(rate: number, t: DemoFeedTarget): FeedOptions {
  return { rate, target: t.target, vendor: 'generic', token: t.token, seed: t.seed };
}

/**
 * The history: `count` searches on a simulated clock from DEMO_HISTORY_DAYS ago, posted
 * as fast as ingest takes them, each received a few hundred ms after it was shopped, so
 * jobs that leave out records received long after shopping (ponds) keep them. Ends at
 * `now` even short of `count` (the simulated clock follows the daily search pattern).
 * One batch in flight at a time: ingest shares `up`'s event loop with the API, and with
 * four, each turn of the loop parsed up to four of the history's batches before the
 * API's requests beside them were answered.
 */
export function historyFeedOptions(
  count: number,
  t: DemoFeedTarget,
  now = Date.now(),
): FeedOptions {
  return {
    rate: count / (DEMO_HISTORY_DAYS * 86_400),
    count,
    start: new Date(now - DEMO_HISTORY_DAYS * 86_400_000),
    end: new Date(now),
    target: t.target,
    vendor: 'generic',
    token: t.token,
    seed: t.seed === undefined ? undefined : t.seed + 1,
    maxInFlight: 1,
  };
}

/**
 * What `up --demo` wrote into its data directory about the history it posted there, so a
 * restart on the same directory does not post four more weeks on top (every count, pond
 * and forecast would double with each `npm start`).
 */
export interface HistoryMarker {
  /** Searches asked for. */
  count: number;
  /** The simulated clock's span, ISO. */
  from: string;
  to: string;
  startedAt: string;
  /** When the feed ended by itself (every search posted); absent while posting. */
  finishedAt?: string;
  /** When `up` stopped before the feed had ended: the history is partial. */
  interruptedAt?: string;
  /** Searches delivered, once the feed ended or was stopped. */
  sent?: number;
}

/** `<dataDir>/demo-history.json`. */
export function historyMarkerPath(dataDir: string): string {
  return join(dataDir, 'demo-history.json');
}

/** The marker of a history posted into `dataDir` before, or undefined. */
export function readHistoryMarker(dataDir: string): HistoryMarker | undefined {
  const path = historyMarkerPath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as HistoryMarker;
  } catch (err) {
    throw new Error(
      `${path} is not the demo's history marker (${(err as Error).message}); remove it to post the demo's history again`,
    );
  }
}

/** Writes the marker whole or not at all (a temporary file renamed over it). */
export function writeHistoryMarker(dataDir: string, marker: HistoryMarker): void {
  const path = historyMarkerPath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(marker, null, 2)}\n`);
  renameSync(tmp, path);
}
