/**
 * The package as users install it: this tree packed with `npm pack` (which runs the prepack and
 * prepare steps: dist/ and the dashboard), the tarball installed with `npm install -g` into an
 * empty prefix, and the installed `trainyard` running a server, submitting a job to it and serving
 * the dashboard, all from the installed files alone (it has no src/: the compiled dist/ runs).
 *
 * Slow: a few minutes, most of it better-sqlite3 compiling from source (build-from-source, so
 * that no prebuilt binary is fetched). Packages come from npm's cache (--prefer-offline); the
 * registry requests that missed it are reported as a diagnostic, and an install that fails
 * (offline, and not in the cache) shows npm's output.
 *
 * The tree is packed from a copy (tracked files and new ones git does not ignore, as a commit of
 * them would hold), so that the prepare step's dashboard build does not replace web/dist under
 * tests running beside this one.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, REPO, requireOrSkip, tempDir, waitFor } from './harness.ts';

const MINUTES = 60_000;

interface Installed {
  readonly prefix: string;
  /** The installed package's folder. */
  readonly root: string;
  readonly bin: string;
  /** npm's registry requests that its cache did not answer. */
  readonly fetched: string[];
}

/** The tree's files as a commit of them would hold them: tracked, and new ones git does not ignore. */
const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' });
const skip = requireOrSkip(listed.status === 0, 'a git checkout (to list the files to pack)');

describe('the packed package, installed globally', { timeout: 20 * MINUTES, skip }, () => {
  let scratch: string;
  const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
  let packed: { tarball: string; files: string[] };
  let installed: Installed;
  let server: ChildProcess | null = null;

  before(async () => {
    scratch = tempDir('trainyard-packaging-');
    packed = await pack(scratch);
    installed = await install(packed.tarball, join(scratch, 'prefix'));
  });

  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((done) => server!.once('exit', done));
      process.kill(server.pid!, 'SIGTERM');
      await exited;
    }
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('ships the compiled CLI, the dashboard and the Python SDK, and no sources', (t) => {
    t.diagnostic(installed.fetched.length === 0
      ? 'npm install -g: every package came from npm\'s cache'
      : `npm install -g: ${installed.fetched.length} request(s) went past npm's cache, e.g. ${installed.fetched.slice(0, 3).join('; ')}`);
    for (const file of ['bin/trainyard.js', 'dist/cli/main.js', 'dist/server/start.js', 'dist/server/ingest/batch-worker.js', 'dist/executors/local/run-wrapper.sh', 'web/dist/index.html', 'sdk/python/trainyard.py', 'README.md']) {
      assert.ok(packed.files.includes(file), `the tarball lacks ${file}`);
    }
    const strays = packed.files.filter((f) => /^(src|test|bench|scripts)\/|\.test\.|\.ts$/.test(f) && !f.endsWith('.d.ts'));
    assert.deepEqual(strays, [], 'sources, tests or build scripts in the tarball');
    assert.equal(existsSync(join(installed.root, 'src')), false);
  });

  it('works without a server: version, help, and the error of a job file that does not parse', async () => {
    const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string;
    assert.equal((await run(installed.bin, ['--version'], { env })).stdout.trim(), version);
    assert.match((await run(installed.bin, ['ls', '--help'], { env })).stdout, /^Usage: trainyard ls/);
    // The job-file parser loads lazily (a chunk of the bundled CLI): its errors still name the line.
    writeFileSync(join(scratch, 'bad.yaml'), 'name: x\ncommand: [a, b\n');
    const refused = await run(installed.bin, ['submit', 'bad.yaml'], { cwd: scratch, env }).then(() => null, (error: Error) => error.message);
    assert.match(refused ?? 'exit 0', /\(1\):[\s\S]*error: bad\.yaml:3:1: /);
  });

  it('runs a server, takes a job from `trainyard submit`, runs it and serves the dashboard', async () => {
    const dataDir = join(scratch, 'data');
    const work = join(scratch, 'work');
    mkdirSync(work);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    server = spawn(installed.bin, ['server', '--data-dir', dataDir, '--port', String(port)], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    await waitFor(async () => server!.exitCode !== null || (await fetch(`${url}/health`)).ok, { timeoutMs: 60_000, what: `the installed server on ${url}` });
    assert.equal(server.exitCode, null, `the installed server exited:\n${output}`);
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const api = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(url + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
      return { status: response.status, body: (await response.json()) as any };
    };

    // The job reports a metric on stdout, then waits for `release` (made below), so that a large
    // metric batch can be sent to its run meanwhile.
    const script = 'echo "#trainyard metrics step=1 loss=0.5"; i=0; while [ ! -e release ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done';
    const submitted = await run(installed.bin, ['submit', '--data-dir', dataDir, '--name', 'packaged', '--json', '--', 'sh', '-c', script], { cwd: work, env });
    const id = (JSON.parse(submitted.stdout) as { id: number }).id;
    const running = await waitFor(async () => {
      const { body } = await api(`/api/v1/jobs/${id}`);
      return body.state === 'running' && body.runs?.length > 0 ? body : null;
    }, { timeoutMs: 60_000, what: `job ${id} to run` });

    // Over 256 KiB: parsed on a worker thread, which must load from dist/ as well.
    const steps = Array.from({ length: 40_000 }, (_, i) => i + 2);
    const big = await api(`/api/v1/runs/${running.runs[0].id}/metrics`, {
      method: 'POST',
      body: JSON.stringify({ batchId: 'big', series: { acc: { steps, values: steps.map(() => 0.25) } } }),
    });
    assert.deepEqual(big, { status: 200, body: { accepted: 40_000, duplicate: false } }, output);

    writeFileSync(join(work, 'release'), '');
    const done = await waitFor(async () => {
      const { body } = await api(`/api/v1/jobs/${id}`);
      return ['succeeded', 'failed', 'cancelled'].includes(body.state) ? body : null;
    }, { timeoutMs: 120_000, what: `job ${id} to end` });
    assert.equal(done.state, 'succeeded', `${JSON.stringify(done)}\n${output}`);
    const metrics = JSON.parse((await run(installed.bin, ['metrics', String(id), '--data-dir', dataDir, '--json'], { env })).stdout) as { series: Array<{ key: string; lastValue: number; count: number }> };
    assert.deepEqual(metrics.series.map((s) => [s.key, s.count, s.lastValue]).sort(), [['acc', 40_000, 0.25], ['loss', 1, 0.5]]);

    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    const script0 = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
    assert.ok(script0, `no script in the dashboard's HTML:\n${html}`);
    assert.equal((await fetch(new URL(script0, url))).status, 200, `the dashboard's script ${script0}`);

    const exited = new Promise<number | null>((done) => server!.once('exit', (code) => done(code)));
    process.kill(server.pid!, 'SIGTERM');
    assert.equal(await exited, 0, output);
  });

  it('finds the dataset validators from the compiled inbox', async () => {
    // src/inbox/validate.ts loads the datasets module by URL: it must find dist/'s .js file.
    const probe = `const m = await import(${JSON.stringify(join(installed.root, 'dist', 'inbox', 'validate.js'))}); console.log(typeof (await m.datasetsValidator()));`;
    assert.equal((await run(process.execPath, ['--input-type=module', '-e', probe], { env })).stdout.trim(), 'function');
  });
});

