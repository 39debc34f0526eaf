/**
 * cluster-metrics' failure paths in real node:cluster processes (the fixture prints what
 * happened): a worker whose registry fails, and a primary that never answers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const fixture = join(import.meta.dirname, 'testing', 'cluster-metrics-fixture.ts');

/** Runs the fixture in `mode`; its events, and its exit code. Killed if it outlives the test. */
async function run(
  mode: string,
): Promise<{ events: Record<string, unknown>[]; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // a run that never ends fails this test instead of keeping the test file alive
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  try {
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const events = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { events, code };
  } finally {
    clearTimeout(guard);
    child.kill('SIGKILL');
  }
}

describe('cluster metrics', { timeout: 90_000 }, () => {
  it('leaves out a worker whose registry fails, which stays alive (no unhandled rejection)', async () => {
    const { events, code } = await run('failing-worker');
    const find = (e: string) => events.find((x) => x.event === e);
    assert.equal(find('unhandled-rejection'), undefined, JSON.stringify(events));
    const result = find('result');
    assert.ok(result, JSON.stringify(events));
    assert.equal(result.error, undefined, JSON.stringify(result));
    // worker 1 counted 1, the failing worker 2 (which would count 2) is left out
    assert.match(String(result.text), /^fixture_total 1$/m);
    assert.deepEqual(find('alive'), { event: 'alive', worker: 2 });
    assert.equal(code, 0);
  });

  it('gives up with a clear error when the primary never answers', async () => {
    const { events, code } = await run('silent-primary');
    const result = events.find((x) => x.event === 'result');
    assert.ok(result, `no answer at all: ${JSON.stringify(events)} (exit ${code})`);
    assert.match(String(result.error), /primary process did not answer within 500 ms/);
    assert.equal(code, 0);
  });
});
