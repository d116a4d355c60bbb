/**
 * Dataset routes: register and list versions, validate files, user formats, lineage. Paths are
 * on the server's machine. Validation streams with awaits between 1 MiB chunks, so a long one
 * (a big file at depth deep takes seconds) does not stall other requests.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  checkedDatasetSchema,
  checkInputSchema,
  datasetDetailSchema,
  datasetListSchema,
  datasetRunsSchema,
  datasetVersionsSchema,
  formatListSchema,
  formatSchema,
  registeredDatasetSchema,
  registerDatasetInputSchema,
  storedFormatSchema,
  validateInputSchema,
  validationReportSchema,
} from '../../core/api/datasets.ts';
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import { answer } from '../../core/api/wire.ts';
import { DATASET_NAME, formatDatasetRef } from '../../core/datasets.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { validateFile } from '../../datasets/index.ts';
import { BUILTIN_FORMATS } from '../../datasets/formats/registry.ts';
import { formatDefinitionInput, parseFormatDefinition } from '../../datasets/formats/user-format.ts';
import { checkDataset, formatFor, loadVersion, registerDataset, resolveEvalSets } from '../../datasets/register.ts';
import type { App, AppDeps } from '../app.ts';

const nameParams = z.object({ name: z.string().regex(DATASET_NAME) });
const versionParams = z.object({
  name: z.string().regex(DATASET_NAME),
  version: z.union([z.literal('latest'), z.coerce.number().int().positive()]),
});

export function registerDatasetRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;
  const admin = () => ({ kind: 'admin' }) as const;
  const read = () => ({ kind: 'read' }) as const;
  const datasets = { store, datasetDir: deps.layout.datasetDir, now: deps.now };
  const refOf = (p: { name: string; version: 'latest' | number }) => ({ name: p.name, version: p.version === 'latest' ? null : p.version });

  app.post('/api/v1/datasets', {
    config: { access: admin },
    schema: {
      summary: 'Register a file or folder as the next version of a dataset, validated (a failing version is registered with its report)',
      body: registerDatasetInputSchema,
      response: {
        201: answer('a new version, with the report of its validation (registered even when it failed: see report.passed)', registeredDatasetSchema),
        200: answer('the name already held this content: that version, with the validation just added', registeredDatasetSchema),
        ...errorResponses({
          ...BODY,
          400: 'a body that is not valid: an unknown format, a path that is not there, a bad name',
          ...AUTH,
          404: 'an eval set that is not registered',
          409: 'the name holds this content under another format',
        }),
      },
    },
  }, async (request, reply) => {
    const { version, created, report } = await registerDataset(datasets, request.body);
    return reply.status(created ? 201 : 200).send({ ...version, created, report });
  });

  app.get('/api/v1/datasets', {
    config: { access: read },
    schema: { summary: 'Every dataset with its latest version, by name', response: { 200: datasetListSchema, ...errorResponses(AUTH) } },
  }, async () => ({ datasets: await store.listDatasets() }));

  app.post('/api/v1/datasets/validate', {
    config: { access: admin },
    schema: {
      summary: 'Validate a file or folder without registering it',
      body: validateInputSchema,
      response: {
        200: answer('the report, whether it passed or not', validationReportSchema),
        ...errorResponses({ ...BODY, 400: 'a body that is not valid: an unknown format, a path that is not there', ...AUTH, 404: 'an eval set that is not registered' }),
      },
    },
  }, async (request) => {
    const { path, format, level: depth } = request.body;
    const spec = await formatFor(store, format);
    const evalSets = await resolveEvalSets(datasets, request.body.eval ?? []);
    return validateFile(path, { format: spec, level: depth, evalSets, settings: request.body.settings });
  });

  app.get('/api/v1/datasets/formats', {
    config: { access: read },
    schema: { summary: 'Built-in and registered formats', response: { 200: formatListSchema, ...errorResponses(AUTH) } },
  }, async () => {
    const builtin = [...BUILTIN_FORMATS.values()].map((f) => ({ name: f.name, description: f.description, builtin: true as const }));
    const user = (await store.listFormats()).map((f) => ({ name: f.name, description: f.definition.description ?? 'user-defined (JSON Schema)', builtin: false as const, sha256: f.sha256, createdAt: f.createdAt }));
    return { formats: [...builtin, ...user] };
  });

  app.get('/api/v1/datasets/formats/:name', {
    config: { access: read },
    schema: {
      summary: 'One format; a user format with its definition',
      params: nameParams,
      response: { 200: formatSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no format with this name' }) },
    },
  }, async (request) => {
    const builtin = BUILTIN_FORMATS.get(request.params.name);
    if (builtin) return { name: builtin.name, description: builtin.description, builtin: true as const };
    const stored = await store.getFormat(request.params.name);
    if (!stored) throw new NotFoundError('format', request.params.name);
    return { ...stored, builtin: false as const };
  });

  app.put('/api/v1/datasets/formats/:name', {
    config: { access: admin },
    schema: {
      summary: 'Register a user format (JSON Schema per row plus rules); immutable once registered',
      params: nameParams,
      body: formatDefinitionInput.partial({ name: true }),
      response: {
        201: answer('registered', storedFormatSchema),
        200: answer('this definition was registered under this name already', storedFormatSchema),
        ...errorResponses({ ...BODY, 400: 'a definition that is not valid, or the name of a built-in format', ...AUTH, 409: 'another definition holds the name (formats are immutable)' }),
      },
    },
  }, async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    if (body.name !== undefined && body.name !== request.params.name) throw new ValidationError('must match the name in the path', 'name');
    if (BUILTIN_FORMATS.has(request.params.name)) throw new ValidationError(`${request.params.name} is a built-in format`, 'name', { code: 'invalid_format' });
    const definition = parseFormatDefinition({ ...body, name: request.params.name });
    const sha256 = createHash('sha256').update(canonicalJson(definition)).digest('hex');
    const before = await store.getFormat(definition.name);
    const stored = await store.registerFormat(definition, sha256, deps.now());
    return reply.status(before ? 200 : 201).send({ ...stored, builtin: false as const });
  });

  app.get('/api/v1/datasets/:name', {
    config: { access: read },
    schema: {
      summary: "A dataset's versions, oldest first",
      params: nameParams,
      response: { 200: datasetVersionsSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no dataset with this name' }) },
    },
  }, async (request) => {
    const versions = await store.listDatasetVersions(request.params.name);
    if (versions.length === 0) throw new NotFoundError('dataset', request.params.name);
    return { name: request.params.name, versions };
  });

  app.get('/api/v1/datasets/:name/:version', {
    config: { access: read },
    schema: {
      summary: 'A version (or `latest`) with the report of each of its validations',
      params: versionParams,
      response: { 200: datasetDetailSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no such dataset or version' }) },
    },
  }, async (request) => {
    const version = await loadVersion(store, refOf(request.params));
    const validations = await Promise.all(version.validations.map(async (v) => ({ ...v, report: await store.getValidationReport(v.id) })));
    return { ...version, validations };
  });

  app.post('/api/v1/datasets/:name/:version/validations', {
    config: { access: admin },
    schema: {
      summary: 'Validate a registered version again (another depth, other eval sets) and record it',
      params: versionParams,
      body: checkInputSchema,
      response: {
        201: answer('the version, with the report of the validation just recorded', checkedDatasetSchema),
        ...errorResponses({ ...BODY, ...AUTH, 404: 'no such dataset or version, or an eval set that is not registered' }),
      },
    },
  }, async (request, reply) => {
    const result = await checkDataset(datasets, refOf(request.params), request.body);
    return reply.status(201).send({ ...result.version, report: result.report });
  });

  app.get('/api/v1/datasets/:name/:version/runs', {
    config: { access: read },
    schema: {
      summary: 'Lineage: the runs (and jobs) that read this version, oldest first',
      params: versionParams,
      response: { 200: datasetRunsSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no such dataset or version' }) },
    },
  }, async (request) => {
    const version = await loadVersion(store, refOf(request.params));
    const uses = await store.listDatasetUses(version.id);
    const runs = await Promise.all(uses.map(async (u) => {
      const [job, run] = await Promise.all([store.getJob(u.jobId), store.getRun(u.runId)]);
      return { ...u, jobName: job?.spec.name ?? null, jobState: job?.state ?? null, attempt: run?.attempt ?? null, runState: run?.state ?? null };
    }));
    return { dataset: formatDatasetRef(version.name, version.version), sha256: version.sha256, runs };
  });
}


/** JSON with object keys sorted, so that a definition's hash does not depend on key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
