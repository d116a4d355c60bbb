/**
 * A typed client of the curriculum routes (`/api/v1/curricula`, docs/curriculum.md), on the
 * same transport as `client.ts` (the same errors: `ApiError`, `ApiConnectionError`).
 */
import type { CurriculumApplied, CurriculumDetail, CurriculumInfo, CurriculumInput, CurriculumMove } from '../core/api/curricula.ts';
import type { ApiJob } from '../core/api/jobs.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type { CurriculumApplied, CurriculumDetail, CurriculumInfo, CurriculumInput, CurriculumMove } from '../core/api/curricula.ts';

export type CurriculaClient = ReturnType<typeof createCurriculaClient>;

export function createCurriculaClient(options: ClientOptions) {
  const { url, json } = createTransport(options);
  const path = (name: string) => `/api/v1/curricula/${encodeURIComponent(name)}`;
  return {
    url,
    /** Every curriculum, by name. */
    list: async () => (await json<{ curricula: CurriculumInfo[] }>('GET', '/api/v1/curricula')).curricula,
    /** One curriculum with its history (oldest first) and the current level's window. */
    get: (name: string) => json<CurriculumDetail>('GET', path(name)),
    /** Creates or replaces a curriculum (admin only). */
    apply: (name: string, spec: CurriculumInput) => json<CurriculumApplied>('PUT', path(name), { body: spec }),
    /** A manual move (admin only): `level` a name or an index. */
    setLevel: (name: string, level: string | number, reason: string) => json<CurriculumMove>('POST', `${path(name)}/level`, { body: { level, reason } }),
    /** Submits the current level's job, or its data-generation job (admin only). */
    run: (name: string, run: 'train' | 'generate' = 'train') => json<ApiJob>('POST', `${path(name)}/jobs`, { body: { run } }),
  };
}
