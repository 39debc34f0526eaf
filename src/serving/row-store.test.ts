import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { runRowStoreSuite } from './testing/row-store-suite.js';

runRowStoreSuite({ name: 'PGlite (in memory)', open: () => PGliteClient.open() });
