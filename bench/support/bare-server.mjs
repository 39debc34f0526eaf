// The ceiling for `npm run bench -- ingest`: a bare node:http server that reads each
// body, JSON.parses it and answers 202, nothing else. argv: port.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let n = 0;
    try {
      const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      n = Array.isArray(v) ? v.length : 1;
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(202, { 'content-type': 'application/json' }).end(`{"accepted":${n}}`);
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('READY\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
