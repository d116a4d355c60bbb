#!/usr/bin/env node
// Runs every *.test.ts under src/, test/, examples/ and web/ with node's test runner through tsx;
// without a filter, all but test/faults/ (`npm run test:faults`, which CI runs after `npm test`).
// The file list is expanded here: `node --test` with tsx on Node 20 finds no .ts files by glob.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = [...find('src'), ...find('test'), ...find('examples'), ...find('web')].sort();
if (filter.length > 0) files = files.filter((f) => filter.some((part) => f.includes(part)));
// The fault-injection suites (minutes of kill -9 and friends) run apart: `npm run test:faults`.
else files = files.filter((f) => !f.startsWith(join('test', 'faults') + '/'));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
