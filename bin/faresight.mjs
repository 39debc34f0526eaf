#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --heap-growing-percent=50
// Entry point of the `faresight` command. It runs the compiled package in dist/ (built
// once by `npm ci` through the `prepare` script: a command starts in a fraction of the
// time tsx needs to compile the sources), and falls back to the TypeScript sources
// through tsx when dist/ is missing, half-built, or older than any source file, so a
// developer's edit is never shadowed by a stale build.
//
// The environment and the V8 flags on the first line are bin/node-env.json's and
// bin/node-flags.json's (the npm scripts and the benches pass the same; docs/packaging.md
// says why each is there).
import { fileURLToPath } from 'node:url';
import { distIsCurrent } from './dist-current.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

let main;
if (distIsCurrent(root)) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv);
