import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
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

// Every control character a record id may have carried past an older validator.
const NASTY = 'a\u0000b\nc\rd\te\u001b[31mf\u007fg\u009bh';
const RAW_CONTROL = /\p{Cc}/u;

describe('control characters never reach a terminal raw', () => {
  for (const format of ['table', 'csv', 'json', 'ndjson'] as OutputFormat[]) {
    it(`faresight query --format ${format} prints them escaped`, async () => {
      let text = '';
      async function* batches() {
        yield [{ id: NASTY, n: 1 }];
      }
      await formatRows(
        format,
        [
          { name: 'id', type: 'VARCHAR' },
          { name: 'n', type: 'INTEGER' },
        ],
        batches(),
        async (chunk) => {
          text += chunk;
        },
      );
      // Line breaks between rows are the format's own; quoted CSV fields may keep theirs.
      const stripped = text.replace(format === 'csv' ? /[\n\r\t]/g : /\n/g, '');
      assert.doesNotMatch(stripped, RAW_CONTROL);
      if (format !== 'csv') assert.ok(text.includes('b\\nc'), text);
      assert.ok(text.includes('\\u0000'), text);
      if (format === 'json' || format === 'ndjson') {
        const first = format === 'json' ? JSON.parse(text)[0] : JSON.parse(text.split('\n')[0]!);
        assert.equal(first.id, NASTY, 'JSON output must still decode to the stored value');
      }
    });
  }
});
