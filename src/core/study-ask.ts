/**
 * The suggest interface of a study with `search: external` (docs/studies.md#adaptive-search-with-optuna):
 * an external searcher (Optuna's TPE through `sdk/python/trainyard_optuna.py`, or any other) asks
 * for a trial with the params it sampled, the trial runs as an ordinary job, and the searcher
 * reads the objective metric's points (to prune) and the final value (to learn from).
 *
 * ask → run → tell:
 * - ask: the params are checked against the study's domains (the search space the searcher reads
 *   from the study), the fixed params merged in; the trial and its job are one transaction,
 *   refused (409, with the reason) when the study is not running, asked `maxRuns` trials already,
 *   or has `parallelism` trials open.
 * - run: the trial's state is its job's; its value is the objective metric's last point, as for
 *   any study. A trial that runs to the end needs no tell: Trainyard has the value already.
 * - tell: what only the searcher knows, that it pruned the trial (or gave it up): recorded on the
 *   trial as a decision of policy `external`, and its job stopped if still open.
 *
 * Pure: no I/O.
 */
import { z } from 'zod';
import { ValidationError } from './errors.ts';
import { describeIssue, closestIssue, issueField } from './issue-message.ts';
import type { StudyState, TrialDecision } from './study-record.ts';
import type { Domain, StudySpec, Variant } from './study.ts';

/** Why an ask launched nothing (the store's answer; `askRefusalMessage` words it). */
export type AskRefusal =
  | { readonly refused: 'not-running'; readonly state: StudyState; readonly reason: string | null }
  | { readonly refused: 'cap'; readonly maxRuns: number }
  | { readonly refused: 'parallelism'; readonly parallelism: number; readonly open: readonly number[] };

function sameScalar(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/** Why `value` lies outside `domain`, or null when it is inside. */
function outside(domain: Domain, value: unknown): string | null {
  switch (domain.kind) {
    case 'choice':
      return domain.values.some((v) => sameScalar(v, value)) ? null : `expected one of ${JSON.stringify(domain.values)}, got ${JSON.stringify(value)}`;
    case 'int': {
      const ok = typeof value === 'number' && Number.isInteger(value) && value >= domain.lo && value <= domain.hi && (value - domain.lo) % domain.step === 0;
      return ok ? null : `expected an integer in [${domain.lo}, ${domain.hi}]${domain.step === 1 ? '' : ` on steps of ${domain.step} from ${domain.lo}`}, got ${JSON.stringify(value)}`;
    }
    case 'float': {
      const ok = typeof value === 'number' && Number.isFinite(value) && value >= domain.lo && value <= domain.hi;
      return ok ? null : `expected a number in [${domain.lo}, ${domain.hi}], got ${JSON.stringify(value)}`;
    }
    case 'fixed':
      return JSON.stringify(value) === JSON.stringify(domain.value) ? null : `is fixed at ${JSON.stringify(domain.value)} by the study, got ${JSON.stringify(value)}`;
  }
}

/**
 * The variant an ask makes: every swept param of the study given and inside its domain, the fixed
 * ones merged in (a fixed one may be given with its own value). ValidationError naming
 * `params.<name>`: a missing or unknown param, or a value outside its domain.
 */
export function askedVariant(spec: Pick<StudySpec, 'params'>, index: number, params: unknown): Variant {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ValidationError(`expected an object of the sampled params, got ${JSON.stringify(params)}`, 'params', { code: 'invalid_ask' });
  }
  const given = params as Record<string, unknown>;
  const unknown = Object.keys(given).find((name) => !(name in spec.params));
  if (unknown !== undefined) {
    throw new ValidationError(`the study has no param ${JSON.stringify(unknown)}; its params: ${Object.keys(spec.params).join(', ') || 'none'}`, `params.${unknown}`, { code: 'invalid_ask' });
  }
  const out: Record<string, unknown> = {};
  for (const [name, domain] of Object.entries(spec.params)) {
    if (!(name in given)) {
      if (domain.kind !== 'fixed') throw new ValidationError(`missing: the study searches it (${domain.kind} domain), so each ask gives its value`, `params.${name}`, { code: 'invalid_ask' });
      out[name] = domain.value;
      continue;
    }
    const why = outside(domain, given[name]);
    if (why !== null) throw new ValidationError(why, `params.${name}`, { code: 'invalid_ask' });
    out[name] = given[name];
  }
  return { index, params: out, seed: typeof out.seed === 'number' ? out.seed : null, group: index };
}

