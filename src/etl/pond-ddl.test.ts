import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pondDdl } from './pond-ddl.js';

test('a pond is an external Parquet table partitioned by its date column', () => {
  const ddl = pondDdl(
    {
      name: 'fare_trends',
      kind: 'pond',
      location: 'ponds/fare_trends',
      partitionColumn: 'shop_date',
      columns: [
        { name: 'shop_date', type: 'DATE' },
        { name: 'market', type: 'VARCHAR' },
        { name: 'min_fare', type: 'DECIMAL(18,3)' },
        { name: 'offers', type: 'BIGINT' },
      ],
    },
    's3://bucket/lake/',
  );
  assert.match(ddl, /^CREATE EXTERNAL TABLE IF NOT EXISTS `faresight`.`fare_trends` \(/);
  assert.match(ddl, /`market` string,\n {2}`min_fare` decimal\(18,3\),\n {2}`offers` bigint\n\)/);
  assert.doesNotMatch(ddl, /`shop_date` date/);
  assert.match(ddl, /PARTITIONED BY \(`shop_date` string\)/);
  assert.match(ddl, /LOCATION 's3:\/\/bucket\/lake\/ponds\/fare_trends\/'/);
  assert.match(ddl, /'projection.shop_date.type'='date'/);
});
