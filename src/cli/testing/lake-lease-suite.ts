/**
 * The scale-out suite of `faresight lake` (consumers.leases), run on every stream backend
 * that keeps leases: real child processes share the `lake` group's shards; one is
 * SIGKILLed, another SIGSTOPped past its lease and resumed; afterwards the lake holds
 * every appended record exactly once, counted by id through DuckDB.
 */
import { describe, it } from 'node:test';
import {
  assertExactlyOnce,
  type LakeFleet,
  LEASE_SECONDS,
  SHARDS,
  stopGracefully,
  waitFor,
} from './lake-fleet.js';

const half = SHARDS / 2;

export function runLakeLeaseSuite(opts: { open: () => Promise<LakeFleet>; skip?: string | false }) {
  describe('faresight lake as several processes sharing shards by lease', {
    skip: opts.skip,
  }, () => {
    it('splits the shards; a SIGKILLed writer’s shards move to the other, no row missing or twice', {
      timeout: 300_000,
    }, async () => {
      const fleet = await opts.open();
      try {
        const a = fleet.start();
        const b = fleet.start();
        await waitFor(
          'the shards split between the two writers',
          async () => {
            const h = await fleet.holders();
            return h.get(a.pid)?.length === half && h.get(b.pid)?.length === half;
          },
          fleet.explain,
        );
        const ids = await fleet.append(300, 'k1-');
        // Once files rotated on size are published, each writer also holds records read
        // but not yet published, nor committed, until they are idle for ROTATE_S.
        await waitFor(
          'files published by the writers',
          async () => (await fleet.rowsById()).size > 0,
        );
        a.proc.kill('SIGKILL');
        const killedAt = Date.now();
        await a.exited;
        ids.push(...(await fleet.append(300, 'k2-')));
        await waitFor(
          'the survivor holding every shard',
          async () => (await fleet.holders()).get(b.pid)?.length === SHARDS,
          fleet.explain,
        );
        const movedS = (Date.now() - killedAt) / 1000;
        console.log(
          `lake shards moved ${movedS.toFixed(2)} s after SIGKILL (lease ${LEASE_SECONDS} s)`,
        );
        await waitFor('every record committed', () => fleet.caughtUp(), fleet.explain);
        await stopGracefully(b);
        assertExactlyOnce(await fleet.rowsById(), ids, await fleet.explain());
      } finally {
        await fleet.close();
      }
    });

    it('a writer paused past its lease and resumed is fenced at publish: no row twice', {
      timeout: 300_000,
    }, async () => {
      const fleet = await opts.open();
      try {
        const a = fleet.start();
        await waitFor(
          'the first writer holding every shard',
          async () => (await fleet.holders()).get(a.pid)?.length === SHARDS,
        );
        const ids = await fleet.append(300, 'p1-');
        await waitFor(
          'files published by the first writer',
          async () => (await fleet.rowsById()).size > 0,
        );
        await fleet.pause(a);
        const stoppedAt = Date.now();
        const b = fleet.start();
        await waitFor(
          'the second writer taking every shard from the paused one',
          async () => (await fleet.holders()).get(b.pid)?.length === SHARDS,
          fleet.explain,
        );
        console.log(
          `lake shards moved ${((Date.now() - stoppedAt) / 1000).toFixed(2)} s after SIGSTOP (lease ${LEASE_SECONDS} s, including the start of the second writer)`,
        );
        ids.push(...(await fleet.append(200, 'p2-')));
        a.proc.kill('SIGCONT');
        await waitFor(
          'the resumed writer fenced at its next file publish',
          () => /lake writes fenced.* at=publish/.test(a.log()),
          fleet.explain,
        );
        ids.push(...(await fleet.append(100, 'p3-')));
        await waitFor(
          'the shards split again',
          async () => {
            const h = await fleet.holders();
            return h.get(a.pid)?.length === half && h.get(b.pid)?.length === half;
          },
          fleet.explain,
        );
        await waitFor('every record committed', () => fleet.caughtUp(), fleet.explain);
        await stopGracefully(a);
        await stopGracefully(b);
        assertExactlyOnce(await fleet.rowsById(), ids, await fleet.explain());
      } finally {
        await fleet.close();
      }
    });
  });
}
