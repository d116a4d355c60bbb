#!/usr/bin/env node
// Compiles src/ to dist/ for the package (`npm run build`; `npm pack` and `npm publish` run it as
// the prepack step). bin/trainyard.js runs dist/ only where there is no src/: in an installed
// package. The dashboard is built apart, by the prepare step (vite, into web/dist).
//
// 1. tsc -p tsconfig.build.json: one .js file per .ts file (plain transpile, no type check).
// 2. The files that are not TypeScript (run-wrapper.sh).
// 3. dist/cli/ bundled by esbuild into main.js, with commander, plus a chunk per lazily loaded
//    piece: every CLI call loads ~30 modules (commander's among them), and loading them one
//    by one took longer than the rest of start-up (`npm run bench -- cli-startup`). Only
//    src/cli/ is bundled; what it imports from elsewhere (sdk/, core/, server/, datasets/)
//    stays a shared per-file module. Nothing outside src/cli/ may import from it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);
/** Not in dist/: tests, READMEs, and the worker's tsx booter (dist/ loads batch-worker.js itself). */
const SOURCE_ONLY = [/\.test\.ts$/, /\.md$/, /^server\/ingest\/batch-worker\.mjs$/];

function fail(message) {
  console.error(`trainyard build: ${message}`);
  process.exit(1);
}

function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)));
}

function compile() {
  let tsc;
  try {
    tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    fail('typescript is not installed (a dev dependency: run npm ci or npm install first)');
  }
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail(`tsc -p tsconfig.build.json failed (exit ${result.status ?? result.signal})`);
}

function copyAssets() {
  for (const path of files(src)) {
    if (path.endsWith('.ts') || SOURCE_ONLY.some((pattern) => pattern.test(path))) continue;
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    copyFileSync(join(src, path), join(dist, path));
  }
}

async function bundleCli() {
  const cli = join(dist, 'cli');
  for (const path of files(dist)) {
    if (!path.startsWith(`cli/`) && /from ["'](\.\.\/)+cli\/|import\(["'](\.\.\/)+cli\//.test(readFileSync(join(dist, path), 'utf8'))) {
      fail(`dist/${path} imports from cli/, which is bundled: move what it needs out of src/cli/`);
    }
  }
  // esbuild comes with tsx, a dependency: resolved from there, it is the one tsx runs.
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild');
  const out = join(dist, 'cli.bundle');
  await esbuild.build({
    entryPoints: [join(cli, 'main.js')],
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    // commander is CommonJS: its require() calls need a require in the ES module.
    banner: { js: "import { createRequire as __trainyardCreateRequire } from 'node:module';\nconst require = __trainyardCreateRequire(import.meta.url);" },
    plugins: [{
      name: 'bundle-src-cli-only',
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point' || relative(cli, args.importer).startsWith('..')) return undefined; // inside commander
          if (args.path.startsWith('.')) {
            return relative(cli, resolve(args.resolveDir, args.path)).startsWith('..') ? { path: args.path, external: true } : undefined;
          }
          return args.path === 'commander' ? undefined : { path: args.path, external: true };
        });
      },
    }],
  });
  // The chunks sit where cli/ was, so their relative imports (../sdk/client.js) and
  // import.meta.url (../../package.json) mean what they meant.
  rmSync(cli, { recursive: true });
  renameSync(out, cli);
}

rmSync(dist, { recursive: true, force: true });
compile();
copyAssets();
await bundleCli();
console.log('trainyard build: dist/ compiled from src/');
