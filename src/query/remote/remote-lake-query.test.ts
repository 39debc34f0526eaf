import * as path from 'node:path';
import { LocalObjectStore } from '../../lake/object-store/local/local-object-store.js';
import { runLakeQuerySuite } from '../testing/lake-query-suite.js';
import { openRemoteLakeQuery } from './remote-lake-query.js';

// The remote engine over a store in a directory: the same contract as over S3 (the cache
// and S3 behaviour are in remote-lake-query.integration.test.ts).
runLakeQuerySuite({
  name: 'remote',
  create: async (dir) => {
    const store = new LocalObjectStore(path.join(dir, 'store'));
    return {
      query: await openRemoteLakeQuery({
        store,
        cacheDir: path.join(dir, 'cache'),
        cacheMaxBytes: 64 * 1024 * 1024,
      }),
      store,
    };
  },
});
