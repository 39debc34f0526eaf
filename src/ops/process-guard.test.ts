import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FATAL_EXIT_CODE, FATAL_MESSAGE } from './process-guard.js';
import { runScript } from './testing/run-script.js';

const url = (f: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, f)).href);

/** A child that installs the guard (logging to stdout), optionally a clean stop, then fails. */
function child(failure: string, withStop: boolean): string {
  return `
    const { installProcessGuard } = await import(${url('process-guard.ts')});
    const { stopOnSignal } = await import(${url('lifecycle.ts')});
    const { createLogger } = await import(${url('logger.ts')});
    const logger = createLogger('info', 'test', (l) => process.stdout.write(l));
    installProcessGuard({ logger });
    const keepAlive = setInterval(() => {}, 1000);
    ${
      withStop
        ? `stopOnSignal(() => [{ name: 'writer', stop: async () => { clearInterval(keepAlive); console.log('drained'); } }], logger);`
        : ''
    }
    setTimeout(() => { ${failure} }, 10);
  `;
}

describe('process guard', { timeout: 60_000 }, () => {
  it('logs an unhandled rejection with its error and exits with the fatal code', async () => {
    const { code, out } = await runScript(child(`Promise.reject(new Error('lost write'));`, false));
    assert.equal(code, FATAL_EXIT_CODE);
    assert.match(out, new RegExp(`${FATAL_MESSAGE}.*kind=unhandledRejection.*lost write`));
  });

  it('stops the services cleanly before exiting after an uncaught exception', async () => {
    const { code, out } = await runScript(child(`throw new Error('bug in a timer');`, true));
    assert.equal(code, FATAL_EXIT_CODE);
    assert.match(out, /kind=uncaughtException.*bug in a timer/);
    assert.match(out, /drained/, 'the registered service was stopped');
    assert.ok(out.indexOf('bug in a timer') < out.indexOf('drained'), 'logged before stopping');
  });
});
