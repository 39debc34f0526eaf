/** Tables of one embedded stream database. Sequences start at 1; checkpoint 0 means "from the start". */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
  shard INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  ts_min INTEGER NOT NULL,
  ts_max INTEGER NOT NULL,
  appended_at INTEGER NOT NULL,
  payload BLOB NOT NULL,
  PRIMARY KEY (shard, first_seq)
);
CREATE INDEX IF NOT EXISTS entries_last_seq ON entries (shard, last_seq);
CREATE INDEX IF NOT EXISTS entries_ts ON entries (ts_max);
-- the dedupe table replaced the scan of recent entries that this index served
DROP INDEX IF EXISTS entries_appended;
CREATE TABLE IF NOT EXISTS dedupe (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedupe_at ON dedupe (at);
CREATE TABLE IF NOT EXISTS groups (grp TEXT PRIMARY KEY, version INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
  grp TEXT NOT NULL,
  shard INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (grp, shard)
);
`;
