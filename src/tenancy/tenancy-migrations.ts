/** Row-store tables of customers, grants and customer jobs (versions 7101+, run by `migrate()`). */
import type { Migration } from '../sql/migration.js';

export const TENANCY_MIGRATIONS: readonly Migration[] = [
  {
    version: 7101,
    name: 'customers, grants and customer jobs',
    sql: `
CREATE TABLE customers (
  name        text        PRIMARY KEY,
  key_sha256  text        NOT NULL UNIQUE, -- hex sha256 of the API key; the key itself is never stored
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- A pond granted to a customer, optionally narrowed to markets and/or points of sale.
CREATE TABLE customer_grants (
  customer    text        NOT NULL REFERENCES customers (name) ON DELETE CASCADE,
  pond        text        NOT NULL,
  markets     jsonb,      -- null = every market
  pos         jsonb,      -- null = every point of sale
  granted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer, pond)
);
-- A customer's own SQL over its granted ponds, materialized as <lake>/customers/<customer>/<name>/.
CREATE TABLE customer_jobs (
  customer    text        NOT NULL REFERENCES customers (name) ON DELETE CASCADE,
  name        text        NOT NULL,
  sql         text        NOT NULL,
  schedule    text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer, name)
);
`,
  },
  {
    // The SQL endpoint authenticates by SCRAM-SHA-256, which needs a verifier of the key
    // (the sha256 cannot make one). Null for keys made before: see CustomerStore.scramVerifier.
    version: 7151,
    name: 'SCRAM-SHA-256 verifier of each customer key',
    sql: 'ALTER TABLE customers ADD COLUMN scram_verifier text;',
  },
];
