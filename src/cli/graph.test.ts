import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Command } from 'commander';
import { configSchema } from '../config/config.js';
import { silentLogger } from '../ops/logger.js';
import { EDGE_HEADER, NODE_HEADER } from '../serving/graph-export.js';
import { NETWORK } from '../serving/testing/graph-suite.js';
import { openRowStore } from './compose/row-store.js';
import { register } from './graph.js';
import { parseUseCases } from './realtime.js';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-cli-graph-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function program(): Command {
  const p = new Command().option('-c, --config <file>').exitOverride();
  register(p);
  return p;
}

test('faresight graph export writes the Neptune openCypher CSV files', async () => {
  const dataDir = path.join(tmp, 'data');
  const store = await openRowStore(configSchema.parse({ dataDir }), silentLogger);
  await store.applyRecords(NETWORK);
  await store.close();
  const cfg = path.join(tmp, 'faresight.config.json');
  fs.writeFileSync(cfg, JSON.stringify({ dataDir }));
  const out = path.join(tmp, 'out');
  const write = process.stdout.write;
  const printed: string[] = [];
  process.stdout.write = ((s: string) =>
    printed.push(s) > 0) as unknown as typeof process.stdout.write;
  try {
    await program().parseAsync(['node', 'faresight', '-c', cfg, 'graph', 'export', '--out', out]);
  } finally {
    process.stdout.write = write;
  }
  assert.match(printed.join(''), /^4 airports -> .*airports\.csv\n5 routes -> .*routes\.csv\n$/);
  const nodes = fs.readFileSync(path.join(out, 'airports.csv'), 'utf8').trim().split('\n');
  assert.equal(nodes[0], NODE_HEADER);
  assert.equal(nodes.length, 5);
  const edges = fs.readFileSync(path.join(out, 'routes.csv'), 'utf8').trim().split('\n');
  assert.equal(edges[0], EDGE_HEADER);
  assert.ok(edges.some((l) => l.startsWith('JFK-KEF,JFK,KEF,route,100,USD,2030-05-01,FI,FI,1,')));
  await assert.rejects(
    program().parseAsync([
      'node',
      'faresight',
      '-c',
      cfg,
      'graph',
      'export',
      '--out',
      out,
      '--currency',
      'dollars',
    ]),
    /--currency must be a 3-letter/,
  );
});

test('--use-cases names an unknown use case and the known ones', () => {
  assert.deepEqual(parseUseCases('serving, serving'), ['serving']);
  assert.throws(() => parseUseCases('serving,nope'), /unknown use case "nope" \(known: serving/);
  assert.throws(() => parseUseCases(' , '), /lists no use case/);
});
