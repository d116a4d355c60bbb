/**
 * Artifact routes (core/artifacts.ts): a run uploads a file's bytes (an SDK on another
 * machine, or on this one); anyone who reads jobs lists them and reads their metadata and
 * content. Paths the server reads itself come through the line protocol instead.
 */
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import {
  artifactIdParams,
  artifactListQuerySchema,
  artifactListSchema,
  artifactSchema,
  artifactUploadQuerySchema,
} from '../../core/api/artifacts.ts';
import { AUTH, errorResponses } from '../../core/api/errors.ts';
import { ARTIFACT_MAX_BYTES, ARTIFACT_MEDIA_TYPES, type Artifact } from '../../core/artifacts.ts';
import { NotFoundError } from '../../core/errors.ts';
import { artifactFile } from '../../control/artifacts.ts';
import type { App, AppDeps } from '../app.ts';
import { loadJob } from './jobs.ts';
import { bodyCheckedByHandler, jobIdParams, runIdParams, type ApiTypeProvider } from './schemas.ts';

/**
 * What every artifact's content is served with: scripts never run (an SVG or an HTML report
 * opened directly runs in a sandbox with no script, no requests out), and browsers never
 * guess another type than the one sent.
 */
export const ARTIFACT_CONTENT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'private, max-age=3600',
});

export function registerArtifactRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;

  async function loadArtifact(id: number): Promise<Artifact> {
    const artifact = await store.getArtifact(id);
    if (!artifact) throw new NotFoundError('artifact', id);
    return artifact;
  }

  // The upload reads the body as raw bytes, whatever its content-type, in a plugin scope so the
  // other routes keep their JSON parsers.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ARTIFACT_MAX_BYTES }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<ApiTypeProvider>().post('/api/v1/runs/:runId/artifacts', {
      config: { access: (r) => ({ kind: 'run', runId: Number((r.params as { runId: string }).runId) }) },
      bodyLimit: ARTIFACT_MAX_BYTES,
      schema: {
        summary: "Attach a file to the run: its bytes are the body (any content-type), its name, kind and step in the query",
        params: runIdParams,
        querystring: artifactUploadQuerySchema,
        consumes: ['application/octet-stream'],
        body: z.any().describe('the file\'s bytes (application/octet-stream or the file\'s own type); at most 64 MiB'),
        response: {
          201: artifactSchema,
          ...errorResponses({
            400: 'a bad name, kind or step (`field` names it)',
            ...AUTH,
            404: 'no run with this id',
            413: 'a body over 64 MiB',
          }),
        },
      },
      validatorCompiler: bodyCheckedByHandler,
    }, async (request, reply) => {
      const run = await store.getRun(request.params.runId);
      if (!run) throw new NotFoundError('run', request.params.runId);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const artifact = await deps.control.intake.artifact({ runId: run.id, jobId: run.jobId }, request.query, { bytes: body });
      return reply.status(201).send(artifact);
    });
  });

  app.get('/api/v1/jobs/:id/artifacts', {
    config: { access: (r) => ({ kind: 'job', jobId: Number((r.params as { id: string }).id), write: false }) },
    schema: {
      summary: "A job's artifacts, in the order they were attached; filtered by kind, step, run and name",
      params: jobIdParams,
      querystring: artifactListQuerySchema,
      response: { 200: artifactListSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no job with this id' }) },
    },
  }, async (request) => {
    await loadJob(deps, request.params.id);
    const { kind, step, run, name } = request.query;
    return { artifacts: await store.listArtifacts(request.params.id, { kind, step, runId: run, name }) };
  });

  app.get('/api/v1/artifacts/:id', {
    config: { access: () => ({ kind: 'read' }) },
    schema: {
      summary: "An artifact's record",
      params: artifactIdParams,
      response: { 200: artifactSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no artifact with this id' }) },
    },
  }, async (request) => loadArtifact(request.params.id));

  app.get('/api/v1/artifacts/:id/content', {
    config: { access: () => ({ kind: 'read' }) },
    schema: {
      summary: "An artifact's bytes, with its media type; never run as a page (Content-Security-Policy: sandbox)",
      params: artifactIdParams,
      response: {
        200: {
          description: 'The bytes as attached, with the Content-Type of the name\'s extension (image/png, image/svg+xml, text/csv, …; '
            + 'application/octet-stream when unknown), Content-Security-Policy: sandbox and X-Content-Type-Options: nosniff.',
          content: Object.fromEntries(ARTIFACT_MEDIA_TYPES.map((type) => [type.split(';')[0], { schema: z.string() }])),
        },
        ...errorResponses({ 400: true, ...AUTH, 404: 'no artifact with this id' }),
      },
    },
  }, async (request, reply) => {
    const artifact = await loadArtifact(request.params.id);
    const stream = createReadStream(artifactFile(deps.layout, artifact));
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new NotFoundError(`file of artifact`, artifact.id) : error));
    });
    return reply
      .headers(ARTIFACT_CONTENT_HEADERS)
      .header('content-disposition', contentDisposition(artifact.name))
      .header('content-length', String(artifact.bytes))
      .type(artifact.mediaType)
      .send(stream as unknown as string);
  });
}

/** `inline` with the name: ASCII-safe `filename`, the exact name as `filename*` (RFC 6266). */
function contentDisposition(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const ascii = base.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}
