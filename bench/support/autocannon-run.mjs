// Load generator for `npm run bench -- realtime`, run as its own process so the load does
// not share an event loop with the servers. argv: url seconds connections. Prints one JSON
// line: { rps, p50, p99, non2xx, errors }.
import autocannon from 'autocannon';

const [url, seconds, connections] = process.argv.slice(2);
const r = await autocannon({
  url,
  duration: Number(seconds),
  connections: Number(connections),
  pipelining: 1,
});
process.stdout.write(
  `${JSON.stringify({
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  })}\n`,
);
