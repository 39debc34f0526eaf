#!/usr/bin/env -S node --initial-old-space-size=256
// Entry point of the `faresight` command: TypeScript sources run through tsx, so a
// fresh `npm ci` needs no build step.
//
// The V8 flags on the first line are bin/node-flags.json's (the npm scripts and the
// benches pass the same). A 256 MB initial old space: the lake writer holds each record
// from its read until its file is durable, V8 moves those objects to the old space, and
// in a small heap that meant a full collection every few megabytes (28 in a 4 s lake
// bench run; 11 with the flag, and the writer faster in 5 of 5 paired runs,
// `npm run bench -- lake`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
