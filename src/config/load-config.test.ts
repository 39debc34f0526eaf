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
    // the default database is named for the project, not `test`
    assert.equal(
      (b.config.rowStore as { url?: string }).url,
      'postgres://127.0.0.1:5432/faresight',
    );
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

  it('gives each backend its own keys, and refuses a key of another backend', () => {
    const { config, warnings } = loadConfig({
      env: {
        FARESIGHT_STREAM_BACKEND: 'kinesis',
        FARESIGHT_STREAM_REGION: 'eu-west-1',
        FARESIGHT_LAKE_OBJECT_STORE_BACKEND: 's3',
        FARESIGHT_LAKE_OBJECT_STORE_BUCKET: 'b',
        FARESIGHT_LAKE_OBJECT_STORE_FORCE_PATH_STYLE: 'true',
        FARESIGHT_ROW_STORE_BACKEND: 'postgres',
        FARESIGHT_ROW_STORE_URL: 'postgres://h/db',
        FARESIGHT_CACHE_BACKEND: 'redis',
        FARESIGHT_CACHE_URL: 'redis://h:1',
      },
      cwd: dir,
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      { ...config.stream },
      {
        backend: 'kinesis',
        name: 'shopping',
        shards: 8,
        deploymentPrefix: '',
        retentionHours: 24,
        dedupeWindowSeconds: 120,
        maxPendingRecords: 200_000,
        region: 'eu-west-1',
        endpoint: '',
      },
    );
    assert.deepEqual(config.lake.objectStore, {
      backend: 's3',
      bucket: 'b',
      prefix: 'lake',
      region: 'us-east-1',
      endpoint: '',
      forcePathStyle: true,
    });
    assert.deepEqual(config.rowStore, { backend: 'postgres', url: 'postgres://h/db' });
    assert.deepEqual(config.cache, {
      backend: 'redis',
      ttlSeconds: 30,
      staleSeconds: 2,
      url: 'redis://h:1',
      prefix: 'faresight:',
    });
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ stream: { servers: 'n:4222' } }));
    assert.throws(
      () => loadConfig({ env: {}, cwd: dir, file: 'other.json' }),
      /config stream: .*servers/,
    );
    assert.throws(
      () => loadConfig({ env: { FARESIGHT_LAKE_OBJECT_STORE_BACKEND: 's3' }, cwd: dir }),
      /lake\.objectStore\.bucket/,
    );
  });

  it('still reads the flat keys of a file, moved to their new keys with a warning naming them', () => {
    writeFileSync(
      join(dir, 'flat.json'),
      JSON.stringify({
        stream: { backend: 'jetstream', jetstreamServers: 'n1:4222', kinesisRegion: 'eu-west-1' },
        lake: { objectStore: 's3', s3Bucket: 'b', s3Prefix: 'p', s3ForcePathStyle: true },
        rowStore: { backend: 'postgres', postgresUrl: 'postgres://h/db' },
        cache: { backend: 'redis', redisUrl: 'redis://h:1', redisPrefix: 'x:', maxEntries: 5 },
      }),
    );
    const { config, warnings } = loadConfig({ env: {}, cwd: dir, file: 'flat.json' });
    assert.equal(config.stream.backend === 'jetstream' && config.stream.servers, 'n1:4222');
    assert.deepEqual(config.lake.objectStore, {
      backend: 's3',
      bucket: 'b',
      prefix: 'p',
      region: 'us-east-1',
      endpoint: '',
      forcePathStyle: true,
    });
    assert.deepEqual(config.rowStore, { backend: 'postgres', url: 'postgres://h/db' });
    assert.deepEqual(config.cache, {
      backend: 'redis',
      ttlSeconds: 30,
      staleSeconds: 2,
      url: 'redis://h:1',
      prefix: 'x:',
    });
    const text = warnings.join('\n');
    for (const [from, to] of [
      ['stream.jetstreamServers', 'stream.servers'],
      ['lake.s3Bucket', 'lake.objectStore.bucket'],
      ['lake.s3Prefix', 'lake.objectStore.prefix'],
      ['lake.s3ForcePathStyle', 'lake.objectStore.forcePathStyle'],
      ['rowStore.postgresUrl', 'rowStore.url'],
      ['cache.redisUrl', 'cache.url'],
      ['cache.redisPrefix', 'cache.prefix'],
    ])
      assert.match(text, new RegExp(`config key ${from} is deprecated: use ${to}\\b`));
    assert.match(text, /lake\.objectStore: "s3" is deprecated: use lake\.objectStore\.backend/);
    assert.match(
      text,
      /stream\.kinesisRegion is deprecated .* ignored: it applies to stream\.backend "kinesis", not "jetstream"/,
    );
    assert.match(
      text,
      /cache\.maxEntries is ignored: it applies to cache\.backend "memory", not "redis"/,
    );
  });

  it('still reads the flat variables, with a warning naming the new variable', () => {
    const { config, warnings, env } = loadConfig({
      env: {
        FARESIGHT_STREAM_BACKEND: 'kinesis',
        FARESIGHT_STREAM_KINESIS_REGION: 'eu-west-1',
        FARESIGHT_STREAM_KINESIS_ENDPOINT: 'http://k:4567',
        FARESIGHT_LAKE_OBJECT_STORE: 's3',
        FARESIGHT_LAKE_S3_BUCKET: 'b',
        FARESIGHT_LAKE_S3_FORCE_PATH_STYLE: 'true',
        FARESIGHT_ROW_STORE_POSTGRES_URL: 'postgres://h/db',
        FARESIGHT_CACHE_REDIS_URL: 'redis://h:1',
      },
      cwd: dir,
    });
    assert.equal(env.length, 8);
    assert.equal(config.stream.backend === 'kinesis' && config.stream.region, 'eu-west-1');
    assert.equal(config.stream.backend === 'kinesis' && config.stream.endpoint, 'http://k:4567');
    assert.equal(config.lake.objectStore.backend === 's3' && config.lake.objectStore.bucket, 'b');
    assert.equal(
      config.lake.objectStore.backend === 's3' && config.lake.objectStore.forcePathStyle,
      true,
    );
    // the row store and cache stay on their defaults: their flat URLs are ignored, as before
    assert.deepEqual(config.rowStore, { backend: 'pglite', sharedBuffersMb: 32 });
    assert.equal(config.cache.backend, 'memory');
    const text = warnings.join('\n');
    assert.match(
      text,
      /FARESIGHT_STREAM_KINESIS_REGION \(stream\.kinesisRegion\) is deprecated: use FARESIGHT_STREAM_REGION \(stream\.region\)/,
    );
    assert.match(
      text,
      /FARESIGHT_LAKE_OBJECT_STORE is deprecated: use FARESIGHT_LAKE_OBJECT_STORE_BACKEND/,
    );
    assert.match(
      text,
      /FARESIGHT_LAKE_S3_BUCKET \(lake\.s3Bucket\) is deprecated: use FARESIGHT_LAKE_OBJECT_STORE_BUCKET/,
    );
    assert.match(
      text,
      /FARESIGHT_ROW_STORE_POSTGRES_URL \(rowStore\.postgresUrl\) is deprecated \(use FARESIGHT_ROW_STORE_URL \(rowStore\.url\)\) and is ignored/,
    );
  });
});