/** What an ask refused, worded for the 409 answer. */
export function askRefusalMessage(study: string, refusal: AskRefusal): string {
  switch (refusal.refused) {
    case 'not-running':
      return `study ${study} is ${refusal.state}${refusal.reason ? ` (${refusal.reason})` : ''}: only a running study launches trials`;
    case 'cap':
      return `study ${study} asked all ${refusal.maxRuns} trials of maxRuns ${refusal.maxRuns}: no more trials (submit a new study to search on)`;
    case 'parallelism':
      return `study ${study} is full: ${refusal.open.length} of parallelism ${refusal.parallelism} trials open (trials ${refusal.open.join(', ')}): ask again when one ends`;
  }
}

/** The body of a tell: the searcher pruned the trial (at a step, with its value there), or gave it up. */
export const tellInput = z.discriminatedUnion('state', [
  z.strictObject({
    state: z.literal('pruned'),
    step: z.number().int().min(0).optional().describe("the step the searcher pruned at; default: the objective's last step"),
    value: z.number().nullable().optional().describe('the value it pruned on; default: the objective at that step'),
  }),
  z.strictObject({
    state: z.literal('failed'),
    reason: z.string().max(2000).optional().describe('why the searcher gave the trial up'),
  }),
]);

export type TellInput = z.output<typeof tellInput>;

/**
 * Validates a tell's body. A completed trial is not told: its job's success and objective metric
 * are the result, so `{value}` alone (or `state: complete`) is refused, saying where the value is.
 */
export function parseTell(body: unknown): TellInput {
  const b = body as Record<string, unknown> | null;
  if (b !== null && typeof b === 'object' && (b.state === undefined || b.state === 'complete' || b.state === 'completed') && 'value' in b) {
    throw new ValidationError(
      'a trial that runs to the end is not told: its job succeeding is its completion and its objective metric\'s last point its value (GET /api/v1/studies/NAME/trials/INDEX); tell only {state: pruned} or {state: failed}',
      'state', { code: 'invalid_tell' },
    );
  }
  const parsed = tellInput.safeParse(body, { reportInput: true });
  if (!parsed.success) {
    const issue = closestIssue(parsed.error.issues[0]);
    throw new ValidationError(describeIssue(issue), issueField(issue), { code: 'invalid_tell' });
  }
  return parsed.data;
}

/** The decision a tell records on trial `index`; `last`: the objective's point at the step told (or its last point). */
export function tellDecision(tell: TellInput, index: number, metric: string, last: { step: number; value: number } | null, now: number): TrialDecision {
  const base = { policy: 'external' as const, action: 'stop' as const, carriedOut: 'stop' as const, trialId: index, cutoff: null, rank: null, of: null, decidedAt: now };
  if (tell.state === 'failed') {
    return { ...base, step: last?.step ?? 0, value: last && Number.isFinite(last.value) ? last.value : null, reason: `given up by the searcher${tell.reason ? `: ${tell.reason}` : ''}` };
  }
  const step = tell.step ?? last?.step ?? 0;
  const told = tell.value !== undefined ? tell.value : last && last.step <= step ? last.value : null;
  const value = told !== null && Number.isFinite(told) ? told : null;
  return { ...base, step, value, reason: `pruned by the searcher at step ${step}${value === null ? '' : ` (${metric} ${Number(value.toPrecision(6))})`}` };
}
