import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateRecord } from '../model/validate.js';

const BIN = path.resolve('bin/faresight.mjs');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'generate', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-generate-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('faresight generate', () => {
  it('writes --count valid NDJSON records to stdout, the same for the same seed', () => {
    const a = run(['--count', '20', '--seed', '7']);
    assert.equal(a.code, 0, a.stderr);
    const lines = a.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 20);
    for (const line of lines) {
      const v = validateRecord(JSON.parse(line));
      assert.ok(v.ok, v.ok ? '' : v.errors.join('; '));
    }
    assert.doesNotMatch(a.stdout, /generate:/, 'progress must not go to stdout');
    const b = run(['--count', '20', '--seed', '7']);
    assert.equal(b.stdout, a.stdout);
  });

  it('writes a file with --out and stamps the vendor', () => {
    const file = path.join(dir, 'feed.ndjson');
    const r = run([
      '--count',
      '15',
      '--seed',
      '1',
      '--vendor',
      'sabre',
      '--out',
      file,
      '--start',
      '2025-01-01',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const records = fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(records.length, 15);
    assert.ok(records.every((x) => x.vendor === 'sabre' && x.shoppedAt.startsWith('2025-01-01')));
  });

  for (const args of [
    ['--rate', '-5'],
    ['--count', '5', '--unknown-flag'],
    ['--count', '5', '--target', 'http://127.0.0.1:1', '--out', 'x.ndjson'],
    ['--count', 'many'],
    ['--count', '5', '--vendor', 'Not A Vendor'],
  ]) {
    it(`rejects ${args.join(' ')} with one line on stderr`, () => {
      const r = run(args);
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0]!.length > 10);
    });
  }
});
