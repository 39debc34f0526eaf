/** API checks of the fault scenarios: answers by status, and "does the API know this market yet". */
import { setTimeout as delay } from 'node:timers/promises';
import type { ScenarioContext } from './scenario.js';

/** GETs `path` of the API; the status, 0 when no answer came. */
export async function apiStatus(apiUrl: string, path: string): Promise<number> {
  try {
    const res = await fetch(`${apiUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** The `status` of the API's `/healthz` (`ok`, `degraded`), or why there was none. */
export async function healthStatus(apiUrl: string): Promise<string> {
  try {
    const r = await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
    return ((await r.json()) as { status?: string }).status ?? `HTTP ${r.status}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Probes the API for `ms` (probeApi), records the answers as `API while down` and checks
 * every one was 200: the API answers from the row store while the cache is down.
 */
export async function checkApiAnswersWhileDown(
  ctx: Pick<ScenarioContext, 'measure' | 'check'>,
  apiUrl: string,
  ms: number,
): Promise<void> {
  const answers = await probeApi(apiUrl, ms);
  ctx.measure('API while down', JSON.stringify(answers));
  ctx.check(
    Object.keys(answers).every((s) => s === '200'),
    'the API answered 200 while Redis was down',
  );
}

/** Asks `/v1/markets` every 200 ms for `ms`; counts answers by status. */
export async function probeApi(apiUrl: string, ms: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const s = await apiStatus(apiUrl, '/v1/markets');
    out[s] = (out[s] ?? 0) + 1;
    await delay(200);
  }
  return out;
}

/**
 * Waits (at most `maxMs`) until `GET /v1/markets/<origin>-<destination>` answers 200:
 * the serving use case has written a record of that market to the row store. Resolves
 * the epoch ms it did, or undefined.
 */
export async function waitForMarket(
  apiUrl: string,
  market: readonly [string, string],
  maxMs = 90_000,
): Promise<number | undefined> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    if ((await apiStatus(apiUrl, `/v1/markets/${market[0]}-${market[1]}`)) === 200)
      return Date.now();
    await delay(500);
  }
  return undefined;
}
