/**
 * `faresight up --demo` with vendor secrets configured still feeds itself: its feed posts
 * with a token made at start, and nobody else gets in without one.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { hashToken } from '../ingest/vendor-auth.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-up-demo-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(import.meta.dirname, '..', '..', 'bin', 'faresight.mjs');

describe('up --demo with vendor secrets', () => {
  it('feeds its own ingest with an internal token, and refuses posts without one', {
    timeout: 240_000,
  }, async () => {
    const p = spawn(
      process.execPath,
      [bin, 'up', '--demo', '--demo-rate', '20', '--demo-history', '0', '--seed', '7'],
      {
        env: {
          ...process.env,
          FARESIGHT_DATA_DIR: join(dir, 'data'),
          FARESIGHT_INGEST_PORT: '0',
          FARESIGHT_API_PORT: '0',
          FARESIGHT_SQL_PORT: '0',
          FARESIGHT_INGEST_VENDORS: JSON.stringify({
            generic: { tokenSha256: hashToken('the-vendors-own') },
          }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    p.stderr!.on('data', (b) => {
      log += b;
    });
    const exited = new Promise((r) => p.on('exit', r));
    try {
      const ingestUrl = await new Promise<string>((resolve, reject) => {
        createInterface({ input: p.stdout! }).on('line', (line) => {
          const m = /ingest\s+(http:\/\/\S+)\/v1\/ingest/.exec(line);
          if (m) resolve(m[1]!);
        });
        p.on('exit', (code) => reject(new Error(`up exited with ${code}:\n${log}`)));
      });
      let metrics = '';
      for (let i = 0; i < 600; i++) {
        metrics = await (await fetch(`${ingestUrl}/metrics`)).text();
        if (/faresight_ingest_records_total\{vendor="generic"\} [1-9]/.test(metrics)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.match(metrics, /faresight_ingest_records_total\{vendor="generic"\} [1-9]/, log);
      assert.doesNotMatch(metrics, /status="401"/, 'the demo feed was never refused');
      const anon = await fetch(`${ingestUrl}/v1/ingest/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(anon.status, 401);
      // whole words: the feed logs the ingest URL, whose port may hold "401" (40401 did)
      assert.doesNotMatch(log, /feed.*\b(401|unauthorized)\b/i);
    } finally {
      p.kill('SIGTERM');
      await exited;
    }
  });
});
