/** The model registry's part of the Store (see store.ts for the rules every verb keeps). */
import type { AliasMove, Model, ModelAlias, ModelSummary, ModelVersion, PromotionRule, VersionRef } from '../core/registry.ts';

/** A model to create (core/registry.ts); its id and times are the store's. */
export interface NewModel {
  readonly name: string;
  /** Default: null. */
  readonly description?: string | null;
  /** Default: none. */
  readonly tags?: readonly string[];
  /** Default: null (no automatic promotion). */
  readonly promotionRule?: PromotionRule | null;
}

/** Fields of a model to change; an absent field stays as it is. */
export interface ModelPatch {
  readonly description?: string | null;
  readonly tags?: readonly string[];
  readonly promotionRule?: PromotionRule | null;
}

/** Fields of a version to change; an absent field stays as it is. */
export interface ModelVersionPatch {
  readonly notes?: string | null;
  readonly tags?: readonly string[];
}

export interface NewModelVersion {
  readonly model: string;
  readonly checkpointId: number;
  /** Default: null. */
  readonly notes?: string | null;
  /** Default: none. */
  readonly tags?: readonly string[];
}

/** An alias move: set, move (`version`) or delete (`version` null) one alias of a model. */
export interface AliasMoveRequest {
  readonly model: string;
  readonly alias: string;
  /** The version it should point at; null deletes the alias. */
  readonly version: number | null;
  /** Who moves it: a token's name (or role and id), or `system`. */
  readonly by: string;
  readonly reason: string | null;
  /**
   * Compare-and-set: the version the caller believes the alias points at (null: unset). When
   * given and the alias points elsewhere, nothing moves and ConflictError is thrown. Default:
   * not checked.
   */
  readonly expectedFrom?: number | null;
}

export interface AliasMoveResult {
  /** Where the alias points now; null when it is unset (deleted, or was never set). */
  readonly alias: ModelAlias | null;
  /** The history entry written; null when the alias pointed there already (nothing written). */
  readonly move: AliasMove | null;
}

/**
 * The model registry (core/registry.ts): models, versions made from checkpoints, and aliases
 * with their append-only history. Every change appends its `model.*` event in its transaction.
 * `by` is who acts (a token's name or role and id, or `system`). Names are not validated here
 * beyond what keeps the store's invariants (`latest` is never stored); the service checks them.
 */
export interface RegistryStore {
  /** Appends `model.created`. Throws ConflictError when the name is taken. */
  createModel(model: NewModel, by: string, now: number): Promise<Model>;
  getModel(name: string): Promise<Model | null>;
  /** Every model with its latest version number and aliases, by name. */
  listModels(): Promise<ModelSummary[]>;
  /**
   * Changes the given fields and appends `model.updated` naming them; a patch that changes
   * nothing writes nothing. Throws NotFoundError for an unknown model.
   */
  updateModel(name: string, patch: ModelPatch, by: string, now: number): Promise<Model>;
  /**
   * Makes the checkpoint the model's next version (1, 2, …) with its lineage, read in the same
   * transaction: the checkpoint, its run and job (params), the dataset versions that run read.
   * Appends `model.version_created`. A checkpoint that is a version of this model already
   * returns that version with `created: false` and writes nothing (at-least-once callers).
   * Throws NotFoundError (model, checkpoint) or ConflictError (the checkpoint's file was deleted).
   */
  createModelVersion(version: NewModelVersion, by: string, now: number): Promise<{ version: ModelVersion; created: boolean }>;
  /** A version by number, `latest` (the highest number) or alias; null when there is none. */
  getModelVersion(model: string, ref: VersionRef): Promise<ModelVersion | null>;
  /** A model's versions, oldest (1) first; empty for an unknown model. */
  listModelVersions(model: string): Promise<ModelVersion[]>;
  /** Like `updateModel`, for a version's notes and tags. Throws NotFoundError. */
  updateModelVersion(model: string, version: number, patch: ModelVersionPatch, by: string, now: number): Promise<ModelVersion>;
  /** Where each alias of a model points, by alias name. */
  listAliases(model: string): Promise<ModelAlias[]>;
  /**
   * Sets, moves or deletes one alias in one transaction with its history entry and its
   * `model.alias_moved` event. A move to where the alias points already writes nothing
   * (`move` null). Throws ValidationError for `latest`, NotFoundError for an unknown model or
   * version, ConflictError when `expectedFrom` does not hold.
   */
  moveAlias(move: AliasMoveRequest, now: number): Promise<AliasMoveResult>;
  /** The alias history of a model (of one alias when given), oldest first. */
  listAliasMoves(model: string, alias?: string): Promise<AliasMove[]>;
  /**
   * The checkpoints of a job that model versions reference, each with why
   * ("model chat v3 (production)"): retention must not delete their files.
   */
  checkpointProtections(jobId: number): Promise<Map<number, string[]>>;
}
