/**
 * One typed HTTP contract, checked from the outside: `/openapi.json` of a real server is a
 * valid OpenAPI document that documents every answer (success and errors); a client generated
 * from it with openapi-typescript compiles, and its response types are real types (a job's
 * `state`, a run's `gpus`, the events page's `lastEventId`) that agree with the SDK's; and
 * every route, called on real data (NaN metrics, a dataset, tokens, errors), answers what the
 * document says, with no field it does not list.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { REPO, tempDir, useServer, waitFor, waitForJob, type TestServer } from './harness.ts';

type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
type Operation = { security?: unknown[]; responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }> };

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * Routes the last test does not call yet (the model registry and evaluations came later): the
 * first two tests check their document and generated types like every other route's.
 */
const NOT_CALLED_HERE = ['/api/v1/models', '/api/v1/eval-suites', '/api/v1/evaluations'];

function operations(doc: Doc): Array<[string, string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, op]) => [method, path, op] as [string, string, Operation]));
}

/** What a run does through its own routes (run token): its answers land in answers.json. */
const RUN_SCRIPT = `
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const { TRAINYARD_URL: url, TRAINYARD_TOKEN: token, TRAINYARD_RUN_ID: run, TRAINYARD_CHECKPOINT_DIR: dir } = process.env;
const post = async (path, body) => {
  const r = await fetch(url + path, { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { path, status: r.status, contentType: r.headers.get('content-type'), body: await r.json() };
};
const answers = [];
answers.push(await post('/api/v1/runs/' + run + '/metrics', { batchId: 'b1', series: { loss: { steps: [1, 2, 3], values: [0.9, 'NaN', 0.5] }, acc: { steps: [1, 2, 3], values: [0.1, 0.2, 'Infinity'] } } }));
answers.push(await post('/api/v1/runs/' + run + '/metrics', { batchId: 'b1', series: { loss: { steps: [1], values: [0.9] } } }));
answers.push(await post('/api/v1/runs/' + run + '/metrics', { series: { loss: { steps: [1], values: [] } } }));
answers.push(await post('/api/v1/runs/' + run + '/status', { total: 10, message: 'epoch 1' }));
writeFileSync(join(dir, 'step-3.pt'), 'weights');
answers.push(await post('/api/v1/runs/' + run + '/checkpoints', { path: 'step-3.pt', step: 3, metrics: { loss: 0.5 } }));
answers.push(await post('/api/v1/runs/' + run + '/checkpoints', { path: '../outside.pt', step: 3 }));
writeFileSync(join(dir, 'step-4.pt'), 'weights');
console.log('#trainyard metrics step=4 loss=nan acc=0.3');
console.log('#trainyard checkpoint path=step-4.pt step=4 loss=nan');
const upload = async (query, bytes) => {
  const r = await fetch(url + '/api/v1/runs/' + run + '/artifacts?' + query, { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/octet-stream' }, body: bytes });
  return { path: '/api/v1/runs/' + run + '/artifacts', status: r.status, contentType: r.headers.get('content-type'), body: await r.json() };
};
answers.push(await upload('name=plot.png&step=3', Buffer.from([0x89, 0x50, 0x4e, 0x47])));
answers.push(await upload('name=plot.png&kind=photo', 'x'));
writeFileSync('results.csv', 'step,loss\\n3,0.5\\n');
console.log('#trainyard artifact path=results.csv step=4');
writeFileSync('answers.json', JSON.stringify(answers));
`;

