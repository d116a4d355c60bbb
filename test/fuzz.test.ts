/**
 * The schema-driven fuzzer (test/fuzz/) against a real server: every operation of its own
 * `/openapi.json` called with malformed and hostile parameters, bodies and headers, with an admin,
 * read, run, garbage or no token. No 5xx, no hang, the one error shape naming the field, scopes
 * honoured, the server still answering and its RSS bounded. Then the cases that once found a bug,
 * and every path-like field against traversal and symlinks out of its root.
 *
 *   FUZZ_CASES=100000 FUZZ_SEED=7 node scripts/test.js fuzz     more cases, another seed
 *   FUZZ_SEED=7 FUZZ_ONLY=1234 node scripts/test.js fuzz         replay one case
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFixture, rssKiB, type Fixture } from './fuzz/fixture.ts';
import { readOperations, type ApiDocument } from './fuzz/operations.ts';
import { runFuzz } from './fuzz/run-fuzz.ts';
import { killRuns } from './harness.ts';

/** The seed CI runs with; any other is one `FUZZ_SEED` away. */
const DEFAULT_SEED = 20261207;
const seed = Number(process.env.FUZZ_SEED ?? DEFAULT_SEED);
const cases = Number(process.env.FUZZ_CASES ?? 10_000);
const only = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
/** Generous: the server's heap grows with the MB-sized bodies it parses, then stays; a leak would not. */
const RSS_GROWTH_BOUND_KIB = 512 * 1024;

/** Raw bytes on a socket of their own; the first answer's status, headers and body. */
async function rawExchange(port: number, bytes: string): Promise<{ status: number; head: string; body: any }> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  await new Promise<void>((done) => {
    socket.once('close', () => done());
    socket.once('error', () => done());
    socket.end(Buffer.from(bytes, 'latin1'));
  });
  const text = Buffer.concat(chunks).toString('utf8');
  const [head, ...rest] = text.split('\r\n\r\n');
  const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
  const body = Buffer.from(rest.join('\r\n\r\n')).subarray(0, length).toString('utf8');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: body ? JSON.parse(body) : null };
}

