import { PGliteClient } from '../sql/pglite/pglite-client.js';
import { runGraphSuite } from './testing/graph-suite.js';

runGraphSuite({ name: 'PGlite (in memory)', open: () => PGliteClient.open() });
