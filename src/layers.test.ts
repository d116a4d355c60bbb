/**
 * The layers table in the README is the rule: every import of a file under src/<layer>/ names
 * only its own layer or one its row lists under "may import". Test files may also import the
 * contract suites and fixtures of lower layers, as they do.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';

const SRC = resolve(import.meta.dirname);
const README = join(SRC, '..', 'README.md');

/** `{ layer → layers it may import }` from the README's "## Layout" table. */
function readTable(): Map<string, Set<string>> {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('## Layout'), text.indexOf('\n## ', text.indexOf('## Layout') + 1));
  const table = new Map<string, Set<string>>();
  for (const line of section.split('\n')) {
    const match = /^\| `src\/([a-z-]+)\/` \|.*\| ([^|]*) \|$/.exec(line);
    if (!match) continue;
    const allowed = match[2].trim() === '—' ? [] : match[2].split(',').map((s) => s.trim()).filter(Boolean);
    table.set(match[1], new Set(allowed));
  }
  return table;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|mts)$/.test(name)) out.push(path);
  }
  return out;
}

/** The src/ layer a path lies in, or null for files at src/'s top (config.ts) and outside. */
function layerOf(path: string): string | null {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 && parts[0] !== '..' ? parts[0] : null;
}

describe('layers', () => {
  const table = readTable();

  it('lists every folder of src/ in the README', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    assert.deepEqual(folders.filter((f) => !table.has(f)), []);
    for (const [layer, allowed] of table) for (const a of allowed) assert.ok(table.has(a), `${layer} may import unknown layer ${a}`);
  });

  it('imports only downward, as the table says', () => {
    const upward: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const layer = layerOf(file);
      if (layer === null) continue;
      const allowed = table.get(layer);
      if (allowed === undefined) {
        upward.push(`${relative(SRC, file)}: its folder ${layer}/ has no row in the README's Layout table`);
        continue;
      }
      const isTest = file.endsWith('.test.ts');
      for (const match of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^'"]*?from '(\.[^']+)'/gm)) {
        const target = resolve(file, '..', match[1]);
        const to = layerOf(target);
        if (to === layer) continue;
        if (to === null) {
          // src/config.ts reads the environment: only the processes' entry points use it.
          if (target.startsWith(SRC) && (layer === 'server' || layer === 'cli')) continue;
          if (!target.startsWith(SRC) && isTest) continue;
          upward.push(`${relative(SRC, file)} → ${match[1]}`);
          continue;
        }
        if (allowed.has(to)) continue;
        if (isTest && /\/(contract|fixtures)\//.test(target)) continue;
        upward.push(`${relative(SRC, file)} (${layer}) → ${relative(SRC, target)} (${to})`);
      }
    }
    assert.deepEqual(upward, []);
  });
});
