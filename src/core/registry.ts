/**
 * The model registry's domain: models, their versions (each made from one checkpoint, with its
 * lineage) and aliases. Pure: names, references and records; the store keeps them
 * (`store/store.ts` `RegistryStore`), `registry/` is the service, `core/promotion.ts` the rule.
 *
 * Terminology
 * - model: a name ("chat") that groups versions of one line of work.
 * - version: a checkpoint registered under a model, numbered 1, 2, … per model. It pins its
 *   checkpoint: retention never deletes a file a version references.
 * - alias: a name (`production`, `staging`, any) pointing at one version; moved atomically, each
 *   move appended to the alias history with who, when, from → to and why.
 * - `latest`: the highest version number of a model. Computed on every read, never stored, and
 *   never set by hand.
 * - promotion rule: when an evaluated checkpoint becomes a version and the alias moves to it
 *   (`core/promotion.ts`).
 */
import type { Evaluation, EvaluationState } from './eval-record.ts';
import type { Verdict } from './evaluation.ts';
import type { LineageFrom } from './init-from.ts';

/** A model name: also part of references such as `chat@production`. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * An alias name: starts with a letter (so `chat@3` is a version and `chat@production` an
 * alias), up to 64 characters.
 */
export const ALIAS_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/** The computed alias: the highest version. It may not be set, moved or deleted by hand. */
export const LATEST = 'latest';

/** A tag on a model or a version: up to 100 printable characters, no commas (lists are comma-joined). */
export const TAG = /^[^\s,\u0000-\u001f\u007f]{1,100}$/;

/** Most tags a model or version may carry. */
export const MAX_TAGS = 50;

/** What is wrong with an alias name for a move, or null when it may be moved. */
export function aliasProblem(alias: string): string | null {
  if (alias === LATEST) return 'latest is computed (the highest version) and cannot be set by hand';
  if (!ALIAS_NAME.test(alias)) return `must start with a letter and hold only letters, digits, ".", "_" and "-" (at most 64), got ${JSON.stringify(alias)}`;
  return null;
}

/** A version by number, `latest`, or an alias. */
export type VersionRef = number | string;

/**
 * Reads a version reference as given on a command line or in a path: digits are a version
 * number, anything else an alias (`latest` included).
 */
export function parseVersionRef(text: string): VersionRef {
  return /^[1-9][0-9]{0,8}$/.test(text) ? Number(text) : text;
}

/** `chat@production`, `chat@3`, `chat` (its latest): the parts, or null when it is not one. */
export function parseModelRef(text: string): { readonly model: string; readonly ref: VersionRef } | null {
  const at = text.indexOf('@');
  const model = at === -1 ? text : text.slice(0, at);
  const ref = at === -1 ? LATEST : text.slice(at + 1);
  if (!MODEL_NAME.test(model) || ref === '') return null;
  const parsed = parseVersionRef(ref);
  if (typeof parsed === 'string' && parsed !== LATEST && !ALIAS_NAME.test(parsed)) return null;
  return { model, ref: parsed };
}

/**
 * How a model promotes evaluated checkpoints (`core/promotion.ts`): the candidate's composite
 * score must beat the alias's version's by more than `margin`, with no regression alarm.
 */
export interface PromotionRule {
  /** The alias the rule moves. Default: `production`. */
  readonly alias: string;
  /** How much higher the candidate's composite score must be. Default: 0 (any improvement). */
  readonly margin: number;
  /** Whether `margin` is a fraction of |the alias's score| (0.02 = 2 %). Default: false (absolute). */
  readonly relative: boolean;
  /**
   * The eval suite whose evaluations the rule watches and whose composite scores it compares.
   * Default (absent or null): every suite, each candidate compared with the alias's score on
   * the candidate's suite.
   */
  readonly suite?: string | null;
  /**
   * Only checkpoints of jobs carrying this tag are candidates. Default (absent or null): the
   * checkpoints of every job.
   */
  readonly jobTag?: string | null;
}

/**
 * Whether a rule watches an evaluation by `suite` of a checkpoint of a job tagged `jobTags`
 * (`registry/promoter.ts` asks it for every model with a rule on each evaluation).
 */
export function ruleWatches(rule: PromotionRule, suite: string, jobTags: readonly string[]): boolean {
  if (rule.suite != null && rule.suite !== suite) return false;
  return rule.jobTag == null || jobTags.includes(rule.jobTag);
}

