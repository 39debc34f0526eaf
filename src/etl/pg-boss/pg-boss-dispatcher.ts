import PgBoss from 'pg-boss';
import type { Logger } from '../../ops/logger.js';
import { withUser } from '../../sql/postgres/postgres-client.js';
import type { SlotDispatcher } from '../etl-scheduler.js';
import type { EtlTask } from '../etl-task.js';

/** Queue name of a task (pg-boss allows letters, digits, `_ - . /`). */
export function queueName(task: string): string {
  return `etl.${task.replace(/[^A-Za-z0-9_./-]/g, '_')}`;
}

/**
 * SlotDispatcher on pg-boss (v10) in `schema` of the PostgreSQL at `connectionString`:
 * one queue per task; a fire sends `{ slot }` with singletonKey `<task>@<slot>` (pg-boss
 * keeps one such job per key and slot), and every process works every queue, one job at
 * a time per queue. pg-boss retries are off: the scheduler retries an attempt itself.
 */
export async function openPgBossDispatcher(opts: {
  connectionString: string;
  schema: string;
  logger: Logger;
  /** How often workers poll, seconds; default 2. */
  pollingIntervalSeconds?: number;
}): Promise<SlotDispatcher> {
  const boss = new PgBoss({
    connectionString: withUser(opts.connectionString),
    schema: opts.schema,
    max: 4,
  });
  boss.on('error', (err: Error) => opts.logger.warn('pg-boss error', { error: err.message }));
  await boss.start();
  const workers: string[] = [];
  return {
    async register(task, handle) {
      const name = queueName(task.name);
      await boss.createQueue(name, { name, retryLimit: 0 } as never).catch(async (err: Error) => {
        if (!/exists/i.test(err.message)) throw err;
      });
      workers.push(
        await boss.work<{ slot: string }>(
          name,
          { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2, batchSize: 1 },
          async (jobs) => {
            for (const j of jobs) await handle(j.data.slot);
          },
        ),
      );
    },
    async dispatch(task: EtlTask, slot: string) {
      await boss.send(
        queueName(task.name),
        { slot },
        {
          singletonKey: `${task.name}@${slot}`,
          singletonSeconds: 60,
          retryLimit: 0,
        },
      );
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 20_000 });
    },
  };
}