/** Packs a copy of the tree into `scratch`; the tarball's path and the files it holds. */
async function pack(scratch: string): Promise<{ tarball: string; files: string[] }> {
  const stage = join(scratch, 'tree');
  for (const file of listed.stdout.split('\0')) {
    if (file && existsSync(join(REPO, file))) cpSync(join(REPO, file), join(stage, file));
  }
  symlinkSync(join(REPO, 'node_modules'), join(stage, 'node_modules')); // typescript and vite, for the build steps
  const out = join(scratch, 'tarball');
  mkdirSync(out);
  const packed = await run('npm', ['pack', '--json', '--pack-destination', out], { cwd: stage, env: process.env });
  // The build steps print to stdout too: npm's JSON is from the line holding just `[`.
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.search(/^\[$/m))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: join(out, info.filename), files: info.files.map((f) => f.path) };
}

/** `npm install -g` of the tarball into an empty prefix, from npm's cache where it can. */
async function install(tarball: string, prefix: string): Promise<Installed> {
  const args = ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=http', tarball];
  const result = await run('npm', args, { env: { ...process.env, npm_config_build_from_source: 'true' } });
  const fetched = result.stderr.split('\n').filter((line) => /^npm http fetch /.test(line) && !/\(cache (hit|revalidated|stale)\)/.test(line));
  return { prefix, root: join(prefix, 'lib', 'node_modules', 'trainyard'), bin: join(prefix, 'bin', 'trainyard'), fetched };
}

/** Runs a command to completion; a non-zero exit throws with its output. */
function run(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(file, args, { ...options, maxBuffer: 64 * 2 ** 20, timeout: 15 * MINUTES }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${file} ${args.join(' ')} failed (${error.code ?? error.signal}):\n${stdout.slice(-4000)}\n${stderr.slice(-8000)}`));
      else done({ stdout, stderr });
    });
  });
}
