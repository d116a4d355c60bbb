/**
 * Artifacts through a real server (docs/training-contract.md, docs/http-api.md): real training
 * scripts attach a PNG, a CSV and a text file through the bare line protocol, the TypeScript
 * SDK and the Python SDK; the files are listed, fetched byte-identical, and survive the
 * deletion of the run's working directory. A path outside the allowed folders, a symlink out of
 * them, a missing file and a file over the cap each give a warning in the run's log naming the
 * path and the reason, and neither the run nor the server stops.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { cliJson, REPO, requireOrSkip, runCli, tempDir, useServer, waitForJob, type TestServer } from './harness.ts';

const PYTHON = '/usr/bin/python3';
const SDK = pathToFileURL(join(REPO, 'src', 'sdk', 'index.ts')).href;
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** A valid 2×2 RGB PNG: signature, IHDR, IDAT, IEND, each chunk with its CRC. */
function tinyPng(): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, deflate, no filter, no interlace
  const rows = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const PNG = tinyPng();
const CSV = 'step,makespan,baseline\n1,120,130\n2,110,130\n';
const TEXT = 'best makespan 110 at step 2\n';

/** A working directory with the three files, and the files the refusals need. */
function workDir(): { dir: string; outside: string } {
  const dir = tempDir('trainyard-artifacts-');
  writeFileSync(join(dir, 'gantt.png'), PNG);
  writeFileSync(join(dir, 'results.csv'), CSV);
  writeFileSync(join(dir, 'summary.txt'), TEXT);
  const outside = join(tempDir('trainyard-artifacts-outside-'), 'secret.png');
  writeFileSync(outside, PNG);
  symlinkSync(outside, join(dir, 'link.png'));
  writeFileSync(join(dir, 'big.bin'), '');
  truncateSync(join(dir, 'big.bin'), (64 << 20) + 1); // sparse: no disk spent
  return { dir, outside };
}

async function submit(server: TestServer, name: string, command: string[], dir: string, env: Record<string, string> = {}): Promise<number> {
  const { status, body } = await server.api('/api/v1/jobs', { body: { name, command, cwd: dir, env, maxRetries: 0 } });
  assert.equal(status, 201, JSON.stringify(body));
  return body.id as number;
}

async function logOf(server: TestServer, id: number): Promise<string> {
  return (await server.api(`/api/v1/jobs/${id}/log`)).body as string;
}

async function succeeded(server: TestServer, id: number): Promise<void> {
  const job = await waitForJob(server, id, ['succeeded', 'failed']);
  if (job.state !== 'succeeded') assert.fail(`job ${id} is ${job.state}; log:\n${await logOf(server, id)}`);
}

async function content(server: TestServer, id: number): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const response = await fetch(`${server.url}/api/v1/artifacts/${id}/content`, { headers: { authorization: `Bearer ${server.adminToken}` } });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

/** The three artifacts of a job are there, of the right kinds and steps, byte-identical. */
async function checkThree(server: TestServer, jobId: number): Promise<void> {
  const { status, body } = await server.api(`/api/v1/jobs/${jobId}/artifacts`);
  assert.equal(status, 200, JSON.stringify(body));
  const byName = new Map<string, any>(body.artifacts.map((a: any) => [a.name, a]));
  assert.deepEqual([...byName.keys()].sort(), ['gantt.png', 'results.csv', 'summary.txt'], JSON.stringify(body));
  assert.deepEqual([byName.get('gantt.png').kind, byName.get('results.csv').kind, byName.get('summary.txt').kind], ['image', 'table', 'text']);
  assert.deepEqual([byName.get('gantt.png').step, byName.get('results.csv').step, byName.get('summary.txt').step], [2, 2, null]);
  const expected: Record<string, Buffer> = { 'gantt.png': PNG, 'results.csv': Buffer.from(CSV), 'summary.txt': Buffer.from(TEXT) };
  for (const [name, bytes] of Object.entries(expected)) {
    const got = await content(server, byName.get(name).id);
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(bytes), `${name} of job ${jobId} is not byte-identical`);
    assert.equal(got.headers.get('content-type'), byName.get(name).mediaType);
  }
  const images = (await server.api(`/api/v1/jobs/${jobId}/artifacts?kind=image&step=2`)).body.artifacts;
  assert.deepEqual(images.map((a: any) => a.name), ['gantt.png']);
  const meta = (await server.api(`/api/v1/artifacts/${byName.get('gantt.png').id}`)).body;
  assert.deepEqual(meta, byName.get('gantt.png'));
  assert.equal(meta.bytes, PNG.length);
}

