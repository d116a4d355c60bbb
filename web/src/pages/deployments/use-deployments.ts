/**
 * Deploy targets as the dashboard reads them (`GET /api/v1/deploy/targets`, docs/deployment.md),
 * kept live by `deploy_target.*` and `deployment.*` events. Read only when the server lists the
 * route (capabilities.deployments).
 */
import { useCallback, useEffect, useState } from 'react';
import type { DeployTarget } from '../../api/http.ts';
import { useEvent, useSession } from '../../session.tsx';

export const TARGETS_URL = '/api/v1/deploy/targets';

export const isDeployEvent = (type: string) => type.startsWith('deploy_target.') || type.startsWith('deployment.');

/** The targets, re-read on every deployment event; null while loading or when the server has none. */
export function useTargets(): { readonly targets: DeployTarget[] | null; readonly error: unknown } {
  const { api, caps } = useSession();
  const [targets, setTargets] = useState<DeployTarget[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    if (!caps.deployments) return;
    api.get<{ targets: DeployTarget[] }>(TARGETS_URL).then((r) => {
      setTargets(r.targets);
      setError(null);
    }, setError);
  }, [api, caps.deployments]);
  useEffect(load, [load]);
  useEvent('resync', load, [load]);
  useEvent('domain', (e) => {
    if (isDeployEvent(e.type)) load();
  }, [load]);
  return { targets, error };
}

/** What the lineage graph reads of a target: the version it serves now. */
export function targetVersion(t: DeployTarget): number | null {
  return t.current?.version ?? null;
}
