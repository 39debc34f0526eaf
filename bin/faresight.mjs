#!/usr/bin/env node
// Entry point of the `faresight` command: TypeScript sources run through tsx, so a
// fresh `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
