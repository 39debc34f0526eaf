import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { register } from './deals.js';
import { runCommand } from './testing/run-command.js';

const dir = mkdtempSync(join(tmpdir(), 'faresight-deals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const runCli = (args: string[]) => runCommand(register, args);

/** Prices 1..n of one market, shuffled deterministically. */
function csv(n: number, offset: number): string {
  const rows = ['market,cabin,lead_days,price,carrier'];
  for (let i = 0; i < n; i++) rows.push(`JFK-LAX,economy,10,${((i * 7919) % n) + 1 + offset},AA`);
  return `${rows.join('\n')}\n`;
}

describe('faresight deals evaluate', () => {
  it('prints intended and observed shares of each label', async () => {
    const h = join(dir, 'h.csv');
    const p = join(dir, 'p.csv');
    writeFileSync(h, csv(1000, 0));
    writeFileSync(p, csv(1000, 0.5));
    const j = JSON.parse(await runCli(['deals', 'evaluate', '--history', h, '--probe', p])) as {
      labels: Record<string, { intended: number; observed: number }>;
      labelsPerSecond: number;
    };
    assert.deepEqual(Object.keys(j.labels), ['great', 'good', 'typical', 'high']);
    assert.deepEqual(
      Object.values(j.labels).map((l) => l.intended),
      [0.1, 0.15, 0.5, 0.25],
    );
    for (const l of Object.values(j.labels)) assert.ok(Math.abs(l.observed - l.intended) < 0.02);
    assert.ok(j.labelsPerSecond > 0);
  });

  it('rejects a bad probe file naming the line', async () => {
    const h = join(dir, 'h2.csv');
    const p = join(dir, 'p2.csv');
    writeFileSync(h, csv(10, 0));
    writeFileSync(p, 'market,cabin,lead_days,price\nJFK-LAX,economy,3,free\n');
    await assert.rejects(
      runCli(['deals', 'evaluate', '--history', h, '--probe', p]),
      /p2\.csv:2: price "free"/,
    );
  });
});
