/**
 * The one interface every deploy target implements (a folder each under targets/; the
 * contract suite in targets/contract.ts is what they all pass). The deployer
 * (deployer.ts) drives a deployment through it: stage → check → switch → watch (probe) →
 * alias; to revert, it switches back to the previous version. Every method is idempotent:
 * after a `kill -9` of the server a deployment is run again from its start.
 */
import type { DeployTargetKind, DeployTargetSpec, SmokeCheck } from '../core/deployment.ts';
import { TrainyardError } from '../core/errors.ts';

/** The model version being deployed, as a target needs it. */
export interface DeployVersion {
  readonly model: string;
  readonly version: number;
  readonly checkpointId: number;
  /** The checkpoint file (absolute). */
  readonly path: string;
  readonly step: number;
  /** Lineage and tags, passed to `command` targets as JSON. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** One health-and-smoke probe of a target. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  /** What failed ("health: connection refused", "smoke: answer has 0 characters, expected ≥ 8"), or a short summary when ok. */
  readonly detail: string;
  /** The smoke answer's text, when one came. */
  readonly text?: string;
}

/** Cumulative request counters a target keeps (builtin does); the watch compares two readings. */
export interface TrafficStats {
  readonly requests: number;
  readonly errors: number;
}

export interface DeployTarget {
  readonly spec: DeployTargetSpec;
  /** Starts or re-attaches what the target runs (the builtin serving process). Idempotent. */
  open(): Promise<void>;
  /** Make the version ready without it taking traffic where the target can (load it, register an adapter under a versioned name). */
  stage(version: DeployVersion): Promise<void>;
  /** Health and smoke of the staged version (by its versioned name where the target has one). */
  check(version: DeployVersion, smoke: SmokeCheck | null): Promise<ProbeResult>;
  /** Send traffic to the version. */
  switch(version: DeployVersion): Promise<void>;
  /** Health and smoke of what serves now (the watch window's probe). */
  probe(smoke: SmokeCheck | null): Promise<ProbeResult>;
  /** Request counters, where the target keeps them; null otherwise. */
  traffic(): Promise<TrafficStats | null>;
  /** The version serving now as the target itself reports it; null when none or unknown. */
  current(): Promise<{ readonly model: string; readonly version: number } | null>;
  /** Release a version that serves no more (unload an adapter). Best effort. */
  retire(version: DeployVersion): Promise<void>;
  /** Stops what `open` started when the server stops (the builtin process keeps serving across a server restart: it is adopted). */
  close(): Promise<void>;
  /**
   * The name clients send as `model` to reach the version serving now, where the target has
   * one of its own (vllm-lora: the adapter's versioned name, `chat-v3`, since vLLM has no
   * alias); null when nothing serves. Absent where clients need no such name. (Added by C2b.)
   */
  servingName?(): Promise<string | null>;
}

/** What a target gets from the server. */
export interface TargetContext {
  /** `<data>/deploy/<target name>/`: the target's own files (pid file, keys file, logs). */
  readonly dir: string;
  /** The server's data directory. */
  readonly dataDir: string;
  readonly log: (line: string) => void;
  /**
   * The environment a `command` target's script starts from: the server's, less its own
   * `TRAINYARD_*` variables (what runs get, `ControlDeps.baseEnv`). Default: the process's
   * environment, filtered the same way. (Added by C2b.)
   */
  readonly baseEnv?: Readonly<Record<string, string>>;
}

/** A kind of target: its config schema's parse and its constructor (targets/<kind>/index.ts). */
export interface TargetKind {
  readonly kind: DeployTargetKind;
  /** Validates `spec.config`; throws ValidationError naming the field (`config.url`). */
  parseConfig(config: unknown): Readonly<Record<string, unknown>>;
  create(spec: DeployTargetSpec, context: TargetContext): DeployTarget;
  /**
   * The kind asks a base model the smoke prompt too (vllm-lora), so `smoke.expect.differsFromBase`
   * means something; elsewhere a spec asking for it is refused (targets/index.ts
   * `checkSmokeFits`). Default false. (Added by C2b.)
   */
  readonly comparesWithBase?: boolean;
}

// --- Added by helper C2b (targets) ---

/** The `DeployTarget` steps a `DeployTargetError` can name. */
export type DeployTargetStep = 'open' | 'stage' | 'check' | 'switch' | 'probe' | 'current' | 'retire' | 'close';

/**
 * A target step that failed: the message names the step and what failed ("stage: POST
 * http://127.0.0.1:8000/v1/load_lora_adapter answered 404: …", "switch: the script exited with
 * code 3; its last lines of stderr: …"). The deployer records it as the deployment's reason.
 */
export class DeployTargetError extends TrainyardError {
  override readonly code = 'deploy_target_failed';
  constructor(readonly step: DeployTargetStep, message: string, options?: { cause?: unknown }) {
    super(`${step}: ${message}`, options);
  }
}
