import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { freePort } from './ports.js';

test('freePort gives a port no listen(0) is given while it stays closed', async (t) => {
  let low: number;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]);
  } catch {
    t.skip('no /proc/sys/net/ipv4/ip_local_port_range: the ephemeral range is not known here');
    return;
  }
  const port = await freePort();
  assert.ok(
    port > 1024 && port < low,
    `port ${port} must lie below the ephemeral range, which starts at ${low}`,
  );
  // What happened in CI: a released port handed to another test's server. Ask for 300.
  const servers: Server[] = [];
  try {
    for (let i = 0; i < 300; i++) {
      const s = createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      servers.push(s);
      assert.notEqual((s.address() as { port: number }).port, port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
  // and it is free: a server binds it
  const s = createServer();
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
  await new Promise((r) => s.close(r));
});
