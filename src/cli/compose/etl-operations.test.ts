import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PGliteClient } from '../../sql/pglite/pglite-client.js';
import { runEtlOperationsSuite } from './testing/etl-operations-suite.js';

let dir = '';
runEtlOperationsSuite({
  name: 'PGlite',
  async setup() {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faresight-etl-ops-pglite-'));
    const pgdata = path.join(dir, 'pgdata');
    return {
      open: () => PGliteClient.open({ dir: pgdata }),
      child: { backend: 'pglite', dir: pgdata },
    };
  },
  skipReason: () => '',
  async cleanup() {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  },
});
