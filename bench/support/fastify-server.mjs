// A second reference for `npm run bench -- ingest`: Fastify set up as the ingest service
// sets it up (no logger, one buffer body parser, the same route), whose handler only
// JSON.parses the body and answers 202. Between the bare node:http ceiling and the
// ingest service it shows how much of the gap is the framework and how much the ingest
// work (validation, Avro encoding, the durable append). argv: port.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/v1/ingest/:vendor', async (req, reply) => {
  let v;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch {
    return reply.code(400).send({ error: 'invalid_payload' });
  }
  return reply.code(202).send({ accepted: Array.isArray(v) ? v.length : 1, rejected: [] });
});
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.stdout.write('READY\n');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
