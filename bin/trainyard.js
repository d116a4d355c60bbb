#!/usr/bin/env -S node --max-semi-space-size=4
// The `trainyard` command. An installed package (npm pack ships dist/, not src/) runs the compiled
// JavaScript in dist/; a checkout, which has src/, runs the TypeScript sources through tsx, so
// developers and tests always run the code as it is now. tsx costs about 4x a bare Node start
// for `trainyard ls --help`; dist/ about 1.6x (`npm run bench -- cli-startup`). Telling them
// apart costs one stat: comparing a build stamp with the sources (stat'ing every file) cost
// 0.15x a bare Node start on a loaded machine.
//
// --max-semi-space-size=4: a long-lived server does not need V8's default 16 MB young-generation
// semi-spaces; 4 MB keeps an idle server about 20 MB smaller. V8 reads it only at start-up, so
// it is on the shebang line, and `SERVER_NODE_FLAGS` (src/cli/node-flags.ts) carries it where
// the server is started as `node bin/trainyard.js server`.
import { existsSync } from 'node:fs';

let cli;
if (existsSync(new URL('../src/', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
} else if (existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
  cli = await import('../dist/cli/main.js');
} else {
  console.error('trainyard: this package has neither src/ nor dist/: it was packed without its prepack step (scripts/build.js)');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
