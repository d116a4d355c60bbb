/**
 * Deployment: a target (a serving endpoint) follows one alias of one model; a deployment moves
 * a model version onto a target as a transaction: stage → check (health and smoke) → switch →
 * watch (error rate and latency for a window) → move the alias. Any failure reverts the target
 * to the version it served before and records why. Pure types and policy; no I/O.
 */

export const DEPLOY_TARGET_KINDS = ['builtin', 'http-reload', 'vllm-lora', 'command'] as const;
export type DeployTargetKind = (typeof DEPLOY_TARGET_KINDS)[number];

/** A smoke request sent to a target, and the property its answer must have. */
export interface SmokeCheck {
  readonly prompt: string;
  /** Default 16. */
  readonly maxTokens?: number;
  readonly expect: {
    /** The completion's text contains this string. */
    readonly contains?: string;
    /** The completion's text matches this regular expression (JavaScript syntax). */
    readonly matches?: string;
    /** The completion has at least this many characters. */
    readonly minLength?: number;
    /**
     * Adapters: the answer to `prompt` must differ from the base model's answer (a stale or
     * unloaded adapter answers like the base model; vllm#42125).
     */
    readonly differsFromBase?: boolean;
  };
}

/** How long and how strictly a switched version is watched before the alias moves. */
export interface WatchPolicy {
  /** Default 60. 0: no watch. */
  readonly windowSeconds: number;
  /** One probe (health and smoke) every interval. Default 5. */
  readonly intervalSeconds: number;
  /** Fraction of failed probes (and of failed requests, where the target counts them) allowed. Default 0. */
  readonly maxErrorRate: number;
  /** Median probe latency allowed, in ms; null: not checked. Default null. */
  readonly maxLatencyMs: number | null;
}

/** A deploy target as declared (file or API). */
export interface DeployTargetSpec {
  readonly name: string;
  readonly kind: DeployTargetKind;
  /** The model whose versions it serves. */
  readonly model: string;
  /** The alias it follows: a deployment that succeeds moves it; a move of it is deployed. */
  readonly alias: string;
  /** Kind-specific settings, checked by the kind's schema (src/deploy/targets/<kind>). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly smoke: SmokeCheck | null;
  readonly watch: WatchPolicy;
}

export const DEPLOYMENT_STATES = ['requested', 'staging', 'checking', 'switching', 'watching', 'succeeded', 'rolled-back', 'failed'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];
/** Deployments that will change no more. */
export const FINAL_DEPLOYMENT_STATES: readonly DeploymentState[] = ['succeeded', 'rolled-back', 'failed'];

// --- Smoke judgement (helper C2b): pure; the targets send the request, this says what came. ---

/** `SmokeCheck.maxTokens` when not given. */
export const DEFAULT_SMOKE_MAX_TOKENS = 16;

/** What a smoke answer was judged: `detail` says which expectation failed and with what, or sums up a pass. */
export interface SmokeJudgement {
  readonly ok: boolean;
  readonly detail: string;
}

/** Longest piece of an answer quoted back in a detail; longer ones are cut with "…". */
const ANSWER_QUOTE_MAX = 60;

/**
 * Judges a smoke answer against `smoke.expect`, every expectation in turn (differsFromBase
 * first, since an adapter answering like its base model explains any other failure; then
 * contains, matches, minLength); the first one that fails is the reason ("smoke: answer "xx"
 * has 2 characters, expected at least 8"). `baseText` is the base model's answer to the same prompt:
 * `differsFromBase` without it fails, since nothing could be compared.
 */
export function judgeSmoke(smoke: SmokeCheck, text: string, baseText?: string): SmokeJudgement {
  const { contains, matches, minLength, differsFromBase } = smoke.expect;
  const answer = `answer ${quoteAnswer(text)}`;
  const fail = (reason: string): SmokeJudgement => ({ ok: false, detail: `smoke: ${reason}` });
  if (differsFromBase) {
    if (baseText === undefined) return fail('expect.differsFromBase is set but no base model answer came to compare with');
    if (text === baseText) {
      return fail(`${answer} is the base model's answer (a stale or unloaded adapter answers like the base model)`);
    }
  }
  if (contains !== undefined && !text.includes(contains)) {
    return fail(`${answer} does not contain ${JSON.stringify(contains)}`);
  }
  if (matches !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(matches);
    } catch (error) {
      return fail(`expect.matches ${JSON.stringify(matches)} is not a valid regular expression (${(error as Error).message})`);
    }
    if (!pattern.test(text)) return fail(`${answer} does not match /${matches}/`);
  }
  if (minLength !== undefined && text.length < minLength) {
    return fail(`${answer} has ${characters(text.length)}, expected at least ${minLength}`);
  }
  return { ok: true, detail: `smoke: ${answer} (${characters(text.length)}) as expected` };
}

function characters(n: number): string {
  return `${n} character${n === 1 ? '' : 's'}`;
}

function quoteAnswer(text: string): string {
  return text.length > ANSWER_QUOTE_MAX ? `${JSON.stringify(text.slice(0, ANSWER_QUOTE_MAX)).slice(0, -1)}…"` : JSON.stringify(text);
}

// ---- Deployment records and the watch's judgement (deployment core: src/deploy, the store) ----

/** The steps of a deployment, by the state it is in while doing each; reasons start with the step. */
export const DEPLOYMENT_STEPS = { staging: 'stage', checking: 'check', switching: 'switch', watching: 'watch' } as const;
export type DeploymentStep = (typeof DEPLOYMENT_STEPS)[keyof typeof DEPLOYMENT_STEPS];
/** States a deployment passes while it runs (not yet final). */
export const IN_FLIGHT_DEPLOYMENT_STATES: readonly DeploymentState[] = ['requested', 'staging', 'checking', 'switching', 'watching'];

