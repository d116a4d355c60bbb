/**
 * The http-reload target: what it POSTed last (and was answered 2xx) is its record in
 * `<target dir>/http-reload.json`; the endpoint's `/health` `version` field, where it reports
 * one, is believed over the record.
 */
import type { DeployTargetSpec, SmokeCheck } from '../../../core/deployment.ts';
import { callHttp, callHttpOk, serverUrl } from '../../http-call.ts';
import { probeCompletions } from '../../probe.ts';
import { type DeployTarget, DeployTargetError, type DeployVersion, type ProbeResult, type TargetContext } from '../../target.ts';
import { createStateFile } from '../state-file.ts';
import type { HttpReloadConfig } from './index.ts';

/** The record: the version last loaded by a reload that was answered 2xx. */
interface Posted {
  readonly model: string;
  readonly version: number;
  readonly path: string;
  readonly at: string;
}

export function createHttpReloadTarget(spec: DeployTargetSpec, config: HttpReloadConfig, context: TargetContext): DeployTarget {
  const record = createStateFile<Posted>(context.dir, 'http-reload.json');
  const timeoutMs = config.timeoutSeconds * 1000;
  const request = { apiKey: config.apiKey, headers: config.headers, timeoutMs };

  /** The `version` field of the endpoint's health answer; null when it reports none or cannot be asked. */
  const reportedVersion = async (): Promise<number | null> => {
    if (config.healthPath === null) return null;
    try {
      const answer = await callHttp({ method: 'GET', url: serverUrl(config.baseUrl, config.healthPath), ...request });
      const version = (answer.json as { version?: unknown } | undefined)?.version;
      return answer.status < 300 && typeof version === 'number' ? version : null;
    } catch {
      return null;
    }
  };

  const servingVersion = async (): Promise<number | null> => (await reportedVersion()) ?? record.read()?.version ?? null;

  const reload = async (step: 'stage' | 'switch', v: DeployVersion): Promise<void> => {
    const body = { model: v.model, version: v.version, path: v.path, step: v.step, metadata: v.metadata };
    try {
      await callHttpOk({ method: 'POST', url: config.url, body, ...request });
    } catch (error) {
      throw new DeployTargetError(step, `the reload endpoint refused version ${v.version}: ${(error as Error).message}`, { cause: error });
    }
    record.write({ model: v.model, version: v.version, path: v.path, at: new Date().toISOString() });
    context.log(`${step}: ${config.url} reloaded ${v.model} version ${v.version} from ${v.path}`);
  };

  const probe = (smoke: SmokeCheck | null): Promise<ProbeResult> => probeCompletions({
    baseUrl: config.baseUrl, model: config.servedModel ?? spec.model, smoke, healthPath: config.healthPath, ...request,
  });

  return {
    spec,
    async open() {},
    /** Reloads the endpoint: from here on it serves `v` (no separate staging). */
    async stage(v) {
      await reload('stage', v);
    },
    async check(v, smoke) {
      const reported = await reportedVersion();
      if (reported !== null && reported !== v.version) {
        return { ok: false, latencyMs: 0, detail: `health: the endpoint reports version ${reported}, expected ${v.version} (did the reload take?)` };
      }
      return probe(smoke);
    },
    /** Reloads again only when another version serves (a revert: the previous version's path is POSTed). */
    async switch(v) {
      if ((await servingVersion()) !== v.version) await reload('switch', v);
    },
    probe,
    async traffic() {
      return null;
    },
    async current() {
      const version = await servingVersion();
      return version === null ? null : { model: spec.model, version };
    },
    /** Nothing to release: the endpoint holds one version at a time. */
    async retire() {},
    async close() {},
  };
}
