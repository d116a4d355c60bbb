/**
 * `http-reload`: a user's own serving endpoint that loads a model when told to. Stage POSTs the
 * version (`{model, version, path, step, metadata}`) to `config.url`, and from that answer on the
 * endpoint serves it: there is no separate staging, so the check runs against the reloaded
 * endpoint and a revert POSTs the previous version's path. Check and probe: `GET
 * <baseUrl><healthPath>` and one `POST <baseUrl>/v1/completions` (probe.ts).
 */
import { z } from 'zod';
import type { TargetKind } from '../../target.ts';
import { headers, httpUrl, parseTargetConfig, timeoutSeconds } from '../config.ts';
import { createHttpReloadTarget } from './http-reload-target.ts';

export const httpReloadConfig = z.strictObject({
  /** The reload endpoint: POSTed `{model, version, path, step, metadata}`, must answer 2xx once it serves that version. */
  url: httpUrl,
  /** The OpenAI-style server probed (health and `/v1/completions`). */
  baseUrl: httpUrl,
  /** Default `/health`; null: no health request. */
  healthPath: z.string().startsWith('/').nullable().default('/health'),
  /** Sent as `Authorization: Bearer …` to both. */
  apiKey: z.string().min(1).optional(),
  /** Sent with every request to both (a proxy's token). */
  headers: headers.default({}),
  /** The `model` field of smoke requests. Default: the target's model name. */
  servedModel: z.string().min(1).optional(),
  /** Deadline of the reload request (loading can be slow) and of each probe request. Default 60. */
  timeoutSeconds: timeoutSeconds.default(60),
});
export type HttpReloadConfig = z.output<typeof httpReloadConfig>;

export const httpReloadTarget: TargetKind = {
  kind: 'http-reload',
  parseConfig: (config) => parseTargetConfig(httpReloadConfig, config),
  create: (spec, context) => createHttpReloadTarget(spec, parseTargetConfig(httpReloadConfig, spec.config), context),
};
