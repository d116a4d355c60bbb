/**
 * What every `trainyard` call loads before it knows its command: main.ts and its static imports.
 * Besides Node's own modules that must be commander alone: yaml, zod, ajv and the datasets
 * validators (and the server's fastify, kysely, better-sqlite3) load in the commands that use
 * them, through `await import()`, or every call would pay for them (`npm run bench --
 * cli-startup`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

/** Static imports that load code: `import type` and `export type` load nothing. */
const STATIC_IMPORT = /^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm;

/** The files and packages main.ts loads statically, transitively. */
function startUpGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.includes(file)) return;
    files.push(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.add(specifier);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('CLI start-up', () => {
  const { files, packages } = startUpGraph(resolve(import.meta.dirname, 'main.ts'));

  it('loads no package but commander before a command runs', () => {
    assert.deepEqual([...packages], ['commander'], `loaded by ${files.map((f) => relative(import.meta.dirname, f)).join(', ')}`);
  });

  it('loads no validators, job-file parser or server before a command runs', () => {
    const heavy = files.map((f) => relative(resolve(import.meta.dirname, '..'), f)).filter((f) => /^(datasets|server|store|control)\/|^cli\/job-file\.ts$/.test(f));
    assert.deepEqual(heavy, []);
  });
});
