import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { configKeys } from './config-keys.js';
import { configHelp, REFERENCE_COMMAND, renderConfigReference } from './config-reference.js';

const DOC = new URL('../../docs/configuration.md', import.meta.url);

describe('configuration reference', () => {
  it('docs/configuration.md is the one generated from the schema', () => {
    const committed = readFileSync(DOC, 'utf8');
    assert.ok(
      committed === renderConfigReference(),
      `docs/configuration.md is stale: regenerate it with \`${REFERENCE_COMMAND}\``,
    );
  });

  it('lists every key with its environment variable, backend keys included', () => {
    const doc = renderConfigReference();
    for (const k of configKeys()) assert.ok(doc.includes(`\`${k.env}\``), k.env);
    assert.match(
      doc,
      /`stream\.servers` \| string \| `127\.0\.0\.1:4222` \| `FARESIGHT_STREAM_SERVERS` \| jetstream \|/,
    );
    assert.match(doc, /`lake\.objectStore\.bucket` \| string \| `\(required\)` \|/);
    assert.match(doc, /`lake\.batch\.count` \| integer \| `20000` \|/);
  });

  it('gives the CLI help the schema defaults', () => {
    assert.equal(configHelp('api.port'), 'config api.port, default 8080');
    assert.equal(configHelp('ingest.host'), 'config ingest.host, default 127.0.0.1');
    assert.throws(() => configHelp('api.nope'), /no config key api\.nope/);
  });
});
