import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { trendSeasonCsv } from '../analytics/forecast/testing/series-fixtures.js';
import { register } from './forecast.js';
import { runCommand } from './testing/run-command.js';

const dir = mkdtempSync(join(tmpdir(), 'faresight-forecast-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const runCli = (args: string[]) => runCommand(register, args);

describe('faresight forecast evaluate', () => {
  it('runs as `faresight forecast evaluate` and prints one JSON object of the specified shape', async () => {
    const file = join(dir, 'in.csv');
    writeFileSync(
      file,
      trendSeasonCsv('a', 40) + trendSeasonCsv('b', 48).split('\n').slice(1).join('\n'),
    );
    const out = await runCli([
      'forecast',
      'evaluate',
      '--input',
      file,
      '--season',
      '4',
      '--horizon',
      '4',
      '--origins',
      '2',
      '--window',
      '24',
    ]);
    const j = JSON.parse(out) as Record<string, unknown>;
    assert.deepEqual(Object.keys(j), ['overall', 'series']);
    const overall = j.overall as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(overall.auto ?? {}), [
      'mase',
      'smape',
      'coverage80',
      'coverage95',
      'msis',
    ]);
    assert.deepEqual(Object.keys(overall.snaive ?? {}), ['mase', 'smape']);
    assert.equal(typeof overall.fitsPerSecond, 'number');
    const series = j.series as { id: string; model: string }[];
    assert.deepEqual(
      series.map((s) => s.id),
      ['a', 'b'],
    );
    assert.deepEqual(Object.keys(series[0] ?? {}), ['id', 'model', 'auto', 'snaive']);
  });

  it('rejects a bad file with the line number', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'series_id,date,value\na,2020-01-01,1\na,2020-01-02,n/a\n');
    await assert.rejects(
      runCli(['forecast', 'evaluate', '--input', file, '--season', '7', '--horizon', '7']),
      /bad\.csv:3: value "n\/a" is not a number/,
    );
  });
});
