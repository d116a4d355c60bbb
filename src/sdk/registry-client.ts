/**
 * A typed client of the model registry routes (docs/registry.md, docs/http-api.md "Models"),
 * on the same transport as `client.ts` (so the same errors: `ApiError`, `ApiConnectionError`)
 * and with the types of the routes' schemas.
 */
import type {
  AliasMoveInput,
  ApiAliasMove,
  ApiAliasMoveResult,
  ApiCreatedVersion,
  ApiModel,
  ApiModelDetail,
  ApiModelSummary,
  ApiModelVersion,
  ModelInput,
  ModelPatchInput,
  VersionInput,
  VersionPatchInput,
} from '../core/api/registry.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type {
  AliasMoveInput,
  ApiAliasMove,
  ApiAliasMoveResult,
  ApiCreatedVersion,
  ApiModel,
  ApiModelAlias,
  ApiModelDetail,
  ApiModelSummary,
  ApiModelVersion,
  ModelInput,
  ModelPatchInput,
  VersionInput,
  VersionPatchInput,
} from '../core/api/registry.ts';

export type RegistryClient = ReturnType<typeof createRegistryClient>;

export function createRegistryClient(options: ClientOptions) {
  const { url, json } = createTransport(options);
  const seg = (s: string | number) => encodeURIComponent(String(s));
  const model = (name: string) => `/api/v1/models/${seg(name)}`;

  return {
    url,
    list: async () => (await json<{ models: ApiModelSummary[] }>('GET', '/api/v1/models')).models,
    create: (input: ModelInput) => json<ApiModel>('POST', '/api/v1/models', { body: input }),
    /** A model with its versions, aliases and latest version. */
    show: (name: string) => json<ApiModelDetail>('GET', model(name)),
    update: (name: string, patch: ModelPatchInput) => json<ApiModel>('PATCH', model(name), { body: patch }),
    /** Makes a checkpoint the next version (or returns the version it is already: `created: false`). */
    createVersion: (name: string, input: VersionInput) => json<ApiCreatedVersion>('POST', `${model(name)}/versions`, { body: input }),
    /** A version by number, `latest` or alias. */
    version: (name: string, ref: number | string) => json<ApiModelVersion>('GET', `${model(name)}/versions/${seg(ref)}`),
    updateVersion: (name: string, version: number, patch: VersionPatchInput) => json<ApiModelVersion>('PATCH', `${model(name)}/versions/${version}`, { body: patch }),
    moveAlias: (name: string, alias: string, input: AliasMoveInput) => json<ApiAliasMoveResult>('PUT', `${model(name)}/aliases/${seg(alias)}`, { body: input }),
    deleteAlias: (name: string, alias: string, options: { reason?: string; expectedVersion?: number } = {}) =>
      json<ApiAliasMoveResult>('DELETE', `${model(name)}/aliases/${seg(alias)}`, { query: options }),
    /** The alias history, oldest first (of one alias when given). */
    history: async (name: string, alias?: string) => (await json<{ moves: ApiAliasMove[] }>('GET', `${model(name)}/history`, { query: { alias } })).moves,
  };
}
