/**
 * Datasets of a job: pinned at submit, handed to each run, recorded for lineage.
 *
 * At submit (`resolveJobDatasets`): each role's `name` or `name@version` must be registered and
 * have passed the job's `datasetLevel`; at deep, each training role must also have been checked
 * clean against each eval role of the job. The spec comes back with every reference pinned to
 * `name@version`, so that the job trains on exactly what was checked, whatever is registered
 * later.
 *
 * At each run's start (`datasetsForRun`): `TRAINYARD_DATASETS` is built and the use recorded.
 */
import {
  contaminationStatus,
  type DatasetVersion,
  formatDatasetRef,
  isEvalRole,
  levelRank,
  levelStatus,
  parseDatasetRef,
  VALIDATION_LEVELS,
} from '../core/datasets.ts';
import { ValidationError } from '../core/errors.ts';
import type { JobSpec } from '../core/types.ts';
import type { DatasetStore } from '../store/store.ts';
import { storedPath } from './register.ts';

/** Error code of a submit refused for its datasets. */
export const DATASET_NOT_READY = 'dataset_not_ready';

function refuse(role: string, message: string): ValidationError {
  return new ValidationError(message, `datasets.${role}`, { code: DATASET_NOT_READY });
}

/**
 * The spec with its datasets pinned, or a `ValidationError` naming `datasets.<role>` and why
 * (not registered, not validated at the depth, failed it, contaminated by an eval set).
 */
export async function resolveJobDatasets(store: DatasetStore, spec: JobSpec): Promise<JobSpec> {
  const roles = Object.entries(spec.datasets ?? {});
  if (roles.length === 0) return spec;
  const level = spec.datasetLevel ?? 'standard';
  const pinned: Record<string, string> = {};
  const versions = new Map<string, DatasetVersion>();
  for (const [role, text] of roles) {
    const ref = parseDatasetRef(text);
    if (!ref) throw refuse(role, `${JSON.stringify(text)} is not name or name@version`);
    const version = await store.getDataset(ref.name, ref.version ?? undefined);
    if (!version) {
      const latest = ref.version === null ? null : await store.getDataset(ref.name);
      throw refuse(role, ref.version === null || latest === null
        ? `dataset ${ref.name} is not registered (trainyard data add ${ref.name} PATH --format F)`
        : `dataset ${ref.name} has no version ${ref.version} (latest: ${latest.version})`);
    }
    const name = formatDatasetRef(version.name, version.version);
    const status = levelStatus(version.validations, level);
    if (status !== 'passed') {
      const deepest = [...version.validations].sort((a, b) => levelRank(b.level) - levelRank(a.level) || b.createdAt - a.createdAt)[0];
      const checkedAt = VALIDATION_LEVELS.filter((l) => version.validations.some((v) => v.level === l));
      throw refuse(role, status === 'failed'
        ? `${name} failed ${level} validation: ${deepest?.summary ?? ''}`
        : `${name} has not been validated at ${level} (validated at: ${checkedAt.join(', ') || 'none'}); run: trainyard data check ${name} --level ${level}`);
    }
    pinned[role] = name;
    versions.set(role, version);
  }
  if (level === 'deep') {
    const evals = [...versions].filter(([role]) => isEvalRole(role));
    for (const [role, train] of versions) {
      if (isEvalRole(role)) continue;
      for (const [evalRole, evalSet] of evals) {
        const trainRef = pinned[role];
        const evalRef = pinned[evalRole];
        if (evalSet.sha256 === train.sha256) {
          throw refuse(role, `${trainRef} has the same content as eval set ${evalRef} (role ${evalRole}): a model evaluated on its training data`);
        }
        const checked = contaminationStatus(train.validations, evalSet.sha256);
        if (checked === null) {
          throw refuse(role, `${trainRef} has not been checked for contamination by ${evalRef} (role ${evalRole}); run: trainyard data check ${trainRef} --level deep --eval ${evalRef}`);
        }
        if (checked.contaminatedRows > 0) {
          throw refuse(role, `${checked.contaminatedRows} row${checked.contaminatedRows === 1 ? '' : 's'} of ${trainRef} share word n-grams with eval set ${evalRef} (role ${evalRole}): remove them and register a new version`);
        }
      }
    }
  }
  return { ...spec, datasets: pinned };
}

/** What a run sees of one dataset in `TRAINYARD_DATASETS`. */
export interface RunDataset {
  readonly name: string;
  readonly version: number;
  /** Absolute path of the read-only registered copy (a file, or a folder). */
  readonly path: string;
  readonly sha256: string;
  readonly format: string;
}

/**
 * The `TRAINYARD_DATASETS` value of a run (JSON `{role: RunDataset}`, `{}` when the job names no
 * datasets), recording that the run read those versions.
 */
export async function datasetsForRun(store: DatasetStore, datasetDir: string, job: { id: number; spec: JobSpec }, runId: number, now: number): Promise<string> {
  const roles = Object.entries(job.spec.datasets ?? {});
  if (roles.length === 0) return '{}';
  const out: Record<string, RunDataset> = {};
  const uses: Array<{ versionId: number; jobId: number; runId: number; role: string }> = [];
  for (const [role, text] of roles) {
    const ref = parseDatasetRef(text);
    const version = ref && (await store.getDataset(ref.name, ref.version ?? undefined));
    if (!version) continue;
    out[role] = { name: version.name, version: version.version, path: storedPath(datasetDir, version), sha256: version.sha256, format: version.format };
    uses.push({ versionId: version.id, jobId: job.id, runId, role });
  }
  await store.recordDatasetUses(uses, now);
  return JSON.stringify(out);
}
