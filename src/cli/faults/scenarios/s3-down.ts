/**
 * The S3 endpoint down: the lake on s3rver (in this process), stopped for 8 s and
 * started again on the same port and files. Ingest is unaffected (the stream buffers),
 * the lake writer retries and resumes by itself, and the lake holds every acknowledged
 * record once.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';
import { runOutage } from '../outage.js';
import { freePort, type PrivateServer } from '../private-services.js';
import { runScenario } from '../scenario.js';

const BUCKET = 'faults-lake';

async function privateS3(dir: string): Promise<PrivateServer> {
  const port = await freePort();
  const directory = join(dir, 's3rver');
  mkdirSync(directory, { recursive: true });
  let server: S3rver | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async start() {
      server = new S3rver({
        address: '127.0.0.1',
        port,
        silent: true,
        directory,
        configureBuckets: [{ name: BUCKET }],
      });
      await server.run();
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.httpServer?.closeAllConnections();
      await s.close();
    },
  };
}

await runScenario(
  's3-down',
  'no crash; ingest unaffected while S3 is down; the lake writer resumes by itself; no acked record lost or duplicated',
  async (ctx) => {
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    const s3 = await privateS3(ctx.dir);
    await runOutage({
      ctx,
      server: s3,
      ingestDependsOnIt: false,
      configure: (base) => ({
        ...base,
        lake: {
          ...(base.lake as object),
          objectStore: { backend: 's3', bucket: BUCKET, endpoint: s3.url, forcePathStyle: true },
        },
      }),
    });
  },
);
