/**
 * What the Console's browser tests and `npm run screenshots` share: Debian's Chromium
 * through playwright-core with one set of flags and a fresh profile per launch, and
 * `faresight up --demo` started as a child process on free ports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';

/** Where the tests look for Chromium (`CHROMIUM` overrides). */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** The flags the Console's browser tests and screenshots run Chromium with. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

type Playwright = typeof import('playwright-core');

/**
 * playwright-core, or why a browser cannot run here (module or Chromium missing). A
 * test skips with the reason; with CI=true `mandatory` throws it instead.
 */
export async function loadPlaywright(
  what: string,
): Promise<{ playwright?: Playwright; missing?: string }> {
  let playwright: Playwright | undefined;
  let missing: string | undefined;
  try {
    playwright = await import('playwright-core');
  } catch {
    missing = 'playwright-core is not installed (npm install -D playwright-core)';
  }
  if (!missing && !existsSync(CHROMIUM))
    missing = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`;
  if (missing && process.env.CI === 'true')
    throw new Error(`${what} is mandatory with CI=true: ${missing}`);
  if (missing) console.log(`# skipping ${what}: ${missing}`);
  return missing ? { missing } : { playwright: playwright as Playwright };
}

/** A Chromium context on a fresh profile; `close()` also removes the profile. */
export async function launchChromium(
  playwright: Playwright,
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'fs-chromium-'));
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    ...(opts.viewport ? { viewport: opts.viewport } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A running `faresight up --demo` and the URLs its banner printed. */
export interface DemoPlatform {
  /** The operator Console, with `#key=` when `up` made the admin key. */
  consoleUrl: string;
  apiUrl: string;
  ingestUrl: string;
  /** Process id of `faresight up` (the API's process: every role runs in it). */
  pid: number;
  /** SIGTERM, wait for the exit, remove the data directory. */
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Starts `bin/faresight.mjs up --demo` on a fresh data directory, ports picked free,
 * with `config` merged into that configuration and `args` after `--demo`; resolves once
 * the banner names the Console, the API and ingest. Rejects when the process exits first.
 * The process's log (stderr) goes to this one's, or line by line to `onLog` when given.
 */
export async function startDemo(
  config: Record<string, unknown> = {},
  args: string[] = [],
  onLog?: (line: string) => void,
): Promise<DemoPlatform> {
  const dir = mkdtempSync(join(tmpdir(), 'fs-demo-'));
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      dataDir: join(dir, 'data'),
      ingest: { port: 0 },
      sql: { port: 0 },
      ...config,
      api: { port: 0, ...(config.api as object | undefined) },
    }),
  );
  const up: ChildProcess = spawn(
    process.execPath,
    ['bin/faresight.mjs', '--config', file, 'up', '--demo', ...args],
    { stdio: ['ignore', 'pipe', onLog ? 'pipe' : 'inherit'], cwd: ROOT },
  );
  if (onLog && up.stderr) createInterface({ input: up.stderr }).on('line', onLog);
  const exited = new Promise((r) => up.once('exit', r));
  const stop = async () => {
    if (up.exitCode === null && up.signalCode === null) up.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const urls = await new Promise<Omit<DemoPlatform, 'stop' | 'pid'>>((resolve, reject) => {
      let text = '';
      up.stdout?.on('data', (b) => {
        text += b;
        const c = /console (http\S+?)(#\S*)?\s/.exec(text);
        const i = /ingest {2}(http\S+)\/v1\/ingest/.exec(text);
        if (c?.[1] && i?.[1])
          resolve({
            consoleUrl: c[1] + (c[2] ?? ''),
            apiUrl: new URL(c[1]).origin,
            ingestUrl: i[1],
          });
      });
      up.once('exit', (code) => reject(new Error(`faresight up exited with ${code}`)));
    });
    return { ...urls, pid: up.pid as number, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
