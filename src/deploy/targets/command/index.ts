/**
 * `command`: the user's own script does the deploying. It is run (argv, no shell) once per step
 * with the step and the version in its environment: `TRAINYARD_DEPLOY_STEP` (stage, check,
 * switch, retire), `TRAINYARD_DEPLOY_PATH`, `TRAINYARD_DEPLOY_MODEL`, `TRAINYARD_DEPLOY_VERSION`,
 * `TRAINYARD_DEPLOY_METADATA` (JSON); exit code 0 is success. The check's answer is what the
 * script prints (judged by the smoke expectation), unless `probe` names an OpenAI-style server
 * to probe instead.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { TargetKind } from '../../target.ts';
import { headers, httpUrl, parseTargetConfig, timeoutSeconds } from '../config.ts';
import { createCommandTarget } from './command-target.ts';

export const commandConfig = z.strictObject({
  /** The script and its arguments (argv: no shell; use ["/bin/sh", "-c", "…"] for one). */
  command: z.array(z.string().min(1)).min(1, 'expected at least the program to run'),
  /** Absolute. Default: the target's folder, `<data>/deploy/<target>/`. */
  cwd: z.string().refine(isAbsolute, 'expected an absolute path').optional(),
  /** Added to the server's environment (and under the TRAINYARD_DEPLOY_* variables, which win). */
  env: z.record(z.string(), z.string()).default({}),
  /** Each step's deadline; past it the script's process group gets SIGTERM, then SIGKILL. Default 300. */
  timeoutSeconds: timeoutSeconds.default(300),
  /** Check and probe an OpenAI-style server (health and `/v1/completions`) instead of running the script with step=check. */
  probe: z.strictObject({
    baseUrl: httpUrl,
    /** The `model` field of smoke requests. Default: the target's model name. */
    model: z.string().min(1).optional(),
    apiKey: z.string().min(1).optional(),
    headers: headers.default({}),
    /** Default `/health`; null: no health request. */
    healthPath: z.string().startsWith('/').nullable().default('/health'),
  }).optional(),
});
export type CommandConfig = z.output<typeof commandConfig>;

export const commandTarget: TargetKind = {
  kind: 'command',
  parseConfig: (config) => parseTargetConfig(commandConfig, config),
  create: (spec, context) => createCommandTarget(spec, parseTargetConfig(commandConfig, spec.config), context),
};