describe('the OpenAPI document and a client generated from it', { timeout: 240_000 }, () => {
  const server = useServer();
  let doc: Doc;

  before(async () => {
    const { status, body } = await server().api('/openapi.json', { token: null });
    assert.equal(status, 200);
    doc = body;
  });

  it('is a valid OpenAPI document that documents every success and error answer', async () => {
    const config = await createConfig({
      rules: { struct: 'error', 'no-unresolved-refs': 'error', 'operation-2xx-response': 'error', 'path-parameters-defined': 'error', 'no-identical-paths': 'error' },
    });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: join(REPO, 'openapi.json'), config });
    assert.deepEqual(problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`), []);

    const ops = operations(doc);
    assert.ok(ops.length >= 33, `${ops.length} operations`);
    for (const [method, path, op] of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(op.responses);
      const success = statuses.filter((s) => s.startsWith('2'));
      assert.ok(success.length > 0, `${where}: no success answer`);
      for (const s of success) {
        if (s !== '204') assert.ok(op.responses[s].content, `${where} ${s}: no body documented`);
        assert.notEqual(op.responses[s].description, 'Default Response', `${where} ${s}`);
      }
      const needsToken = op.security === undefined;
      if (needsToken) assert.ok(statuses.includes('401'), `${where}: 401 not documented`);
      assert.ok(statuses.includes('500'), `${where}: 500 not documented`);
      for (const s of statuses.filter((x) => /^[45]/.test(x))) {
        assert.deepEqual(op.responses[s].content?.['application/json']?.schema, { $ref: '#/components/schemas/Error' }, `${where} ${s}`);
      }
    }
    const events = doc.paths['/api/v1/events'].get.responses['200'].content!;
    assert.deepEqual(Object.keys(events).sort(), ['application/json', 'text/event-stream']);
    assert.deepEqual(Object.keys(doc.paths['/api/v1/jobs/{id}/log'].get.responses['200'].content!), ['text/plain']);
  });

  it('generates a client whose response types are typed, and agree with the SDK', async () => {
    const dir = tempDir('trainyard-openapi-client-');
    writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(doc as never, { silent: true })));
    const sdk = join(REPO, 'src', 'sdk', 'client.ts');
    writeFileSync(join(dir, 'use.ts'), `
import type { components, paths } from './api.ts';
import type { ApiJob, ApiRun, EventsPage, JobDetail, SeriesResponse } from '${sdk}';

type Json<P extends keyof paths, M extends 'get' | 'post', S extends number> =
  paths[P][M] extends { responses: { [K in S]: { content: { 'application/json': infer T } } } } ? T : never;
type Detail = Json<'/api/v1/jobs/{id}', 'get', 200>;
type Page = Json<'/api/v1/events', 'get', 200>;
type Failure = Json<'/api/v1/jobs/{id}', 'get', 404>;

export const state: Detail['state'] = 'running';
// @ts-expect-error not a job state
export const badState: Detail['state'] = 'exploded';
export const gpus: Detail['runs'][number]['gpus'] = [0, 1];
// @ts-expect-error GPU indices are numbers
export const badGpus: Detail['runs'][number]['gpus'] = ['0'];
export const last: Page['lastEventId'] = 3;
// @ts-expect-error an event id is a number
export const badLast: Page['lastEventId'] = '3';
export const code: Failure['error']['code'] = 'not_found';
// @ts-expect-error an error has a message
export const noMessage: Failure = { error: { code: 'x' } };
export const submitted: Json<'/api/v1/jobs', 'post', 201>['priority']['class'] = 'high';
export const series = (s: Json<'/api/v1/jobs/{id}/metrics/{key}', 'get', 200>) => ('bucketed' in s && s.bucketed ? s.count : s.steps);

/** The same shapes as the SDK's (which is read-only all the way down). */
type RO<T> = T extends (infer U)[] ? readonly RO<U>[] : T extends object ? { readonly [K in keyof T]: RO<T[K]> } : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const job: Same<RO<components['schemas']['Job']>, ApiJob> = true;
export const run: Same<RO<components['schemas']['Run']>, ApiRun> = true;
export const detail: Same<RO<Detail>, JobDetail> = true;
export const page: Same<RO<Page>, EventsPage> = true;
export const points: Same<RO<Json<'/api/v1/jobs/{id}/metrics/{key}', 'get', 200>>, SeriesResponse> = true;
`);
    const program = ts.createProgram([join(dir, 'use.ts')], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(REPO, 'node_modules', '@types')],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.fileName.replace(dir, '')}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    assert.deepEqual(errors, []);
  });

  it('answers what it documents, on real data, for every operation', async () => {
    const s = server();
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: 'trainyard:openapi', components: doc.components, paths: doc.paths });
    const schemaOf = (method: string, template: string, status: number) =>
      ajv.getSchema(`trainyard:openapi#/paths/${template.replaceAll('~', '~0').replaceAll('/', '~1')}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`);
    const exercised = new Set<string>();
    const failures: string[] = [];
    const check = (method: string, template: string, answer: { status: number; body: unknown; contentType: string | null }) => {
      const where = `${method} ${template} → ${answer.status}`;
      exercised.add(`${method} ${template}`);
      const response = doc.paths[template]?.[method.toLowerCase()]?.responses[String(answer.status)];
      if (!response) return void failures.push(`${where}: status not documented`);
      if (answer.status === 204) return;
      const type = (answer.contentType ?? '').split(';')[0];
      if (!response.content?.[type]) return void failures.push(`${where}: content-type ${type} not documented`);
      if (type !== 'application/json') return;
      const validate = schemaOf(method, template, answer.status)!;
      if (!validate(answer.body)) failures.push(`${where}: ${ajv.errorsText(validate.errors)}\n  ${JSON.stringify(answer.body).slice(0, 300)}`);
    };
    const call = async (method: string, template: string, path: string, body?: unknown, token?: string | null) => {
      const answer = await s.api(path, { method, body, token });
      check(method, template, { ...answer, contentType: answer.headers.get('content-type') });
      return answer;
    };

    // A run that reports through its own routes, then through the line protocol (NaN metrics).
    const work = tempDir('trainyard-openapi-work-');
    writeFileSync(join(work, 'run.mjs'), RUN_SCRIPT);
    const submitted = await call('POST', '/api/v1/jobs', '/api/v1/jobs', { name: 'contract', command: [process.execPath, 'run.mjs'], cwd: work, maxRetries: 0, tags: ['contract'], watchdog: { divergence: null } });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const id = submitted.body.id as number;
    const ended = await waitForJob(s, id, ['succeeded', 'failed']);
    assert.equal(ended.state, 'succeeded', `the run failed: ${JSON.stringify(ended.outcome)}\n${(await s.api(`/api/v1/jobs/${id}/log`)).body}`);
    for (const answer of JSON.parse(readFileSync(join(work, 'answers.json'), 'utf8'))) {
      check('POST', answer.path.replace(/\/runs\/\d+\//, '/runs/{runId}/'), answer);
    }

    await call('GET', '/health', '/health', undefined, null);
    // Operations (docs/operations.md): liveness, readiness, Prometheus, a backup by the server.
    await call('GET', '/healthz', '/healthz', undefined, null);
    await call('GET', '/readyz', '/readyz', undefined, null);
    await call('GET', '/metrics', '/metrics');
    await call('GET', '/metrics', '/metrics', undefined, null);
    const backupDir = tempDir('trainyard-openapi-backup-');
    assert.equal((await call('POST', '/api/v1/admin/backup', '/api/v1/admin/backup', { dest: join(backupDir, 'b') })).status, 200);
    await call('POST', '/api/v1/admin/backup', '/api/v1/admin/backup', { dest: join(backupDir, 'b') });
    await call('POST', '/api/v1/admin/backup', '/api/v1/admin/backup', { dest: 'relative' });
    await call('GET', '/api/v1/whoami', '/api/v1/whoami');
    await call('GET', '/api/v1/jobs', '/api/v1/jobs?tag=contract');
    await call('GET', '/api/v1/jobs', '/api/v1/jobs?limit=0');
    await call('GET', '/api/v1/jobs', '/api/v1/jobs', undefined, null);
    const detail = await call('GET', '/api/v1/jobs/{id}', `/api/v1/jobs/${id}`);
    assert.equal(detail.body.state, 'succeeded', JSON.stringify(detail.body));
    assert.equal(detail.body.latest.loss.value, null, 'a NaN latest value is null');
    const detailSchema = schemaOf('GET', '/api/v1/jobs/{id}', 200)!;
    assert.equal(detailSchema({ ...detail.body, undocumented: 1 }), false, 'a field the document does not list is refused');
    assert.equal(detailSchema({ ...detail.body, runs: [{ ...detail.body.runs[0], gpus: 'none' }] }), false);
    await call('GET', '/api/v1/jobs/{id}', '/api/v1/jobs/999999');
    const checkpoints = await call('GET', '/api/v1/jobs/{id}/checkpoints', `/api/v1/jobs/${id}/checkpoints`);
    assert.deepEqual(checkpoints.body.checkpoints.map((c: { metrics: unknown }) => c.metrics), [{ loss: 0.5 }, { loss: null }]);
    await call('GET', '/api/v1/jobs/{id}/metrics', `/api/v1/jobs/${id}/metrics`);
    const raw = await call('GET', '/api/v1/jobs/{id}/metrics/{key}', `/api/v1/jobs/${id}/metrics/loss`);
    assert.deepEqual(raw.body.values, [0.9, 'NaN', 0.5, 'NaN']);
    const bucketed = await call('GET', '/api/v1/jobs/{id}/metrics/{key}', `/api/v1/jobs/${id}/metrics/loss?buckets=2`);
    assert.equal(bucketed.body.bucketed, true);
    await call('GET', '/api/v1/jobs/{id}/metrics/{key}', `/api/v1/jobs/${id}/metrics/nothing`);
    const log = await call('GET', '/api/v1/jobs/{id}/log', `/api/v1/jobs/${id}/log`);
    assert.match(log.body, /#trainyard metrics/);
    await call('GET', '/api/v1/compare', `/api/v1/compare?jobs=${id}&key=loss`);
    await call('GET', '/api/v1/timeline', '/api/v1/timeline');
    const page = await call('GET', '/api/v1/events', '/api/v1/events?after=0');
    assert.ok(page.body.events.some((e: { type: string }) => e.type === 'checkpoint.registered'));
    await call('GET', '/api/v1/events', '/api/v1/events?types=nope');
    const stream = await fetch(`${s.url}/api/v1/events`, { headers: { authorization: `Bearer ${s.adminToken}`, accept: 'text/event-stream' }, signal: AbortSignal.timeout(10_000) });
    check('GET', '/api/v1/events', { status: stream.status, body: null, contentType: stream.headers.get('content-type') });
    await stream.body?.cancel();

    // Artifacts the run attached (an upload and a line).
    const listed = await call('GET', '/api/v1/jobs/{id}/artifacts', `/api/v1/jobs/${id}/artifacts`);
    assert.deepEqual(listed.body.artifacts.map((a: { name: string }) => a.name), ['plot.png', 'results.csv']);
    await call('GET', '/api/v1/jobs/{id}/artifacts', `/api/v1/jobs/${id}/artifacts?kind=table&step=4`);
    await call('GET', '/api/v1/jobs/{id}/artifacts', `/api/v1/jobs/${id}/artifacts?kind=photo`);
    await call('GET', '/api/v1/artifacts/{id}', `/api/v1/artifacts/${listed.body.artifacts[0].id}`);
    await call('GET', '/api/v1/artifacts/{id}', '/api/v1/artifacts/999999');
    await call('GET', '/api/v1/artifacts/{id}/content', `/api/v1/artifacts/${listed.body.artifacts[0].id}/content`);
    await call('GET', '/api/v1/artifacts/{id}/content', `/api/v1/artifacts/${listed.body.artifacts[1].id}/content`);
    await call('GET', '/api/v1/artifacts/{id}/content', '/api/v1/artifacts/999999/content');

    // Steering: a job held paused, one queued behind it.
    const held = await call('POST', '/api/v1/jobs', '/api/v1/jobs', { command: ['sleep', '60'], cwd: work, tags: ['contract'] });
    await call('POST', '/api/v1/jobs/{id}/pause', `/api/v1/jobs/${held.body.id}/pause`, {});
    await waitForJob(s, held.body.id, ['paused']);
    const waiting = await call('POST', '/api/v1/jobs', '/api/v1/jobs', { command: ['true'], cwd: work, after: [held.body.id] });
    await call('POST', '/api/v1/jobs/{id}/priority', `/api/v1/jobs/${waiting.body.id}/priority`, { priority: 'high' });
    await call('POST', '/api/v1/jobs/{id}/priority', `/api/v1/jobs/${waiting.body.id}/priority`, { priority: 'urgent' });
    await call('POST', '/api/v1/jobs/{id}/move', `/api/v1/jobs/${waiting.body.id}/move`, { to: 'front' });
    await call('POST', '/api/v1/jobs/{id}/stop', `/api/v1/jobs/${waiting.body.id}/stop`, {});
    await call('POST', '/api/v1/jobs/{id}/move', `/api/v1/jobs/${waiting.body.id}/move`, { to: 'front' });
    await call('POST', '/api/v1/jobs/{id}/resume', `/api/v1/jobs/${waiting.body.id}/resume`, {});
    await call('POST', '/api/v1/jobs/{id}/resume', `/api/v1/jobs/${held.body.id}/resume`, {});
    await call('POST', '/api/v1/jobs/{id}/stop', `/api/v1/jobs/${held.body.id}/stop`, {});
    await call('POST', '/api/v1/jobs', '/api/v1/jobs', { command: ['true'], cwd: work, resources: { gpus: 'two' } });

    // Tokens.
    const made = await call('POST', '/api/v1/tokens', '/api/v1/tokens', { role: 'read', name: 'contract', expiresAt: Date.now() + 3_600_000 });
    await call('POST', '/api/v1/jobs', '/api/v1/jobs', { command: ['true'], cwd: work }, made.body.token);
    await call('GET', '/api/v1/tokens', '/api/v1/tokens');
    await call('DELETE', '/api/v1/tokens/{id}', `/api/v1/tokens/${made.body.id}`);
    await call('DELETE', '/api/v1/tokens/{id}', `/api/v1/tokens/${made.body.id}`);

    // Dashboard sign-in (docs/dashboard.md): a one-time code exchanged for a session cookie.
    const code = await call('POST', '/api/v1/sign-in-codes', '/api/v1/sign-in-codes', { role: 'read', ttlSeconds: 60 });
    await call('POST', '/api/v1/sign-in-codes', '/api/v1/sign-in-codes', { role: 'root' });
    const viaCookie = async (method: string, init: { body?: unknown; cookie?: string; csrf?: string } = {}) => {
      const response = await fetch(`${s.url}/api/session`, {
        method,
        headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.cookie ? { cookie: init.cookie } : {}), ...(init.csrf ? { 'x-csrf-token': init.csrf } : {}) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await response.text();
      const answer = { status: response.status, body: text ? JSON.parse(text) : undefined, contentType: response.headers.get('content-type'), cookie: response.headers.getSetCookie()[0]?.split(';')[0] };
      check(method, '/api/session', answer);
      return answer;
    };
    const session = await viaCookie('POST', { body: { code: code.body.code } });
    assert.equal(session.status, 200);
    await viaCookie('POST', { body: { code: code.body.code } });
    await viaCookie('POST', { body: { code: 'short' } });
    await viaCookie('GET', { cookie: session.cookie });
    await viaCookie('GET');
    await viaCookie('DELETE', { cookie: session.cookie });
    assert.equal((await viaCookie('DELETE', { cookie: session.cookie, csrf: session.body.csrfToken })).status, 204);

    // API keys of the serving endpoints.
    const key = await call('POST', '/api/v1/keys', '/api/v1/keys', { name: 'contract', target: 'chat-prod' });
    await call('POST', '/api/v1/keys', '/api/v1/keys', { name: '' });
    await call('GET', '/api/v1/keys', '/api/v1/keys');
    await call('DELETE', '/api/v1/keys/{id}', `/api/v1/keys/${key.body.id}`);
    await call('DELETE', '/api/v1/keys/{id}', `/api/v1/keys/${key.body.id}`);
    await call('DELETE', '/api/v1/keys/{id}', '/api/v1/keys/00000000000000ff');

    // Studies (docs/studies.md): a dry run, a refused spec, a study paused, resumed and stopped.
    const study = { name: 'contract-study', job: { command: ['true'], cwd: work }, params: { lr: { choice: [0.1, 0.2] } }, parallelism: 1, earlyStopping: { asha: { metric: 'loss', mode: 'min', minResource: 2, maxResource: 20 } } };
    await call('POST', '/api/v1/studies', '/api/v1/studies?dryRun=true', study);
    await call('POST', '/api/v1/studies', '/api/v1/studies', { ...study, maxRuns: 1 });
    await call('POST', '/api/v1/studies', '/api/v1/studies', study);
    await call('POST', '/api/v1/studies', '/api/v1/studies', study);
    await call('GET', '/api/v1/studies', '/api/v1/studies');
    await call('GET', '/api/v1/studies/{name}', '/api/v1/studies/contract-study');
    await call('GET', '/api/v1/studies/{name}', '/api/v1/studies/nope');
    await call('POST', '/api/v1/studies/{name}/pause', '/api/v1/studies/contract-study/pause', {});
    await call('POST', '/api/v1/studies/{name}/resume', '/api/v1/studies/contract-study/resume', {});
    await call('POST', '/api/v1/studies/{name}/stop', '/api/v1/studies/contract-study/stop', {});
    await call('POST', '/api/v1/studies/{name}/resume', '/api/v1/studies/contract-study/resume', {});
    await call('GET', '/api/v1/studies/{name}/report', '/api/v1/studies/contract-study/report?metrics=loss');
    await call('GET', '/api/v1/studies/{name}/report', '/api/v1/studies/contract-study/report?format=csv');
    await call('GET', '/api/v1/studies/{name}/report', '/api/v1/studies/contract-study/report?format=md');
    await call('GET', '/api/v1/studies/{name}/report', '/api/v1/studies/nope/report');
    // The suggest interface (search: external): ask (launched; outside the domain; full), read, tell, finish.
    const asked = { name: 'contract-ask', job: { command: ['sleep', '30'], cwd: work }, search: 'external', maxRuns: 2, parallelism: 1, params: { x: { float: [0, 1] } }, objective: { metric: 'loss', mode: 'min' } };
    await call('POST', '/api/v1/studies', '/api/v1/studies', asked);
    await call('POST', '/api/v1/studies/{name}/ask', '/api/v1/studies/contract-ask/ask', { params: { x: 0.5 } });
    await call('POST', '/api/v1/studies/{name}/ask', '/api/v1/studies/contract-ask/ask', { params: { x: 2 } });
    await call('POST', '/api/v1/studies/{name}/ask', '/api/v1/studies/contract-ask/ask', { params: { x: 0.2 } });
    await call('GET', '/api/v1/studies/{name}/trials/{index}', '/api/v1/studies/contract-ask/trials/0');
    await call('GET', '/api/v1/studies/{name}/trials/{index}', '/api/v1/studies/contract-ask/trials/7');
    await call('POST', '/api/v1/studies/{name}/finish', '/api/v1/studies/contract-ask/finish', {});
    await call('POST', '/api/v1/studies/{name}/trials/{index}/tell', '/api/v1/studies/contract-ask/trials/0/tell', { state: 'pruned' });
    await call('POST', '/api/v1/studies/{name}/trials/{index}/tell', '/api/v1/studies/contract-ask/trials/0/tell', { value: 0.1 });
    await waitFor(async () => (await s.api('/api/v1/studies/contract-ask/trials/0')).body.state === 'stopped', { what: 'the pruned trial to stop' });
    await call('POST', '/api/v1/studies/{name}/finish', '/api/v1/studies/contract-ask/finish', {});
    // Widening (docs/studies.md, "Widening a study"): the finished study reopens with a larger cap; lowering it is refused.
    await call('POST', '/api/v1/studies/{name}/widen', '/api/v1/studies/contract-ask/widen', { maxRuns: 3 });
    await call('POST', '/api/v1/studies/{name}/widen', '/api/v1/studies/contract-ask/widen', { maxRuns: 1 });

    // Automation rules (docs/automations.md): made, dry-run against past events, toggled, removed.
    const rule = { on: 'job.submitted', where: { 'data.name': 'never' }, do: { pause: {} } };
    await call('PUT', '/api/v1/rules/{name}', '/api/v1/rules/contract', rule);
    await call('PUT', '/api/v1/rules/{name}', '/api/v1/rules/contract', { ...rule, on: 'job.made' });
    await call('GET', '/api/v1/rules', '/api/v1/rules');
    await call('GET', '/api/v1/rules/{name}', '/api/v1/rules/contract');
    await call('GET', '/api/v1/rules/{name}', '/api/v1/rules/nope');
    await call('POST', '/api/v1/rules/{name}/test', '/api/v1/rules/contract/test', { last: 3 });
    await call('POST', '/api/v1/rules/{name}/test', '/api/v1/rules/contract/test', { eventId: 1, last: 3 });
    await call('POST', '/api/v1/rules/{name}/disable', '/api/v1/rules/contract/disable', {});
    await call('POST', '/api/v1/rules/{name}/enable', '/api/v1/rules/contract/enable', {});
    await call('GET', '/api/v1/rules/{name}/firings', '/api/v1/rules/contract/firings');
    await call('DELETE', '/api/v1/rules/{name}', '/api/v1/rules/contract');
    await call('DELETE', '/api/v1/rules/{name}', '/api/v1/rules/contract');

    // Deploy targets and deployments (a model without versions: deployments answer their errors).
    assert.equal((await s.api('/api/v1/models', { body: { name: 'contract-model' } })).status, 201);
    const targetBody = { kind: 'command', model: 'contract-model', config: { command: ['true'] }, watch: { windowSeconds: 0 } };
    assert.equal((await call('PUT', '/api/v1/deploy/targets/{name}', '/api/v1/deploy/targets/contract', targetBody)).status, 200);
    await call('PUT', '/api/v1/deploy/targets/{name}', '/api/v1/deploy/targets/contract', { ...targetBody, config: { command: [] } });
    await call('PUT', '/api/v1/deploy/targets/{name}', '/api/v1/deploy/targets/other', { ...targetBody, model: 'no-such-model' });
    await call('GET', '/api/v1/deploy/targets', '/api/v1/deploy/targets');
    await call('GET', '/api/v1/deploy/targets/{name}', '/api/v1/deploy/targets/contract');
    await call('GET', '/api/v1/deploy/targets/{name}', '/api/v1/deploy/targets/nope');
    await call('POST', '/api/v1/deployments', '/api/v1/deployments', { target: 'contract', model: 'contract-model', version: 1 });
    await call('POST', '/api/v1/deployments', '/api/v1/deployments', { target: 'contract' });
    await call('POST', '/api/v1/deploy/targets/{name}/rollback', '/api/v1/deploy/targets/contract/rollback', {});
    await call('GET', '/api/v1/deployments', '/api/v1/deployments?target=contract');
    await call('GET', '/api/v1/deployments/{id}', '/api/v1/deployments/999');
    await call('DELETE', '/api/v1/deploy/targets/{name}', '/api/v1/deploy/targets/contract');
    await call('DELETE', '/api/v1/deploy/targets/{name}', '/api/v1/deploy/targets/contract');

    // Datasets and formats.
    const row = (i: number) => JSON.stringify({ messages: [{ role: 'user', content: `question ${i} about item ${i * 7}` }, { role: 'assistant', content: `reply ${i}` }] });
    writeFileSync(join(work, 'chat.jsonl'), `${Array.from({ length: 20 }, (_, i) => row(i)).join('\n')}\n`);
    await call('POST', '/api/v1/datasets', '/api/v1/datasets', { name: 'contract-chat', path: join(work, 'chat.jsonl'), format: 'chat' });
    await call('POST', '/api/v1/datasets', '/api/v1/datasets', { name: 'contract-chat', path: join(work, 'chat.jsonl'), format: 'chat' });
    await call('GET', '/api/v1/datasets', '/api/v1/datasets');
    await call('GET', '/api/v1/datasets/{name}', '/api/v1/datasets/contract-chat');
    await call('GET', '/api/v1/datasets/{name}/{version}', '/api/v1/datasets/contract-chat/latest');
    await call('GET', '/api/v1/datasets/{name}/{version}', '/api/v1/datasets/contract-chat/9');
    await call('POST', '/api/v1/datasets/{name}/{version}/validations', '/api/v1/datasets/contract-chat/1/validations', { level: 'deep' });
    await call('GET', '/api/v1/datasets/{name}/{version}/runs', '/api/v1/datasets/contract-chat/1/runs');
    await call('POST', '/api/v1/datasets/validate', '/api/v1/datasets/validate', { path: join(work, 'chat.jsonl'), format: 'chat', level: 'quick' });
    await call('POST', '/api/v1/datasets/validate', '/api/v1/datasets/validate', { path: 'relative.jsonl', format: 'chat' });
    await call('GET', '/api/v1/datasets/formats', '/api/v1/datasets/formats');
    await call('GET', '/api/v1/datasets/formats/{name}', '/api/v1/datasets/formats/chat');
    const definition = { schema: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } }, unique: ['id'] };
    await call('PUT', '/api/v1/datasets/formats/{name}', '/api/v1/datasets/formats/contract-rows', definition);
    await call('PUT', '/api/v1/datasets/formats/{name}', '/api/v1/datasets/formats/contract-rows', definition);
    await call('PUT', '/api/v1/datasets/formats/{name}', '/api/v1/datasets/formats/contract-rows', { ...definition, unique: [] });
    await call('GET', '/api/v1/datasets/formats/{name}', '/api/v1/datasets/formats/contract-rows');

    // The model registry: a version from the run's checkpoint (its metrics hold a NaN), aliases.
    const models = '/api/v1/models';
    await call('POST', models, models, { name: 'contract-model', tags: ['a'], promotionRule: { margin: 0.1 } });
    await call('POST', models, models, { name: 'contract-model' });
    await call('POST', models, models, { name: 'no spaces' });
    await call('GET', models, models);
    await call('PATCH', `${models}/{name}`, `${models}/contract-model`, { description: 'contract' });
    const checkpointId = checkpoints.body.checkpoints[1].id as number;
    await call('POST', `${models}/{name}/versions`, `${models}/contract-model/versions`, { checkpointId, notes: 'n' });
    await call('POST', `${models}/{name}/versions`, `${models}/contract-model/versions`, { checkpointId });
    await call('POST', `${models}/{name}/versions`, `${models}/contract-model/versions`, { checkpointId: 999_999 });
    await call('PATCH', `${models}/{name}/versions/{ref}`, `${models}/contract-model/versions/1`, { tags: ['b'] });
    await call('PUT', `${models}/{name}/aliases/{alias}`, `${models}/contract-model/aliases/production`, { version: 1, reason: 'contract' });
    await call('PUT', `${models}/{name}/aliases/{alias}`, `${models}/contract-model/aliases/latest`, { version: 1 });
    await call('PUT', `${models}/{name}/aliases/{alias}`, `${models}/contract-model/aliases/production`, { version: 1, expectedVersion: 2 });
    await call('GET', `${models}/{name}`, `${models}/contract-model`);
    await call('GET', `${models}/{name}`, `${models}/nope`);
    await call('GET', `${models}/{name}/versions/{ref}`, `${models}/contract-model/versions/production`);
    await call('GET', `${models}/{name}/versions/{ref}`, `${models}/contract-model/versions/9`);
    await call('DELETE', `${models}/{name}/aliases/{alias}`, `${models}/contract-model/aliases/production?reason=contract`);
    await call('DELETE', `${models}/{name}/aliases/{alias}`, `${models}/contract-model/aliases/production`);
    await call('GET', `${models}/{name}/history`, `${models}/contract-model/history?alias=production`);

    // Eval suites and evaluations: one checkpoint of the contract job, evaluated by hand.
    const suite = {
      name: 'contract-suite', command: [process.execPath, '-e', "console.log('#trainyard metrics step=0 loss=0.5')"], cwd: work,
      metrics: [{ name: 'loss', goal: 'min', change: { relative: 0 }, weight: 1 }], baseline: { label: 'lower bound', values: { loss: 0.1 } },
    };
    await call('POST', '/api/v1/eval-suites', '/api/v1/eval-suites', suite);
    await call('POST', '/api/v1/eval-suites', '/api/v1/eval-suites', suite);
    await call('POST', '/api/v1/eval-suites', '/api/v1/eval-suites', { ...suite, maxRetries: 0 });
    await call('POST', '/api/v1/eval-suites', '/api/v1/eval-suites', { ...suite, metrics: [{ name: 'loss', goal: 'lower' }] });
    await call('GET', '/api/v1/eval-suites', '/api/v1/eval-suites');
    await call('GET', '/api/v1/eval-suites/{name}', '/api/v1/eval-suites/contract-suite');
    await call('GET', '/api/v1/eval-suites/{name}', '/api/v1/eval-suites/nope');
    const started = await call('POST', '/api/v1/evaluations', '/api/v1/evaluations', { suite: 'contract-suite', checkpoint: checkpoints.body.checkpoints[0].id });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const evaluationId = started.body.evaluation.id as number;
    await call('POST', '/api/v1/evaluations', '/api/v1/evaluations', { suite: 'contract-suite', checkpoint: checkpoints.body.checkpoints[0].id });
    await call('POST', '/api/v1/evaluations', '/api/v1/evaluations', { suite: 'contract-suite', checkpoint: 999999 });
    await waitFor(async () => (await s.api(`/api/v1/evaluations/${evaluationId}`)).body.state === 'done', { what: 'the evaluation' });
    const evaluated = await call('GET', '/api/v1/evaluations/{id}', `/api/v1/evaluations/${evaluationId}`);
    assert.equal(evaluated.body.result.verdict, 'fail', JSON.stringify(evaluated.body));
    await call('GET', '/api/v1/evaluations/{id}', '/api/v1/evaluations/999999');
    await call('GET', '/api/v1/evaluations', `/api/v1/evaluations?job=${id}`);
    await call('GET', '/api/v1/evaluations/leaderboard', `/api/v1/evaluations/leaderboard?job=${id}`);
    await call('GET', '/api/v1/evaluations/leaderboard', '/api/v1/evaluations/leaderboard?suite=contract-suite');
    await call('GET', '/api/v1/evaluations/leaderboard', '/api/v1/evaluations/leaderboard');
    await call('POST', '/api/v1/evaluations/{id}/override', `/api/v1/evaluations/${evaluationId}/override`, { reason: 'contract' });
    await call('POST', '/api/v1/evaluations/{id}/override', `/api/v1/evaluations/${evaluationId}/override`, { reason: 'again' });
    await call('GET', '/api/v1/jobs/{id}/checkpoints', `/api/v1/jobs/${id}/checkpoints`);

    // Curricula (docs/curriculum.md): applied, refused, read, moved by hand, a level's jobs run.
    const curriculum = {
      metric: 'loss', promote: { atMost: 0.2, over: 2, ema: 0.5 }, demote: { above: 0.9 }, job: { command: ['true'], cwd: work },
      levels: [{ name: 'one', suite: 'contract-suite', generate: { command: ['true'] } }, { name: 'two', suite: 'contract-suite', job: { params: { n: 2 } } }],
    };
    assert.equal((await call('PUT', '/api/v1/curricula/{name}', '/api/v1/curricula/contract', curriculum)).status, 200);
    await call('PUT', '/api/v1/curricula/{name}', '/api/v1/curricula/contract', curriculum);
    await call('PUT', '/api/v1/curricula/{name}', '/api/v1/curricula/other', { ...curriculum, metric: 'accuracy' });
    await call('PUT', '/api/v1/curricula/{name}', '/api/v1/curricula/contract', { ...curriculum, levels: [{ name: 'zero', suite: 'contract-suite' }] });
    await call('GET', '/api/v1/curricula', '/api/v1/curricula');
    await call('GET', '/api/v1/curricula/{name}', '/api/v1/curricula/contract');
    await call('GET', '/api/v1/curricula/{name}', '/api/v1/curricula/nope');
    await call('POST', '/api/v1/curricula/{name}/jobs', '/api/v1/curricula/contract/jobs', { run: 'generate' });
    await call('POST', '/api/v1/curricula/{name}/level', '/api/v1/curricula/contract/level', { level: 'two', reason: 'contract' });
    await call('POST', '/api/v1/curricula/{name}/level', '/api/v1/curricula/contract/level', { level: 'three', reason: 'contract' });
    await call('POST', '/api/v1/curricula/{name}/jobs', '/api/v1/curricula/contract/jobs', { run: 'generate' });
    await call('POST', '/api/v1/curricula/{name}/jobs', '/api/v1/curricula/contract/jobs', {});

    // Retention: the global policy and a collection (dry, then real).
    await call('GET', '/api/v1/retention', '/api/v1/retention');
    await call('PUT', '/api/v1/retention', '/api/v1/retention', { policy: { keepLatest: 5, keepBest: { metric: 'contract-suite/score', goal: 'max', count: 1 } } });
    await call('PUT', '/api/v1/retention', '/api/v1/retention', { policy: { keepLatest: -1 } });
    await call('PUT', '/api/v1/retention', '/api/v1/retention', { policy: null });
    await call('POST', '/api/v1/gc', '/api/v1/gc', { dryRun: true });
    await call('POST', '/api/v1/gc', '/api/v1/gc', { jobId: id });
    await call('POST', '/api/v1/gc', '/api/v1/gc', { jobId: 999_999 });

    // The inbox listing (off here: no inbox.yaml), with a file waiting in a priority folder.
    mkdirSync(join(s.dataDir, 'inbox', 'normal'), { recursive: true });
    writeFileSync(join(s.dataDir, 'inbox', 'normal', 'waiting.jsonl'), '{}\n');
    const inbox = await call('GET', '/api/v1/inbox', '/api/v1/inbox?state=waiting,failed&limit=5');
    assert.deepEqual([inbox.body.config.state, inbox.body.files.map((f: { name: string }) => f.name)], ['off', ['waiting.jsonl']]);
    await call('GET', '/api/v1/inbox', '/api/v1/inbox?state=lost');

    // The audit log (docs/audit.md): a filtered page, the next page, a bad filter, a read token.
    const audit = await call('GET', '/api/v1/audit', '/api/v1/audit?method=POST&status=200&limit=2');
    assert.equal(audit.body.entries.length, 2, JSON.stringify(audit.body));
    await call('GET', '/api/v1/audit', `/api/v1/audit?before=${audit.body.nextCursor}&route=${encodeURIComponent('/api/v1/jobs')}`);
    await call('GET', '/api/v1/audit', '/api/v1/audit?method=GET');
    const viewer = await s.api('/api/v1/tokens', { body: { role: 'read', name: 'audit-viewer' } });
    await call('GET', '/api/v1/audit', '/api/v1/audit', undefined, viewer.body.token);

    assert.deepEqual(failures, []);
    const documented = operations(doc).filter(([, path]) => !NOT_CALLED_HERE.some((prefix) => path.startsWith(prefix)));
    const missed = documented.map(([method, path]) => `${method.toUpperCase()} ${path}`).filter((op) => !exercised.has(op));
    assert.deepEqual(missed, [], 'operations this test did not call');
  });
});
