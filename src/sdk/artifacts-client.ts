/**
 * A typed client of the artifact routes (docs/http-api.md "Artifacts"), on the same transport
 * as `client.ts` (the same errors: `ApiError`, `ApiConnectionError`). Runs attach files with
 * the reporter (`Run.artifact()`), not with this client.
 */
import type { ArtifactInfo, ArtifactList } from '../core/api/artifacts.ts';
import type { ArtifactKind } from '../core/artifacts.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type { ArtifactInfo, ArtifactList } from '../core/api/artifacts.ts';
export type { ArtifactKind } from '../core/artifacts.ts';

/** Which of a job's artifacts to list; every given part must match. */
export interface ArtifactListFilter {
  readonly kind?: ArtifactKind;
  readonly step?: number;
  /** A run id. */
  readonly run?: number;
  readonly name?: string;
}

export type ArtifactsClient = ReturnType<typeof createArtifactsClient>;

export function createArtifactsClient(options: ClientOptions) {
  const { url, json, send } = createTransport(options);
  return {
    url,
    /** A job's artifacts, in the order they were attached. */
    list: async (jobId: number, filter: ArtifactListFilter = {}) =>
      (await json<ArtifactList>('GET', `/api/v1/jobs/${jobId}/artifacts`, { query: { ...filter } })).artifacts,
    /** One artifact's record. */
    get: (id: number) => json<ArtifactInfo>('GET', `/api/v1/artifacts/${id}`),
    /** One artifact's bytes, as attached. */
    content: async (id: number) => new Uint8Array(await (await send('GET', `/api/v1/artifacts/${id}/content`, { accept: '*/*' })).arrayBuffer()),
  };
}