describe('artifacts through a real server', () => {
  const server = useServer();
  const dirs: string[] = [];
  const jobs: number[] = [];

  it('the bare line protocol attaches files and refuses bad paths in the run\'s log', async () => {
    const { dir, outside } = workDir();
    dirs.push(dir);
    const lines = [
      '#trainyard artifact path=gantt.png step=2',
      '#trainyard artifact path=results.csv step=2',
      `#trainyard artifact path=${JSON.stringify(join(dir, 'summary.txt'))} kind=text`,
      `#trainyard artifact path=${JSON.stringify(outside)}`,
      '#trainyard artifact path=link.png',
      '#trainyard artifact path=../../etc/passwd',
      '#trainyard artifact path=missing.png',
      '#trainyard artifact path=big.bin',
      '#trainyard artifact path=gantt.png kind=picture',
      '#trainyard metrics step=3 loss=0.5',
    ];
    writeFileSync(join(dir, 'train.mjs'), `for (const line of ${JSON.stringify(lines)}) console.log(line);\n`);
    const id = await submit(server(), 'artifacts-lines', [process.execPath, 'train.mjs'], dir);
    jobs.push(id);
    await succeeded(server(), id);
    await checkThree(server(), id);
    const log = await logOf(server(), id);
    assert.match(log, new RegExp(`artifact not attached: path: ${escape(outside)} resolves to ${escape(outside)}, outside the allowed folders`));
    assert.match(log, /artifact not attached: path: link\.png resolves to .*secret\.png, outside the allowed folders/);
    assert.match(log, /artifact not attached: path: \.\.\/\.\.\/etc\/passwd resolves to \/etc\/passwd, outside the allowed folders/);
    assert.match(log, /artifact not attached: path: missing\.png does not exist \(looked for .*missing\.png\)/);
    assert.match(log, /artifact not attached: path: big\.bin is 67108865 bytes, over the artifact limit of 67108864 bytes \(64 MiB\)/);
    assert.match(log, /ignored line protocol instruction: artifact: 'kind' must be one of image, table, text, other, got 'picture' \(column 41\)/);
    // The run went on after the refusals: its last metric arrived.
    const loss = (await server().api(`/api/v1/jobs/${id}/metrics`)).body.series.map((s: any) => s.key);
    assert.deepEqual(loss, ['loss']);
    const events = (await server().api(`/api/v1/events?types=artifact.attached&job=${id}`)).body.events;
    assert.deepEqual(events.map((e: any) => e.data.name).sort(), ['gantt.png', 'results.csv', 'summary.txt']);
  });

  it('the TypeScript SDK uploads files, and warns about a missing or too large one', async () => {
    const { dir } = workDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'train.mts'), [
      `import { init } from '${SDK}';`,
      'const run = init();',
      "if (run.mode !== 'http') throw new Error(run.mode);",
      "const png = await run.artifact('gantt.png', { step: 2 });",
      "if (png === null || png.kind !== 'image') throw new Error('png: ' + JSON.stringify(png));",
      "await run.artifact('results.csv', { step: 2, kind: 'table' });",
      "run.artifact('summary.txt');",
      "if (await run.artifact('missing.png') !== null) throw new Error('missing attached');",
      "if (await run.artifact('big.bin') !== null) throw new Error('big attached');",
      'run.log({ loss: 0.5 }, 3);',
      'await run.close();',
    ].join('\n'));
    const id = await submit(server(), 'artifacts-ts', [process.execPath, '--import', TSX, 'train.mts'], dir);
    jobs.push(id);
    await succeeded(server(), id);
    await checkThree(server(), id);
    const log = await logOf(server(), id);
    assert.match(log, /artifact 'missing\.png' not attached: .*missing\.png does not exist/);
    assert.match(log, /artifact 'big\.bin' not attached: .*big\.bin is 67108865 bytes, over the artifact limit/);
  });

  it('the Python SDK uploads files, and warns about a missing or too large one', { skip: requireOrSkip(existsSync(PYTHON), PYTHON) }, async () => {
    const { dir } = workDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'train.py'), [
      'import trainyard',
      'run = trainyard.init()',
      'assert run.mode == "http", run.mode',
      'record = run.artifact("gantt.png", step=2, wait=True)',
      'assert record is not None and record["kind"] == "image", record',
      'run.artifact("results.csv", step=2)',
      'run.artifact("summary.txt", name="summary.txt")',
      'assert run.artifact("missing.png", wait=True) is None',
      'assert run.artifact("big.bin", wait=True) is None',
      'run.log({"loss": 0.5}, step=3)',
      'run.close()',
    ].join('\n'));
    const id = await submit(server(), 'artifacts-py', [PYTHON, 'train.py'], dir, { PYTHONPATH: join(REPO, 'sdk', 'python'), PYTHONDONTWRITEBYTECODE: '1' });
    jobs.push(id);
    await succeeded(server(), id);
    await checkThree(server(), id);
    const log = await logOf(server(), id);
    assert.match(log, /artifact 'missing\.png' not attached: .*missing\.png does not exist/);
    assert.match(log, /artifact 'big\.bin' not attached: .*big\.bin is 67108865 bytes, over the artifact limit/);
  });

  it('the files survive the deletion of the runs\' working directories', async () => {
    assert.ok(jobs.length > 0);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    for (const id of jobs) await checkThree(server(), id);
  });

  it('CLI: artifacts ls lists with filters, artifacts get writes the bytes', async () => {
    const jobId = jobs[0];
    const dataDir = server().dataDir;
    const all = cliJson(await runCli(['artifacts', 'ls', String(jobId), '--json'], { dataDir }));
    assert.deepEqual(all.artifacts.map((a: any) => a.name).sort(), ['gantt.png', 'results.csv', 'summary.txt']);
    const tables = cliJson(await runCli(['artifacts', 'ls', String(jobId), '--kind', 'table', '--step', '2', '--json'], { dataDir }));
    assert.deepEqual(tables.artifacts.map((a: any) => a.name), ['results.csv']);
    const table = await runCli(['artifacts', 'ls', String(jobId)], { dataDir });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /ID\s+RUN\s+STEP\s+KIND\s+NAME\s+SIZE\s+ATTACHED\n.*\s2\s+image\s+gantt\.png\s/);
    const badKind = await runCli(['artifacts', 'ls', String(jobId), '--kind', 'photo'], { dataDir });
    assert.equal(badKind.code, 2);
    assert.match(badKind.stderr, /--kind must be one of image, table, text, other, got "photo"/);

    const png = all.artifacts.find((a: any) => a.name === 'gantt.png');
    const out = tempDir('trainyard-artifacts-get-');
    const got = cliJson(await runCli(['artifacts', 'get', String(png.id), '-o', join(out, 'copy.png'), '--json'], { dataDir }));
    assert.equal(got.file, join(out, 'copy.png'));
    assert.ok(readFileSync(join(out, 'copy.png')).equals(PNG));
    const byName = await runCli(['artifacts', 'get', String(png.id)], { dataDir, cwd: out });
    assert.equal(byName.code, 0, byName.stderr);
    assert.ok(readFileSync(join(out, 'gantt.png')).equals(PNG));
    const again = await runCli(['artifacts', 'get', String(png.id)], { dataDir, cwd: out });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /gantt\.png exists already: name another file with -o FILE/);
    const csv = all.artifacts.find((a: any) => a.name === 'results.csv');
    assert.equal((await runCli(['artifacts', 'get', String(csv.id), '-o', '-'], { dataDir })).stdout, CSV);
    const missing = await runCli(['artifacts', 'get', '999999'], { dataDir });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /artifact 999999 not found/);
  });

  it('HTTP: uploads raw bytes, serves SVG sandboxed, refuses bad fields, too large bodies and unknown ids', async () => {
    const jobId = jobs[0];
    const runs = (await server().api(`/api/v1/jobs/${jobId}`)).body.runs;
    const runId = runs[0].id as number;
    const upload = (query: string, body: Buffer | string, token = server().adminToken) =>
      fetch(`${server().url}/api/v1/runs/${runId}/artifacts?${query}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body });
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="2" height="2"/></svg>';
    const created = await upload('name=plot.svg&step=5', svg);
    assert.equal(created.status, 201);
    const record = await created.json() as any;
    assert.equal(record.kind, 'image');
    assert.equal(record.mediaType, 'image/svg+xml');
    const served = await content(server(), record.id);
    assert.equal(served.bytes.toString(), svg);
    assert.equal(served.headers.get('content-type'), 'image/svg+xml');
    assert.match(served.headers.get('content-security-policy') ?? '', /^sandbox;.*default-src 'none'/);
    assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
    assert.match(served.headers.get('content-disposition') ?? '', /^inline; filename="plot.svg"/);

    const bad = await upload('name=a.png&kind=photo', 'x');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as any).error.message, /querystring\.kind/);
    const noName = await upload('step=1', 'x');
    assert.equal(noName.status, 400);
    assert.match(((await noName.json()) as any).error.message, /querystring\.name/);
    const tooLarge = await upload('name=big.bin', Buffer.alloc((64 << 20) + 1));
    assert.equal(tooLarge.status, 413);
    assert.match(((await tooLarge.json()) as any).error.message, /over the limit of 67,108,864 bytes \(64 MiB\) for POST \/api\/v1\/runs\/:runId\/artifacts/);
    assert.equal((await upload('name=a.txt', 'x', 'ty_0000000000000000_' + 'a'.repeat(43))).status, 401);
    assert.equal((await content(server(), 999_999)).status, 404);
    assert.equal((await server().api('/api/v1/artifacts/999999')).status, 404);
    assert.equal((await server().api('/api/v1/jobs/999999/artifacts')).status, 404);
    assert.equal((await server().api(`/api/v1/jobs/${jobId}/artifacts?kind=photo`)).status, 400);
    assert.equal((await fetch(`${server().url}/api/v1/artifacts/${record.id}/content`)).status, 401);
    // The server is still up and serving.
    assert.equal((await server().api('/health')).status, 200);
    assert.ok(readFileSync(join(server().dataDir, 'jobs', String(jobId), 'artifacts', record.sha256)).equals(Buffer.from(svg)));
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
