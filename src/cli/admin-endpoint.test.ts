import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { adminEndpointPath, readAdminEndpoint, writeAdminEndpoint } from './admin-endpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-admin-endpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the admin endpoint file', () => {
  it('is written for the user only, read while its process lives, removed by its writer', () => {
    writeFileSync(adminEndpointPath(dir), 'left over', { mode: 0o644 });
    const e = { url: 'http://127.0.0.1:1', token: 't1', pid: process.pid };
    const remove = writeAdminEndpoint(dir, e);
    assert.equal(statSync(adminEndpointPath(dir)).mode & 0o777, 0o600, 'an old file made private');
    assert.deepEqual(readAdminEndpoint(dir), e);
    // another platform's file is not the first one's to remove
    const remove2 = writeAdminEndpoint(dir, { ...e, token: 't2' });
    remove();
    assert.equal(readAdminEndpoint(dir)?.token, 't2');
    remove2();
    assert.equal(readAdminEndpoint(dir), undefined);
  });

  it('ignores the file of a process that is gone, refuses one others may read or a bad one', () => {
    writeAdminEndpoint(dir, { url: 'http://x', token: 't', pid: 2 ** 22 + 12345 });
    assert.equal(readAdminEndpoint(dir), undefined, 'pid gone: no platform');
    writeAdminEndpoint(dir, { url: 'http://x', token: 't', pid: process.pid });
    chmodSync(adminEndpointPath(dir), 0o644);
    assert.throws(() => readAdminEndpoint(dir), /may be read by others .* chmod 600/);
    writeFileSync(adminEndpointPath(dir), '{not json', { mode: 0o600 });
    assert.throws(() => readAdminEndpoint(dir), /is not an admin endpoint/);
  });
});