/** The watch when a target declares none: 60 s, a probe every 5 s, no failure allowed, latency not checked. */
export const DEFAULT_WATCH: WatchPolicy = Object.freeze({ windowSeconds: 60, intervalSeconds: 5, maxErrorRate: 0, maxLatencyMs: null });

/** A deploy target as stored: its spec and times. */
export interface DeployTargetRecord extends DeployTargetSpec {
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A target with the version it serves now (the last deployment that succeeded on it). */
export interface DeployTargetState extends DeployTargetRecord {
  /** Null before its first successful deployment. */
  readonly current: { readonly version: number; readonly checkpointId: number; readonly deploymentId: number; readonly since: number } | null;
}

/** The alias move a deployment makes when it succeeds (compare-and-set on `expectedFrom`). */
export interface DeploymentAliasMove {
  readonly alias: string;
  /** The version the alias pointed at when the deployment was requested; null: unset. */
  readonly expectedFrom: number | null;
}

export interface Deployment {
  readonly id: number;
  readonly target: string;
  readonly model: string;
  readonly version: number;
  readonly checkpointId: number;
  /** What the target served when the deployment was requested (the version a failure reverts to); null: nothing. */
  readonly previousVersion: number | null;
  readonly state: DeploymentState;
  /** When each state was (last) entered, epoch ms. */
  readonly steps: Readonly<Partial<Record<DeploymentState, number>>>;
  /** Why it rolled back or failed ("check: smoke answer '' does not match /\w/"), or what a success noted; null otherwise. */
  readonly reason: string | null;
  /** The step that failed; null unless rolled back or failed. */
  readonly failedStep: DeploymentStep | null;
  /** Why it was asked for ("promotion rule: …", "rollback: …", "alias production moved by ci"). */
  readonly cause: string | null;
  /** A token's name, or `system`. */
  readonly requestedBy: string;
  /** The alias move to make on success; null: none (the alias moved first and the target follows it). */
  readonly moveAlias: DeploymentAliasMove | null;
  readonly createdAt: number;
  readonly endedAt: number | null;
}

/** One probe as the watch judges it (deploy/target.ts `ProbeResult` is one). */
export interface WatchProbe {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly detail: string;
}

/** Cumulative request counters (deploy/target.ts `TrafficStats`). */
export interface WatchTraffic {
  readonly requests: number;
  readonly errors: number;
}

export type WatchJudgement = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** How many probes a watch makes: one per interval over the window (0 when there is no window). */
export function plannedProbes(policy: WatchPolicy): number {
  if (policy.windowSeconds <= 0) return 0;
  return Math.max(1, Math.ceil(policy.windowSeconds / Math.max(policy.intervalSeconds, 0.001)));
}

/**
 * Judges a watch so far. Fails as soon as the failed probes exceed the error budget
 * (⌊maxErrorRate × planned probes⌋ failures allowed; with the default 0 the first failed probe
 * fails it), or the target's own counters show an error rate above `maxErrorRate`; at the end
 * (`final`), also when the median probe latency is over `maxLatencyMs`. The reason names what
 * broke, and starts with `watch:`.
 */
export function judgeWatch(
  probes: readonly WatchProbe[],
  traffic: { readonly before: WatchTraffic | null; readonly after: WatchTraffic | null },
  policy: WatchPolicy,
  options: { readonly final?: boolean } = {},
): WatchJudgement {
  const planned = Math.max(plannedProbes(policy), probes.length);
  const allowed = Math.floor(policy.maxErrorRate * planned + 1e-9);
  const failed = probes.filter((p) => !p.ok);
  if (failed.length > allowed) {
    const last = failed.at(-1)!;
    const budget = allowed === 0 ? 'no failed probe allowed' : `${allowed} of ${planned} allowed`;
    return { ok: false, reason: `watch: probe ${probes.indexOf(last) + 1} of ${planned} failed (${failed.length} failed, ${budget}): ${last.detail}` };
  }
  const { before, after } = traffic;
  if (before && after) {
    const requests = after.requests - before.requests;
    const errors = after.errors - before.errors;
    if (requests > 0 && errors / requests > policy.maxErrorRate) {
      return { ok: false, reason: `watch: ${errors} of ${requests} requests failed (${percent(errors / requests)} > ${percent(policy.maxErrorRate)} allowed)` };
    }
  }
  if (options.final && policy.maxLatencyMs !== null && probes.length > 0) {
    const latencies = probes.map((p) => p.latencyMs).sort((a, b) => a - b);
    const mid = latencies.length >> 1;
    const median = latencies.length % 2 === 1 ? latencies[mid] : (latencies[mid - 1] + latencies[mid]) / 2;
    if (median > policy.maxLatencyMs) return { ok: false, reason: `watch: median probe latency ${Math.round(median)} ms > ${policy.maxLatencyMs} ms allowed` };
  }
  return { ok: true };
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))} %`;
}

/** What a target's config shows instead of a secret. */
export const REDACTED = '(redacted)';

/**
 * A target's config as the API shows it: values under a key that names a secret (`apiKey`,
 * `token`, `password`, `secret`, …) and every header value are replaced by `(redacted)`, so a
 * read-only token never reads a credential. Saving a target sends its secrets again.
 */
export function redactConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const secret = /key|token|secret|password|authorization|credential/i;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config)) {
    if (name === 'headers' && value !== null && typeof value === 'object') out[name] = Object.fromEntries(Object.keys(value).map((h) => [h, REDACTED]));
    else out[name] = secret.test(name) && value !== null && value !== undefined && value !== '' ? REDACTED : value;
  }
  return out;
}
