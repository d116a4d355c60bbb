/**
 * The kinds of deploy target, by name: one folder each (targets/<kind>/index.ts exports its
 * `TargetKind`), all passing the contract suite in contract.ts.
 */
import { DEPLOY_TARGET_KINDS, type DeployTargetKind, type SmokeCheck } from '../../core/deployment.ts';
import { ValidationError } from '../../core/errors.ts';
import type { TargetKind } from '../target.ts';
import { builtinTarget } from './builtin/index.ts';
import { commandTarget } from './command/index.ts';
import { httpReloadTarget } from './http-reload/index.ts';
import { vllmLoraTarget } from './vllm-lora/index.ts';

/** Every kind, by name. */
export const targetKinds: Readonly<Record<DeployTargetKind, TargetKind>> = Object.freeze({
  builtin: builtinTarget,
  'http-reload': httpReloadTarget,
  'vllm-lora': vllmLoraTarget,
  command: commandTarget,
});

/** The kind named `kind`; throws ValidationError (field `kind`, code `invalid_target`) for a name that is no kind. */
export function targetKind(kind: string): TargetKind {
  if (Object.hasOwn(targetKinds, kind)) return targetKinds[kind as DeployTargetKind];
  const known = DEPLOY_TARGET_KINDS.map((k) => JSON.stringify(k)).join(', ');
  throw new ValidationError(`expected one of ${known}, got ${JSON.stringify(kind)}`, 'kind', { code: 'invalid_target' });
}

/**
 * Refuses a smoke check the kind cannot carry out: `expect.differsFromBase` where the kind has no
 * base model to ask (every check would fail). Throws ValidationError naming the field.
 */
export function checkSmokeFits(kind: TargetKind, smoke: SmokeCheck | null): void {
  if (smoke?.expect.differsFromBase && !kind.comparesWithBase) {
    const those = DEPLOY_TARGET_KINDS.filter((k) => targetKinds[k].comparesWithBase).join(', ');
    throw new ValidationError(`a ${kind.kind} target has no base model to compare answers with (only ${those} targets have)`, 'smoke.expect.differsFromBase', { code: 'invalid_target' });
  }
}
