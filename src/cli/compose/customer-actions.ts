/**
 * The customer actions of an operator, over the customer store and the customers' pond
 * slices (kept in line with the grants: rewritten on grant, deleted on revoke and
 * removal). `faresight customers` runs them itself, or the running platform's admin API
 * runs them when `up` holds the embedded row store.
 */
import type { CustomerInfo, CustomerJobInput } from '../../console/console-backend.js';
import type { CustomerSlices } from '../../tenancy/customer-slices.js';
import type { CustomerStore, Grant } from '../../tenancy/customer-store.js';

/** The customer actions. Removals answer false when there was nothing to remove. */
export interface CustomerOps {
  /** Creates the customer; its API key (shown once). */
  add(name: string): Promise<string>;
  remove(name: string): Promise<boolean>;
  /** Grants, and rewrites the customer's slice of the pond. */
  grant(name: string, grant: Grant): Promise<void>;
  /** Revokes, and deletes the customer's slice of the pond. */
  revoke(name: string, pond: string): Promise<boolean>;
  list(): Promise<CustomerInfo[]>;
  putJob(job: CustomerJobInput): Promise<void>;
  removeJob(customer: string, name: string): Promise<boolean>;
}

/** The actions on `store`, with `slices` kept in line with the grants. */
export function customerActions(
  store: CustomerStore,
  slices: Pick<CustomerSlices, 'sync' | 'removeAll'>,
): CustomerOps {
  return {
    add: (name) => store.add(name),
    remove: async (name) => {
      const removed = await store.remove(name);
      if (removed) await slices.removeAll(name);
      return removed;
    },
    grant: async (name, g) => {
      await store.grant(name, g);
      await slices.sync(name, await store.grants(name), g.pond);
    },
    revoke: async (name, pond) => {
      const revoked = await store.revoke(name, pond);
      await slices.sync(name, await store.grants(name), pond);
      return revoked;
    },
    list: async () =>
      (await store.list()).map((c) => ({
        name: c.name,
        createdAt: c.createdAt.toISOString(),
        grants: c.grants.map((g) => ({ ...g })),
        jobs: c.jobs.map((j) => ({ name: j.name, schedule: j.schedule })),
      })),
    putJob: (j) => store.putJob(j),
    removeJob: (customer, name) => store.removeJob(customer, name),
  };
}
