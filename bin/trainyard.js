#!/usr/bin/env -S node --max-semi-space-size=4
// The `trainyard` command: runs the TypeScript CLI through tsx (no build step).
//
// --max-semi-space-size=4: a long-lived server does not need V8's default 16 MB young-generation
// semi-spaces; 4 MB keeps an idle server about 20 MB smaller. V8 reads it only at start-up, so
// it is on the shebang line, and `SERVER_NODE_FLAGS` (below) carries it where the server is
// started as `node bin/trainyard.js server`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
