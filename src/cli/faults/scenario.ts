/**
 * What every fault scenario shares: a temporary directory, the checks that must hold, the
 * figures it measured, and one `FAULT-RESULT <json>` line on stdout that the runner
 * (scripts/faults.mjs) turns into the table. A scenario is a script:
 * `node --import tsx src/cli/faults/scenarios/<name>.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../config/config.js';
import { openLake } from '../compose/lake.js';

/** The line prefix the runner looks for. */
export const RESULT_PREFIX = 'FAULT-RESULT ';

/** One scenario's outcome. */
export interface FaultResult {
  scenario: string;
  /** What must hold, in words. */
  must: string;
  /** Checks that failed (empty = the scenario holds). */
  failed: string[];
  /** Figures measured, by name. */
  measured: Record<string, string | number>;
  /** Set when the scenario could not run here. */
  skipped?: string;
}

/** What a scenario body gets. */
export interface ScenarioContext {
  dir: string;
  /** Records a check: when `ok` is false the scenario fails with `what`. */
  check(ok: boolean, what: string): void;
  measure(name: string, value: string | number): void;
  /** Ends the scenario as skipped (cannot run here), with the reason. */
  skip(reason: string): never;
}

class Skip extends Error {}

/** Runs `body` and prints its result; exits 0 when it holds or was skipped, 1 otherwise. */
export async function runScenario(
  scenario: string,
  must: string,
  body: (ctx: ScenarioContext) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `fs-fault-${scenario}-`));
  const result: FaultResult = { scenario, must, failed: [], measured: {} };
  const ctx: ScenarioContext = {
    dir,
    check: (ok, what) => {
      if (!ok) result.failed.push(what);
    },
    measure: (name, value) => {
      result.measured[name] = value;
    },
    skip: (reason) => {
      throw new Skip(reason);
    },
  };
  try {
    await body(ctx);
  } catch (err) {
    if (err instanceof Skip) result.skipped = err.message;
    else result.failed.push(`scenario error: ${(err as Error).message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  process.exit(result.failed.length > 0 ? 1 : 0);
}

/** What the lake holds of the shopping stream, against what ingest acknowledged. */
export interface LakeCount {
  /** Acknowledged ids missing from table `searches`. */
  missing: number;
  /** A few of the missing ids, for the report. */
  missingSample: string[];
  /** Rows beyond the first of an id. */
  duplicates: number;
  rows: number;
}

/** Reads table `searches` of the (stopped) platform's lake and compares with `acked`. */
export async function countLake(
  config: Pick<Config, 'dataDir' | 'lake'>,
  acked: ReadonlySet<string>,
): Promise<LakeCount> {
  const q = await openLake(config);
  try {
    const rows = (await q.all('select id from searches')) as { id: string }[];
    const seen = new Set<string>();
    let duplicates = 0;
    for (const r of rows) {
      if (seen.has(r.id)) duplicates++;
      seen.add(r.id);
    }
    const missed = [...acked].filter((id) => !seen.has(id));
    return {
      missing: missed.length,
      missingSample: missed.slice(0, 5),
      duplicates,
      rows: rows.length,
    };
  } finally {
    await q.close();
  }
}

/** Seconds with one decimal. */
export function secs(ms: number | undefined): string {
  return ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`;
}
