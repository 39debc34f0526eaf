import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from './errors.js';
import { loadConfig } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('gives the documented defaults with no file and no environment', () => {
    const { config, file } = loadConfig({ env: {}, cwd: dir });
    assert.equal(file, undefined);
    assert.equal(config.dataDir, './faresight-data');
    assert.equal(config.ingest.port, 7070);
    assert.equal(config.api.port, 8080);
    assert.equal(config.stream.shards, 8);
    assert.equal(config.stream.retentionHours, 24);
    assert.equal(config.stream.backend, 'embedded');
  });

  it('reads faresight.config.json, then YAML given explicitly, and lets the environment win', () => {
    writeFileSync(
      join(dir, 'faresight.config.json'),
      JSON.stringify({ ingest: { port: 9000 }, stream: { shards: 4 } }),
    );
    const a = loadConfig({ env: { FARESIGHT_STREAM_SHARDS: '16' }, cwd: dir });
    assert.equal(a.config.ingest.port, 9000);
    assert.equal(a.config.stream.shards, 16);
    assert.deepEqual(a.env, ['FARESIGHT_STREAM_SHARDS']);
    writeFileSync(join(dir, 'c.yaml'), 'api:\n  port: 9100\nrowStore:\n  backend: postgres\n');
    const b = loadConfig({ env: {}, cwd: dir, file: 'c.yaml' });
    assert.equal(b.config.api.port, 9100);
    assert.equal(b.config.rowStore.backend, 'postgres');
    rmSync(join(dir, 'faresight.config.json'));
  });

  it('names the field and the bad value', () => {
    assert.throws(
      () => loadConfig({ env: { FARESIGHT_INGEST_PORT: 'abc' }, cwd: dir }),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /ingest\.port/);
        assert.match(e.message, /"abc"/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ env: { FARESIGHT_STREAM_SHARDS: '0' }, cwd: dir }),
      /stream\.shards.*got 0/,
    );
    assert.throws(
      () => loadConfig({ env: { FARESIGHT_STREAM_BACKEND: 'kafka' }, cwd: dir }),
      /stream\.backend.*kafka/,
    );
  });

  it('rejects unknown keys and unknown FARESIGHT_ variables instead of ignoring them', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ingest: { prot: 1 } }));
    assert.throws(() => loadConfig({ env: {}, cwd: dir, file: 'bad.json' }), /ingest.*prot/);
    assert.throws(
      () => loadConfig({ env: { FARESIGHT_INGEST_PROT: '1' }, cwd: dir }),
      /unknown environment variable FARESIGHT_INGEST_PROT/,
    );
  });

  it('names the closest variables for a typo instead of every known one', () => {
    let msg = '';
    try {
      loadConfig({ env: { FARESIGHT_INGEST_PROT: '1' }, cwd: dir });
    } catch (err) {
      msg = (err as Error).message;
    }
    assert.match(msg, /did you mean FARESIGHT_INGEST_PORT\b/);
    assert.match(msg, /`faresight config --env` lists all \d+/);
    assert.ok(msg.length < 300, msg);
    let far = '';
    try {
      loadConfig({ env: { FARESIGHT_COMPLETELY_DIFFERENT_THING: '1' }, cwd: dir });
    } catch (err) {
      far = (err as Error).message;
    }
    assert.doesNotMatch(far, /did you mean/);
  });

  it('reports a file that is not valid JSON or cannot be read', () => {
    writeFileSync(join(dir, 'broken.json'), '{ nope');
    assert.throws(
      () => loadConfig({ env: {}, cwd: dir, file: 'broken.json' }),
      /broken\.json is not valid JSON/,
    );
    assert.throws(
      () => loadConfig({ env: {}, cwd: dir, file: 'missing.json' }),
      /cannot read config file missing\.json/,
    );
  });
});
