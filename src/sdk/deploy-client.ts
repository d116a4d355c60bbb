/**
 * A typed client of the deployment routes (docs/deployment.md, docs/http-api.md "Deployment"),
 * on the same transport as `client.ts` (the same errors: `ApiError`, `ApiConnectionError`).
 */
import type { ApiDeployment, ApiDeployTarget, ApiDeployTargetDetail, TargetInput } from '../core/api/deployments.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type { ApiDeployment, ApiDeployTarget, ApiDeployTargetDetail, TargetInput } from '../core/api/deployments.ts';

/** A deployment by hand: `version` is a number, `latest` or an alias. */
export interface DeployInput {
  readonly target: string;
  readonly model: string;
  readonly version: number | string;
  readonly reason?: string;
}

export type DeployClient = ReturnType<typeof createDeployClient>;

export function createDeployClient(options: ClientOptions) {
  const { url, json, send } = createTransport(options);
  const target = (name: string) => `/api/v1/deploy/targets/${encodeURIComponent(name)}`;

  return {
    url,
    targets: async () => (await json<{ targets: ApiDeployTarget[] }>('GET', '/api/v1/deploy/targets')).targets,
    /** A target with the version it serves and its last deployments. */
    target: (name: string) => json<ApiDeployTargetDetail>('GET', target(name)),
    /** Declares or replaces a target (`input.name`, when given, must be `name`). */
    saveTarget: (name: string, input: TargetInput) => json<ApiDeployTarget>('PUT', target(name), { body: input }),
    removeTarget: async (name: string): Promise<void> => {
      await send('DELETE', target(name));
    },
    /** Requests a deployment (202): it runs on the server; follow it with `deployment(id)`. */
    deploy: (input: DeployInput) => json<ApiDeployment>('POST', '/api/v1/deployments', { body: input }),
    /** Deploys the version the target served before its current one. */
    rollback: (name: string, input: { readonly reason?: string } = {}) => json<ApiDeployment>('POST', `${target(name)}/rollback`, { body: input }),
    /** Newest first. */
    deployments: async (filter: { readonly target?: string; readonly model?: string; readonly limit?: number } = {}) =>
      (await json<{ deployments: ApiDeployment[] }>('GET', '/api/v1/deployments', { query: filter })).deployments,
    deployment: (id: number) => json<ApiDeployment>('GET', `/api/v1/deployments/${id}`),
  };
}
