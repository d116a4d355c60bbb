/**
 * `from:` of a job spec resolved to one checkpoint inside the transaction that creates the job
 * (jobs.ts `createJob`), and the retention protections it implies. No dialect-specific SQL.
 */
import { ValidationError } from '../../core/errors.ts';
import { describeFromRef, fromRef, type FromRef, type FromSpec, type InitFrom, pickCheckpoint } from '../../core/init-from.ts';
import { LATEST } from '../../core/registry.ts';
import { TERMINAL_JOB_STATES, type Checkpoint } from '../../core/types.ts';
import type { RegistryTables } from './registry-schema.ts';
import { checkpointFromRow } from './rows.ts';
import type { StoreDb } from './schema.ts';

/** A refusal of `from:`: a 400 naming the field, saying what it named and what is wrong. */
function refuse(ref: FromRef, problem: string): ValidationError {
  return new ValidationError(`${describeFromRef(ref)}: ${problem}`, 'from', { code: 'invalid_from' });
}

/**
 * The checkpoint `declared` means now. Throws ValidationError (field `from`, code
 * `invalid_from`) for an unknown job, checkpoint, model, version or alias, a job with no live
 * checkpoint (or none with the metric `best` ranks by), and a checkpoint whose file retention
 * deleted.
 */
export async function resolveInitFrom(trx: StoreDb, declared: FromSpec): Promise<InitFrom> {
  const ref = fromRef(declared);
  switch (ref.kind) {
    case 'checkpoint': {
      const checkpoint = await loadCheckpoint(trx, ref.checkpointId);
      if (!checkpoint) throw refuse(ref, 'no such checkpoint (`trainyard checkpoints JOB` lists a job\'s)');
      return fromCheckpoint(ref, checkpoint, null);
    }
    case 'job': {
      const job = await trx.selectFrom('jobs').select('id').where('id', '=', ref.jobId).executeTakeFirst();
      if (!job) throw refuse(ref, 'no such job');
      const rows = await trx.selectFrom('checkpoints').selectAll().where('job_id', '=', ref.jobId).execute();
      const picked = pickCheckpoint(rows.map(checkpointFromRow), ref);
      if ('checkpoint' in picked) return fromCheckpoint(ref, picked.checkpoint, null);
      const { problem } = picked;
      if (problem.kind === 'no-metric') {
        throw refuse(ref, `none of its ${problem.live} live checkpoints carries the metric ${JSON.stringify(problem.metric)}: name one they carry with metric:`);
      }
      throw refuse(ref, problem.deleted === 0
        ? 'it has no checkpoint (yet): start from a job that registered one'
        : `all its ${problem.deleted} checkpoints were deleted by retention`);
    }
    case 'model':
      return resolveModel(trx, ref);
  }
}

async function resolveModel(trx: StoreDb, ref: Extract<FromRef, { kind: 'model' }>): Promise<InitFrom> {
  const db = trx.withTables<RegistryTables>();
  const model = await db.selectFrom('models').select(['id', 'name']).where('name', '=', ref.model).executeTakeFirst();
  if (!model) throw refuse(ref, 'no such model (`trainyard model ls` lists them)');
  let query = db.selectFrom('model_versions').select(['model_versions.version', 'model_versions.checkpoint_id']).where('model_versions.model_id', '=', model.id);
  if (typeof ref.ref === 'number') query = query.where('model_versions.version', '=', ref.ref);
  else if (ref.ref === LATEST) query = query.orderBy('model_versions.version', 'desc').limit(1);
  else {
    query = query
      .innerJoin('model_aliases', 'model_aliases.version_id', 'model_versions.id')
      .where('model_aliases.model_id', '=', model.id)
      .where('model_aliases.alias', '=', ref.ref);
  }
  const version = await query.executeTakeFirst();
  if (!version) {
    if (typeof ref.ref === 'number') throw refuse(ref, `model ${model.name} has no version ${ref.ref}`);
    if (ref.ref === LATEST) throw refuse(ref, `model ${model.name} has no version yet`);
    const aliases = await db.selectFrom('model_aliases').select('alias').where('model_id', '=', model.id).orderBy('alias').execute();
    throw refuse(ref, `model ${model.name} has no alias ${ref.ref} (${aliases.length > 0 ? `its aliases: ${aliases.map((a) => a.alias).join(', ')}` : 'it has none'})`);
  }
  const checkpoint = await loadCheckpoint(trx, version.checkpoint_id);
  if (!checkpoint) throw refuse(ref, `its checkpoint ${version.checkpoint_id} is missing`);
  return fromCheckpoint(ref, checkpoint, { name: model.name, version: version.version });
}

async function loadCheckpoint(trx: StoreDb, id: number): Promise<Checkpoint | null> {
  const row = await trx.selectFrom('checkpoints').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? checkpointFromRow(row) : null;
}

function fromCheckpoint(ref: FromRef, checkpoint: Checkpoint, model: InitFrom['model']): InitFrom {
  if (checkpoint.deleted) {
    throw refuse(ref, `checkpoint ${checkpoint.id} (job ${checkpoint.jobId}, step ${checkpoint.step}) was deleted by retention and its file is gone: pick one that is kept (\`trainyard checkpoints ${checkpoint.jobId}\`)`);
  }
  return { checkpointId: checkpoint.id, jobId: checkpoint.jobId, step: checkpoint.step, model };
}

/**
 * The checkpoints of job `jobId` that a job not yet ended starts from, each with why
 * ("job 14 starts from it"): retention must not delete their files.
 */
export async function initFromProtections(db: StoreDb, jobId: number): Promise<Map<number, string[]>> {
  const rows = await db
    .selectFrom('jobs')
    .innerJoin('checkpoints', 'checkpoints.id', 'jobs.init_from_checkpoint_id')
    .select(['jobs.id as jobId', 'checkpoints.id as checkpointId'])
    .where('checkpoints.job_id', '=', jobId)
    .where('jobs.state', 'not in', TERMINAL_JOB_STATES)
    .orderBy('jobs.id')
    .execute();
  const protections = new Map<number, string[]>();
  for (const row of rows) {
    const reasons = protections.get(row.checkpointId) ?? [];
    reasons.push(`job ${row.jobId} starts from it`);
    protections.set(row.checkpointId, reasons);
  }
  return protections;
}
