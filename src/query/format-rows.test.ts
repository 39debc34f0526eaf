import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRows, type OutputFormat } from './format-rows.js';
import type { Row } from './lake-query.js';

const columns = [
  { name: 'market', type: 'VARCHAR' },
  { name: 'n', type: 'BIGINT' },
  { name: 'legs', type: 'STRUCT(stops INTEGER)[]' },
];
const rows: Row[] = [
  { market: 'JFK-LHR', n: 12, legs: [{ stops: 0 }] },
  { market: 'a "quoted", value', n: 3, legs: null },
];

async function render(format: OutputFormat, batches: Row[][]): Promise<string> {
  let out = '';
  await formatRows(
    format,
    columns,
    (async function* () {
      yield* batches;
    })(),
    async (s) => {
      out += s;
    },
  );
  return out;
}

test('json is one array, across batches', async () => {
  const text = await render('json', [rows.slice(0, 1), rows.slice(1)]);
  assert.deepEqual(JSON.parse(text), rows);
  assert.deepEqual(JSON.parse(await render('json', [])), []);
});

test('ndjson is one object a line', async () => {
  const text = await render('ndjson', [rows]);
  assert.deepEqual(
    text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
    rows,
  );
});

test('csv quotes what needs quoting and writes nested values as JSON', async () => {
  const text = await render('csv', [rows]);
  assert.equal(text, 'market,n,legs\nJFK-LHR,12,"[{""stops"":0}]"\n"a ""quoted"", value",3,\n');
});

test('table aligns columns, numbers to the right, and counts rows', async () => {
  const text = await render('table', [rows]);
  const lines = text.split('\n');
  assert.equal(lines[0], 'market              n  legs');
  assert.equal(lines[1], '-----------------  --  -------------');
  assert.equal(lines[2], 'JFK-LHR            12  [{"stops":0}]');
  assert.equal(lines[3], 'a "quoted", value   3');
  assert.equal(lines[4], '(2 rows)');
  assert.equal(await render('table', []), 'market  n  legs\n------  -  ----\n(0 rows)\n');
});
