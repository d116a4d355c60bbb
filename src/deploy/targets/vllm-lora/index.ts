/**
 * `vllm-lora`: LoRA adapters loaded at run time into a running vLLM server (started by the user
 * with `--enable-lora` and `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`). Each version is its own
 * adapter, `<adapterPrefix>-v<version>`; stage loads it, check asks it the smoke prompt (and,
 * with `differsFromBase`, asks the base model too), switch records it as the one serving, retire
 * unloads it. vLLM has no alias: clients send the current adapter name as `model`.
 */
import { z } from 'zod';
import type { TargetKind } from '../../target.ts';
import { headers, httpUrl, parseTargetConfig, timeoutSeconds } from '../config.ts';
import { createVllmLoraTarget } from './vllm-lora-target.ts';

export const vllmLoraConfig = z.strictObject({
  /** The vLLM server's root (`http://gpu-1:8000`). */
  baseUrl: httpUrl,
  /** vLLM's `--api-key`, sent as `Authorization: Bearer …`. */
  apiKey: z.string().min(1).optional(),
  /** Sent with every request (a proxy's token). */
  headers: headers.default({}),
  /** The base model's name as vLLM serves it (its `--model` or `--served-model-name`). */
  baseModel: z.string().min(1),
  /** Adapters are named `<adapterPrefix>-v<version>`. Default: the target's model name. */
  adapterPrefix: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"').optional(),
  /** Default `/health`; null: no health request. */
  healthPath: z.string().startsWith('/').nullable().default('/health'),
  /** Deadline of each request (loading an adapter included). Default 120. */
  timeoutSeconds: timeoutSeconds.default(120),
});
export type VllmLoraConfig = z.output<typeof vllmLoraConfig>;

export const vllmLoraTarget: TargetKind = {
  kind: 'vllm-lora',
  comparesWithBase: true,
  parseConfig: (config) => parseTargetConfig(vllmLoraConfig, config),
  create: (spec, context) => createVllmLoraTarget(spec, parseTargetConfig(vllmLoraConfig, spec.config), context),
};
