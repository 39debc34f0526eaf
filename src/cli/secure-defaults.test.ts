/**
 * Secure by default: loopback unless configured, no unauthenticated exposure without
 * --insecure, logs naming the address actually bound, secrets never taken from argv.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { checkExposure, isLoopback } from '../config/check-exposure.js';
import { configSchema } from '../config/config.js';
import { ConfigError, InsecureExposureError } from '../config/errors.js';
import { loadConfig } from '../config/load-config.js';
import { hashToken } from '../ingest/vendor-auth.js';
import { buildProgram } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-secure-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(import.meta.dirname, '..', '..', 'bin', 'faresight.mjs');
const HASH = hashToken('s3cret');

describe('default posture', () => {
  it('binds every service to loopback unless a host is configured', () => {
    const c = configSchema.parse({});
    assert.deepEqual(
      [c.ingest.host, c.api.host, c.sql.host],
      ['127.0.0.1', '127.0.0.1', '127.0.0.1'],
    );
  });

  it('refuses a non-loopback bind without secrets unless --insecure, naming the settings', () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3', 'example.internal']) {
      const c = configSchema.parse({ ingest: { host }, api: { host } });
      assert.throws(
        () => checkExposure(c, ['ingest', 'api'], false),
        (err: unknown) =>
          err instanceof InsecureExposureError &&
          /ingest\.host/.test(err.message) &&
          /ingest\.vendors/.test(err.message) &&
          /api\.keys/.test(err.message) &&
          /--insecure/.test(err.message),
      );
      assert.equal(checkExposure(c, ['ingest', 'api'], true).length, 2);
    }
    const secured = configSchema.parse({
      ingest: { host: '0.0.0.0', vendors: { generic: { tokenSha256: HASH } } },
      api: { host: '0.0.0.0', keys: { acme: { keySha256: HASH } } },
    });
    assert.deepEqual(checkExposure(secured, ['ingest', 'api'], false), []);
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost'])
      assert.ok(isLoopback(host), host);
  });

  it('takes vendor secrets and API keys from the environment as JSON', () => {
    const { config } = loadConfig({
      env: {
        FARESIGHT_INGEST_VENDORS: JSON.stringify({ generic: { tokenSha256: HASH } }),
        FARESIGHT_API_KEYS: JSON.stringify({ acme: { keySha256: HASH } }),
      },
      cwd: dir,
    });
    assert.equal(config.ingest.vendors.generic?.tokenSha256, HASH);
    assert.equal(config.api.keys.acme?.keySha256, HASH);
    assert.throws(
      () => loadConfig({ env: { FARESIGHT_INGEST_VENDORS: '{generic' }, cwd: dir }),
      (err: unknown) => err instanceof ConfigError && /FARESIGHT_INGEST_VENDORS/.test(err.message),
    );
  });
});

/** Runs `faresight ingest` until it logs that it listens (or exits); returns the log. */
function runIngest(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, 'ingest', '--port', '0', ...args], {
      env: { ...process.env, FARESIGHT_DATA_DIR: join(dir, `d${Math.random()}`), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    createInterface({ input: p.stderr! }).on('line', (line) => {
      log += `${line}\n`;
      if (/ingest listening/.test(line)) p.kill('SIGTERM');
    });
    p.on('exit', (code) => resolve({ code, log }));
  });
}

describe('faresight ingest beyond loopback', () => {
  it('refuses to start on 0.0.0.0 without vendor secrets, and says how to proceed', async () => {
    const { code, log } = await runIngest([], { FARESIGHT_INGEST_HOST: '0.0.0.0' });
    assert.notEqual(code, 0);
    assert.match(log, /refusing to start: ingest\.host is "0\.0\.0\.0"/);
    assert.match(log, /--insecure/);
    assert.doesNotMatch(log, /ingest listening/);
  });

  it('starts with --insecure, warns, and logs the address actually bound', async () => {
    const { log } = await runIngest(['--insecure'], { FARESIGHT_INGEST_HOST: '0.0.0.0' });
    assert.match(log, /warn .*--insecure: ingest\.host/);
    assert.match(log, /ingest listening on=http:\/\/0\.0\.0\.0:\d+/);
  });
});

describe('secrets are not taken from the command line', () => {
  const run = async (...args: string[]) =>
    (await buildProgram()).parseAsync(['node', 'faresight', ...args]);

  it('generate refuses --token, and sends the secret of --token-file or FARESIGHT_VENDOR_TOKEN', async () => {
    await assert.rejects(run('generate', '--count', '1', '--token', 'x'), /--token-file/);
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      req.on('end', () => {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('{"accepted":1,"duplicates":0,"offers":1,"rejected":[]}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = join(dir, 'token');
    writeFileSync(file, 'from-file\n');
    try {
      await run(
        'generate',
        '--count',
        '1',
        '--seed',
        '1',
        '--target',
        target,
        '--token-file',
        file,
      );
      process.env.FARESIGHT_VENDOR_TOKEN = 'from-env';
      await run('generate', '--count', '1', '--seed', '2', '--target', target);
    } finally {
      delete process.env.FARESIGHT_VENDOR_TOKEN;
      server.close();
    }
    assert.deepEqual(seen, ['Bearer from-file', 'Bearer from-env']);
  });

  it('vendor-token refuses --token and hashes the secret of --token-file without echoing it', async () => {
    await assert.rejects(run('vendor-token', 'generic', '--token', 'x'), /--token-file/);
    const file = join(dir, 'vt');
    writeFileSync(file, 's3cret\n');
    let out = '';
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      out += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      await run('vendor-token', 'generic', '--token-file', file);
    } finally {
      process.stdout.write = write;
    }
    assert.match(out, new RegExp(HASH));
    assert.doesNotMatch(out, /s3cret/);
  });
});
