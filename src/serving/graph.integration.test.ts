import { postgresSuiteTarget } from '../sql/testing/postgres-schema.js';
import { runGraphSuite } from './testing/graph-suite.js';

runGraphSuite({ name: 'PostgreSQL', ...postgresSuiteTarget('the route graph on PostgreSQL') });
