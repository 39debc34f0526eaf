/**
 * What `faresight customers` does, two ways: on the row store directly, or, when
 * `faresight up` holds the embedded row store of the same data directory, through the
 * running platform's admin API (same effects: the grants' pond slices are kept in line
 * either way).
 */
import type { Config } from '../config/config.js';
import type { CustomerInfo } from '../console/console-backend.js';
import { defaultPondJobs } from '../etl/default-ponds.js';
import { createLogger } from '../ops/logger.js';
import { createCustomerSlices } from '../sql-endpoint/session-opener.js';
import { slicedPonds } from '../tenancy/customer-slices.js';
import { CustomerStore } from '../tenancy/customer-store.js';
import { AdminApiError, type AdminClient, platformBeside } from './admin-client.js';
import { type CustomerOps, customerActions } from './compose/customer-actions.js';
import { openRowStore } from './compose/row-store.js';

export type { CustomerOps };

/** False for a 404 of the admin API (nothing to remove), else the error. */
async function found(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (err) {
    if (err instanceof AdminApiError && err.status === 404) return false;
    throw err;
  }
}

function viaApi(api: AdminClient): CustomerOps {
  const at = (name: string) => `/customers/${encodeURIComponent(name)}`;
  return {
    add: async (name) => (await api.call<{ key: string }>('POST', '/customers', { name })).key,
    remove: (name) => found(api.call('DELETE', at(name))),
    grant: async (name, g) => {
      await api.call('POST', `${at(name)}/grants`, g);
    },
    revoke: (name, pond) =>
      found(api.call('DELETE', `${at(name)}/grants/${encodeURIComponent(pond)}`)),
    list: async () =>
      (await api.call<{ customers: CustomerInfo[] }>('GET', '/customers')).customers,
    putJob: async (j) => {
      await api.call('POST', `${at(j.customer)}/jobs`, {
        name: j.name,
        sql: j.sql,
        schedule: j.schedule,
      });
    },
    removeJob: (customer, name) =>
      found(api.call('DELETE', `${at(customer)}/jobs/${encodeURIComponent(name)}`)),
  };
}

/** Runs `fn` with the customer actions of `config`'s platform (see the file comment). */
export async function withCustomerOps<R>(
  config: Config,
  fn: (ops: CustomerOps) => Promise<R>,
): Promise<R> {
  const api = platformBeside(config);
  if (api) return fn(viaApi(api));
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'customers');
  const rowStore = await openRowStore(config, logger);
  try {
    const store = new CustomerStore(rowStore.client);
    await store.migrate();
    const slices = createCustomerSlices(config, slicedPonds(defaultPondJobs(config.etl.schedules)));
    return await fn(customerActions(store, slices));
  } finally {
    await rowStore.close();
  }
}