describe('fuzzing the API from its own /openapi.json', () => {
  let fx: Fixture;
  let api: ApiDocument;

  before(async () => {
    fx = await createFixture();
    api = readOperations(await (await fetch(`${fx.server.url}/openapi.json`)).json());
    console.log(`fuzz: seed ${seed} (FUZZ_SEED), ${only === undefined ? `${cases} cases (FUZZ_CASES)` : `case ${only} only (FUZZ_ONLY)`}, ${api.operations.length} operations`);
  });
  after(async () => {
    killRuns(fx.server.dataDir);
    await fx.server.stop();
    rmSync(fx.root, { recursive: true, force: true });
  });

  describe('cases that once found a bug (kept as regressions)', () => {
    it('a path with bad percent-encoding is refused in the one error shape (seed 1, case 1815: POST /api/v1/jobs/%zz/pause)', async () => {
      for (const path of ['/api/v1/jobs/%zz/pause', '/api/v1/studies/%c0%ae%c0%ae']) {
        const r = await fx.server.api(path, { method: 'POST' });
        assert.equal(r.status, 400);
        assert.equal(r.body.error.code, 'invalid_url');
        assert.equal(r.body.error.field, 'url');
        assert.match(r.body.error.message, /percent-encoding/);
      }
    });

    it('a path segment over 100 characters is refused with 414 in the one error shape (seed 1, case 1812)', async () => {
      const r = await fx.server.api(`/api/v1/models/${'x'.repeat(300)}/versions`, { body: { checkpointId: 1 } });
      assert.equal(r.status, 414);
      assert.equal(r.body.error.code, 'uri_too_long');
      assert.match(r.body.error.message, /300 characters; an id or a name is at most 100/);
    });

    it('headers over 16 KiB and malformed framing are refused in the one error shape, and the connection closed (seed 1, cases 1864, 1912)', async () => {
      const auth = `authorization: Bearer ${fx.server.adminToken}\r\n`;
      const big = await rawExchange(fx.server.port, `GET /api/v1/jobs?pad=${'y'.repeat(20_000)} HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}\r\n`);
      assert.equal(big.status, 431);
      assert.equal(big.body.error.code, 'headers_too_large');
      assert.match(big.head, /\r\nconnection: close/i);
      const framing = await rawExchange(fx.server.port, `POST /api/v1/jobs HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}content-type: application/json\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}`);
      assert.equal(framing.status, 400);
      assert.equal(framing.body.error.code, 'bad_request');
      assert.match(framing.body.error.message, /malformed HTTP request/);
    });

    it('a body nested too deep under the key "" names the body as the field (seed 20261207 before the fix)', async () => {
      const r = await fx.server.api('/api/v1/models/fuzz-model', { method: 'PATCH', body: `{"":${'['.repeat(1000)}${']'.repeat(1000)}}` });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.field, 'body');
      assert.match(r.body.error.message, /nested 1000 levels deep/);
    });
  });

  describe('path-like fields: traversal and symlinks out of the allowed roots', () => {
    it('a checkpoint path that climbs out of the checkpoint folder, or links out of it, is refused', async () => {
      const { known } = fx;
      const out = ['../../../../etc/passwd', '/etc/passwd', 'links/passwd', 'links/etc/passwd', 'links/root/etc/passwd', 'links/outside/secret.txt',
        join(fx.checkpointDir, 'links', 'passwd'), '%2e%2e/%2e%2e/etc/passwd', 'ckpt-1.bin\u0000.txt', 'links/self', 'links/fifo', 'links/up/up'];
      for (const path of out) {
        const r = await fx.server.api(`/api/v1/runs/${known.runId}/checkpoints`, { token: known.tokens.run, body: { path, step: 2 } });
        assert.ok(r.status >= 400 && r.status < 500, `${JSON.stringify(path)}: ${r.status} ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.field, 'path', `${JSON.stringify(path)}: ${JSON.stringify(r.body)}`);
      }
    });

    it('dataset, eval-suite and job paths: hostile values are refused or harmless, never a 5xx', async () => {
      const { known } = fx;
      // Not the links to /etc, / and the temp root: a dataset may come from anywhere on the server's
      // machine (docs/datasets.md), so those are copied whole, which is slow, not wrong.
      const probes = [...known.paths, join(known.cwd, 'folder', 'nested')];
      const requests: Array<[string, (path: string) => unknown]> = [
        ['/api/v1/datasets/validate', (path) => ({ path, format: 'text', level: 'quick' })],
        ['/api/v1/datasets', (path) => ({ name: 'fuzz-paths', path, format: 'text', level: 'quick' })],
        ['/api/v1/eval-suites?replace=true', (cwd) => ({ name: 'fuzz-paths', command: ['true'], cwd, metrics: [{ name: 'score', goal: 'max' }] })],
        ['/api/v1/jobs', (cwd) => ({ name: 'fuzz-paths', command: ['true'], cwd })],
      ];
      for (const [path, body] of requests) {
        for (const probe of probes) {
          const r = await fx.server.api(path, { body: body(probe) });
          assert.ok(r.status < 500, `POST ${path} with ${JSON.stringify(probe.slice(0, 200))}: ${r.status} ${JSON.stringify(r.body)}`);
          if (r.status >= 400) assert.equal(typeof r.body.error?.message, 'string', JSON.stringify(r.body));
        }
      }
    });

    it('a backup destination that exists, climbs out or links out is refused, never a 5xx', async () => {
      assert.ok(api.operations.some((o) => o.path === '/api/v1/admin/backup'), 'the server lists POST /api/v1/admin/backup');
      const { known } = fx;
      const links = join(known.root, 'links');
      // Only places a backup cannot be written to (they exist and are not empty): the server may run as root.
      for (const dest of ['/', '/etc', '/etc/passwd', '/dev/null', '/proc/self/environ', join(links, 'etc'), join(links, 'root'), join(links, 'passwd'), join(links, 'fifo'), 'relative/dir', '/tmp\u0000x', join(known.cwd, '..', '..', '..', 'etc')]) {
        const r = await fx.server.api('/api/v1/admin/backup', { body: { dest } });
        assert.ok(r.status >= 400 && r.status < 500, `dest ${JSON.stringify(dest)}: ${r.status} ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.field, 'dest', `dest ${JSON.stringify(dest)}: ${JSON.stringify(r.body)}`);
      }
    });

    it('an artifact name with traversal is stored under its hash, never as a path', async () => {
      const { known } = fx;
      for (const name of ['../../../../etc/passwd', '/etc/passwd', '..', 'a\u0000b', '%2e%2e%2fx']) {
        const response = await fetch(`${fx.server.url}/api/v1/runs/${known.runId}/artifacts?name=${encodeURIComponent(name)}`, {
          method: 'POST', headers: { authorization: `Bearer ${known.tokens.run}`, 'content-type': 'application/octet-stream' }, body: 'bytes',
        });
        assert.ok(response.status < 500, `${JSON.stringify(name)}: ${response.status} ${await response.text()}`);
      }
    });
  });

  // Last: the cases before need the runner's token, and a fuzzed rule or stop may end its run.
  it(`${only === undefined ? cases : 1} cases from seed ${seed}: no 5xx, no hang, one error shape, scopes honoured, RSS bounded`, async () => {
    const rssStart = rssKiB(fx.server.pid);
    const report = await runFuzz({ api, known: fx.known, port: fx.server.port, seed, cases, only });
    const rssEnd = rssKiB(fx.server.pid);
    const perSecond = Math.round(report.cases / (report.ms / 1000));
    console.log(`fuzz: ${report.cases} cases in ${(report.ms / 1000).toFixed(1)} s (${perSecond}/s), slowest answer ${Math.round(report.slowest)} ms; `
      + `server RSS ${Math.round(rssStart / 1024)} → ${Math.round(rssEnd / 1024)} MiB; statuses ${JSON.stringify(report.statuses)}; `
      + `slowest operations (s waited): ${Object.entries(report.msByOperation).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([op, ms]) => `${op} ${(ms / 1000).toFixed(1)}`).join(', ')}`);
    const shown = report.failures.slice(0, 10).map((f) => `  case ${f.index} ${f.operation} [${f.token}]: ${f.problem}\n    ${f.request}`).join('\n');
    assert.equal(report.failures.length, 0, `${report.failures.length} failing cases (replay one: FUZZ_SEED=${seed} FUZZ_ONLY=<case> node scripts/test.js fuzz):\n${shown}`);
    assert.ok(rssEnd - rssStart < RSS_GROWTH_BOUND_KIB, `server RSS grew from ${rssStart} to ${rssEnd} KiB`);
    const alive = await fx.server.api('/api/v1/jobs?limit=1');
    assert.equal(alive.status, 200, 'the server answers /api/v1 after the fuzzing');
  });
});