export interface Model {
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  readonly tags: readonly string[];
  /** Null: nothing is promoted automatically. */
  readonly promotionRule: PromotionRule | null;
  readonly createdAt: number;
  /** Who created it: a token's name or role, or `system`. */
  readonly createdBy: string;
  readonly updatedAt: number;
}

/** A model as listed: with its latest version and its aliases. */
export interface ModelSummary extends Model {
  /** The highest version number; null before the first version. */
  readonly latest: number | null;
  readonly versions: number;
  /** Alias name → version number (`latest` is not in here: see `latest`). */
  readonly aliases: Readonly<Record<string, number>>;
}

/** A dataset version the checkpoint's run read. */
export interface LineageDataset {
  readonly role: string;
  readonly name: string;
  readonly version: number;
  readonly versionId: number;
  readonly sha256: string;
}

/**
 * Where a version came from, recorded when it was made (later changes to the job do not
 * rewrite it).
 */
export interface VersionLineage {
  readonly checkpoint: {
    readonly id: number;
    readonly step: number;
    readonly path: string;
    readonly bytes: number;
    readonly metrics: Readonly<Record<string, number>>;
    readonly createdAt: number;
  };
  readonly job: {
    readonly id: number;
    readonly name: string;
    /** The spec's params. */
    readonly params: Readonly<Record<string, unknown>>;
    /** Params merged over them for later runs (a divergence retry), when there were any. */
    readonly paramsOverride: Readonly<Record<string, unknown>> | null;
    /** What the job started from (`from:` of its spec, resolved to a checkpoint at submit); null when nothing. */
    readonly from: LineageFrom | null;
  };
  readonly run: { readonly id: number; readonly attempt: number };
  /** The dataset versions the checkpoint's run read, by role. */
  readonly datasets: readonly LineageDataset[];
  /** The checkpoint's evaluations when the version was made, oldest first (empty: none). */
  readonly evaluations: readonly LineageEvaluation[];
}

/** An evaluation of the version's checkpoint, as the lineage records it. */
export interface LineageEvaluation {
  readonly id: number;
  readonly suite: string;
  readonly suiteVersion: number;
  /** `running` when the version was made before it ended. */
  readonly state: EvaluationState;
  /** Null while running. */
  readonly verdict: Verdict | null;
  readonly score: number | null;
  /** The suite metrics' values ({} while running or when its job failed). */
  readonly values: Readonly<Record<string, number>>;
  /** The regression alarm went off. */
  readonly regressed: boolean;
  /** A person said "promote anyway": who and why; null when nobody did. */
  readonly override: { readonly by: string; readonly reason: string } | null;
  readonly endedAt: number | null;
}

/** The lineage record of an evaluation. */
export function lineageEvaluation(e: Evaluation): LineageEvaluation {
  return {
    id: e.id,
    suite: e.suite,
    suiteVersion: e.suiteVersion,
    state: e.state,
    verdict: e.result?.verdict ?? null,
    score: e.result?.score ?? null,
    values: e.result?.values ?? {},
    regressed: (e.result?.regressions.length ?? 0) > 0,
    override: e.override ? { by: e.override.by, reason: e.override.reason } : null,
    endedAt: e.endedAt,
  };
}

export interface ModelVersion {
  readonly id: number;
  readonly model: string;
  readonly version: number;
  readonly checkpointId: number;
  readonly notes: string | null;
  readonly tags: readonly string[];
  readonly lineage: VersionLineage;
  /** The aliases pointing at it now (`latest` not included). */
  readonly aliases: readonly string[];
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
}

/** Where an alias points now. */
export interface ModelAlias {
  readonly alias: string;
  readonly version: number;
  readonly movedAt: number;
  readonly movedBy: string;
  readonly reason: string | null;
}

/** One entry of an alias's append-only history. */
export interface AliasMove {
  readonly id: number;
  readonly model: string;
  readonly alias: string;
  /** The version it pointed at before; null when it was new. */
  readonly from: number | null;
  /** The version it points at after; null when the move deleted it. */
  readonly to: number | null;
  /** A token's name (or its role and id), or `system` for a promotion rule. */
  readonly by: string;
  readonly reason: string | null;
  readonly at: number;
}

/** Who acts when no person does (a promotion rule). */
export const SYSTEM_ACTOR = 'system';
