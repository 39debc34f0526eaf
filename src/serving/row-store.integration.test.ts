import { postgresSuiteTarget } from '../sql/testing/postgres-schema.js';
import { runRowStoreSuite } from './testing/row-store-suite.js';

runRowStoreSuite({ name: 'PostgreSQL', ...postgresSuiteTarget('RowStore on PostgreSQL') });
