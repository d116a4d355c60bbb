/**
 * The automations engine (docs/automations.md): rules from `<data>/automations.yaml` and the API,
 * fired by the durable event log (subscriber `automations`) and by schedules.
 *
 * Each cause is handled in order, one at a time: decide (core/automation-match.ts) → record the
 * firing (unique per rule and cause: at most once, across restarts) → run the action → record
 * its end. Webhooks run beside the queue (their retries never hold other rules up). A firing
 * found `running` at start was cut by a crash: idempotent actions (submit: the job is found by
 * its `automation-firing:<id>` tag; eval: an evaluation is unique per suite and checkpoint;
 * promote: the version and the deployments are found, registry/promotion.ts; pause; stop) are run again, the others (deploy, webhook) end `failed` "interrupted by restart".
 */
import { join } from 'node:path';
import { actionKind, inboxTriggerOf, parseRule, triggerTypes, type AutomationRule, type Firing, type StoredRule } from '../core/automation.ts';
import { conditionMetric, conditionWindow, decide, inboxCrossing, matchesWhere, metricValue, type Cause, type Decision } from '../core/automation-match.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { DomainEvent } from '../core/events.ts';
import type { Control } from '../control/control.ts';
import type { Store } from '../store/store.ts';
import { firingTags, runAction, type AutomationPorts } from './actions.ts';
import { watchFile } from './file-watch.ts';
import { checkSchedule, loadRulesFile, RulesFileError } from './rules-file.ts';
import { createDryRuns, type DryRun } from './dry-run.ts';
import { createSchedules } from './schedules.ts';
import { sendWebhook, type WebhookOptions } from './webhook.ts';

/** The durable subscriber's name (its cursor in the store). */
export const SUBSCRIBER = 'automations';
export const RULES_FILE = 'automations.yaml';

export interface AutomationsDeps {
  readonly store: Store;
  readonly control: Control;
  readonly ports: AutomationPorts;
  /** The data directory: the rules file, and the base of submit templates' `cwd`. */
  readonly dataDir: string;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Webhook secrets are read from here by the name a rule gives. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** The rules file is polled this often besides fs.watch. Default: 2,000 ms. */
  readonly filePollMs?: number;
  /** The waiting inbox files are counted this often for `on: {inbox}` rules (and after each `job.submitted`). Default: 2,000 ms. */
  readonly inboxPollMs?: number;
  readonly webhook?: Pick<WebhookOptions, 'backoffMs' | 'sleep'>;
}

/** The rules file's state: its last error (the previous rules stay in force), or null. */
export interface RulesFileStatus {
  readonly path: string;
  readonly error: { readonly message: string; readonly line: number | null; readonly column: number | null; readonly field: string | null } | null;
  readonly loadedAt: number | null;
}

export type { DryRun } from './dry-run.ts';

export interface Automations {
  /** Subscribes to the event log; call before `control.start()`. */
  subscribe(): void;
  /** Ends firings a crash cut, loads the rules file and watches it, starts the schedules. */
  start(): Promise<void>;
  rules(): Promise<StoredRule[]>;
  rule(name: string): Promise<StoredRule>;
  fileStatus(): RulesFileStatus;
  /** Creates or replaces an API rule (ValidationError naming the field; ConflictError for a file rule). */
  save(name: string, input: unknown): Promise<StoredRule>;
  remove(name: string): Promise<void>;
  setEnabled(name: string, enabled: boolean): Promise<StoredRule>;
  firings(name: string, limit?: number): Promise<Firing[]>;
  /** The dry run against one event, or the last `last` events of the rule's types (schedules: the next slots). */
  test(name: string, target: { readonly eventId?: number; readonly last?: number }): Promise<DryRun[]>;
  /** Counts the waiting inbox files for the `on: {inbox}` rules now (also on a poll and after `job.submitted`). */
  checkInbox(): Promise<void>;
  /** Reloads the rules file now (it is also reloaded on change). */
  reload(): Promise<void>;
  /** Resolves when the queue and the webhooks in flight are done (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createAutomations(deps: AutomationsDeps): Automations {
  const { store, log } = deps;
  const filePath = join(deps.dataDir, RULES_FILE);
  let rules: StoredRule[] = [];
  let status: RulesFileStatus = { path: filePath, error: null, loadedAt: null };
  let queue: Promise<unknown> = Promise.resolve();
  const webhooks = new Set<Promise<void>>();
  const abort = new AbortController();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let unwatch: (() => void) | null = null;
  let inboxPoll: NodeJS.Timeout | null = null;
  /** Per `on: {inbox}` rule: its trigger (as JSON) and whether a crossing would fire it (inboxCrossing). */
  const inboxArmed = new Map<string, { readonly key: string; armed: boolean }>();
  let lastInboxCause = 0;
  let closed = false;
  const schedules = createSchedules((rule, scheduledAt) => {
    serial(() => fireScheduled(rule, scheduledAt)).catch((error: unknown) => log(`automation ${rule}: schedule ${new Date(scheduledAt).toISOString()}: ${String((error as Error)?.stack ?? error)}`));
  });

  const dryRuns = createDryRuns({ store, schedules, decide: (rule, cause) => decideFor(rule, cause), dataDir: deps.dataDir, now: deps.now, waitingInboxFiles: deps.ports.waitingInboxFiles?.bind(deps.ports) });

  /** Runs causes one at a time, so an action's own events are read after its firing ended. */
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  }

  async function refresh(): Promise<void> {
    rules = await store.listRules();
    schedules.set(rules);
  }

  async function causeDepth(event: DomainEvent): Promise<number> {
    if (event.type === 'automation.fired' || event.type === 'automation.finished') return event.data.depth;
    const data = event.data as { evalJobId?: unknown; deploymentId?: unknown };
    const jobIds = [event.jobId, data.evalJobId].filter((id): id is number => typeof id === 'number');
    return store.madeDepth({ jobIds, deploymentId: typeof data.deploymentId === 'number' ? data.deploymentId : null });
  }

  /** The decision for a rule and a cause, with the value its condition read. */
  async function decideFor(rule: StoredRule, cause: Cause): Promise<{ decision: Decision; value: number | null }> {
    const metric = conditionMetric(rule.rule);
    const value = metric !== null && cause.event ? metricValue(cause.event, metric) : null;
    const window = rule.rule.condition ? conditionWindow(rule.rule.condition) : 0;
    const past = window > 1 ? await store.conditionValues(rule.name, window - 1) : [];
    const now = deps.now();
    const activity = await store.ruleActivity(rule.name, now - 60_000);
    const decision = decide(rule.rule, cause, {
      now,
      causeDepth: cause.event ? await causeDepth(cause.event) : 0,
      lastFiredAt: activity.lastFiredAt,
      firedLastMinute: activity.firedSince,
      values: value === null ? [] : [...past, value],
    });
    return { decision, value };
  }

  /** `why`: what the cause was when it is not an event or a schedule ("3 waiting inbox files < 5"). */
  async function fire(rule: StoredRule, cause: Cause, why?: string): Promise<void> {
    if (cause.event && !matchesWhere(rule.rule.where, cause.event)) return; // before any query
    const { decision, value } = await decideFor(rule, cause);
    if (decision.kind === 'no-match') return;
    const detail = [why, decision.detail].filter(Boolean).join('; ');
    const { firing, created } = await store.beginFiring({
      rule: rule.name, eventId: cause.event?.id ?? null, scheduledAt: cause.scheduledAt, action: actionKind(rule.rule.do),
      depth: decision.kind === 'skipped' ? 0 : decision.depth,
      state: decision.kind === 'fire' ? 'running' : decision.kind,
      detail: detail || null, value,
    }, deps.now());
    if (decision.kind !== 'fire' || !created) return;
    log(`automation ${rule.name}: firing ${firing.id} (${firing.action}) on ${cause.event ? `event ${cause.event.id} (${cause.event.type})` : why ?? `schedule ${new Date(cause.scheduledAt!).toISOString()}`}`);
    await execute(firing, decision.action, rule.rule, cause.event);
  }

  async function execute(firing: Firing, action: AutomationRule['do'], rule: AutomationRule, event: DomainEvent | null): Promise<void> {
    if (action.webhook) {
      const hook = action.webhook;
      const body = JSON.stringify({ rule: rule.name, event, firedAt: firing.startedAt, firingId: firing.id });
      const secret = hook.secretEnv ? ((deps.env ?? process.env)[hook.secretEnv] ?? null) : null;
      if (hook.secretEnv && secret === null) {
        await finish(firing, { state: 'failed', detail: `the environment variable ${hook.secretEnv} (do.webhook.secretEnv) is not set on the server: nothing sent` });
        return;
      }
      const sending = sendWebhook({ url: hook.url, body, secret, retries: hook.retries, timeoutMs: hook.timeoutSeconds * 1000 }, { ...deps.webhook, signal: abort.signal })
        .then((result) => finish(firing, { state: result.ok ? 'succeeded' : 'failed', detail: `${result.ok ? 'delivered' : 'not delivered'}: ${result.detail}${result.ok && result.tries > 1 ? ` on try ${result.tries}` : ''}` }))
        .catch((error: unknown) => log(`automation ${rule.name}: firing ${firing.id}: ${String((error as Error)?.stack ?? error)}`))
        .finally(() => webhooks.delete(sending));
      webhooks.add(sending);
      return;
    }
    try {
      const result = await runAction(action, firing, event, { store, control: deps.control, ports: deps.ports, baseDir: deps.dataDir });
      await finish(firing, { state: 'succeeded', detail: result.detail, madeJobId: result.madeJobId, madeDeploymentId: result.madeDeploymentId });
    } catch (error) {
      await finish(firing, { state: 'failed', detail: (error as Error).message });
    }
  }

  async function finish(firing: Firing, outcome: Parameters<Store['finishFiring']>[1]): Promise<void> {
    const done = await store.finishFiring(firing.id, outcome, deps.now());
    log(`automation ${firing.rule}: firing ${firing.id} ${done.state}: ${done.detail}`);
  }

  async function handle(event: DomainEvent): Promise<void> {
    await ready;
    if (closed) throw new Error('automations are closing'); // the cursor stays: the next start handles it
    await serial(async () => {
      for (const rule of rules) {
        if (rule.enabled && triggerTypes(rule.rule.on).includes(event.type)) await fire(rule, { event, scheduledAt: null });
      }
    });
    if (event.type === 'job.submitted' && rules.some((r) => r.enabled && inboxTriggerOf(r.rule.on))) await serial(checkInbox);
  }

  /**
   * The `on: {inbox}` rules: counts the waiting files and fires a rule whose count crossed below
   * its `fewerThan` (core/automation-match.ts `inboxCrossing`). The firing is keyed by the time
   * of the look (`scheduledAt`). Across a restart the armed state is rebuilt from the store: a
   * rule that has fired on the inbox before is armed only once the count is seen at or above N
   * again, so a restart never fires the same crossing twice (a crossing wholly within the
   * downtime is missed, like a schedule's slot).
   */
  async function checkInbox(): Promise<void> {
    const count = deps.ports.waitingInboxFiles;
    if (!count || closed) return;
    const counts = new Map<string, number>();
    for (const rule of rules) {
      const on = inboxTriggerOf(rule.rule.on);
      if (!on || !rule.enabled) continue;
      const key = JSON.stringify(on);
      let state = inboxArmed.get(rule.name);
      if (state?.key !== key) {
        const [last] = await store.listFirings({ rule: rule.name, limit: 1 });
        state = { key, armed: !last || last.eventId !== null };
        inboxArmed.set(rule.name, state);
      }
      const which = on.priority ?? 'all';
      const waiting = counts.get(which) ?? await count(on.priority);
      counts.set(which, waiting);
      const step = inboxCrossing(state.armed, waiting, on.fewerThan);
      state.armed = step.armed;
      if (!step.fire) continue;
      const at = Math.max(deps.now(), lastInboxCause + 1);
      lastInboxCause = at;
      await fire(rule, { event: null, scheduledAt: at }, `${waiting} waiting inbox file${waiting === 1 ? '' : 's'}${on.priority ? ` (${on.priority})` : ''} < ${on.fewerThan}`);
    }
  }

  async function fireScheduled(name: string, scheduledAt: number): Promise<void> {
    const rule = rules.find((r) => r.name === name);
    if (rule?.enabled) await fire(rule, { event: null, scheduledAt });
  }

  /** Firings a crash cut: idempotent actions run again, the others end failed. */
  async function recoverFirings(): Promise<void> {
    for (const firing of await store.listFirings({ state: 'running', limit: 1000 })) {
      const rule = rules.find((r) => r.name === firing.rule);
      const again = rule && ['submit', 'eval', 'pause', 'stop', 'promote', 'curriculum'].includes(firing.action) && actionKind(rule.rule.do) === firing.action;
      if (!again) {
        await finish(firing, { state: 'failed', detail: rule ? `interrupted by restart: a ${firing.action} is not run twice (it may or may not have happened)` : 'interrupted by restart; the rule is gone' });
        continue;
      }
      if (firing.action === 'submit' || firing.action === 'curriculum') {
        const [made] = await store.listJobs({ tags: [firingTags(firing.rule, firing.id)[1]], limit: 1 });
        if (made) {
          await finish(firing, { state: 'succeeded', detail: `job ${made.id} (${made.spec.name}) was submitted (found after a restart)`, madeJobId: made.id });
          continue;
        }
      }
      const event = firing.eventId !== null ? ((await store.listEvents({ after: firing.eventId - 1, limit: 1 }))[0] ?? null) : null;
      const decision = decide(rule.rule, { event, scheduledAt: firing.scheduledAt }, { now: deps.now(), causeDepth: firing.depth - 1, lastFiredAt: null, firedLastMinute: 0, values: [] });
      if (decision.kind !== 'fire') {
        await finish(firing, { state: 'failed', detail: `interrupted by restart, not run again: ${'detail' in decision ? decision.detail : 'the rule no longer matches'}` });
        continue;
      }
      log(`automation ${rule.name}: firing ${firing.id} was cut by a restart; running its ${firing.action} again (idempotent)`);
      await execute(firing, decision.action, rule.rule, event);
    }
  }

  async function reload(): Promise<void> {
    try {
      const fromFile = await loadRulesFile(filePath);
      const sync = await store.syncFileRules(fromFile, deps.now());
      status = { path: filePath, error: null, loadedAt: deps.now() };
      const changes = [...sync.added.map((n) => `+${n}`), ...sync.changed.map((n) => `~${n}`), ...sync.removed.map((n) => `-${n}`)];
      if (changes.length > 0) log(`automations: ${RULES_FILE} loaded (${changes.join(' ')})`);
    } catch (error) {
      if (!(error instanceof RulesFileError)) throw error;
      status = { ...status, error: { message: error.message, line: error.line, column: error.column, field: error.field } };
      log(`automations: ${error.message}\n  the previous rules stay in force until the file is fixed`);
    }
    await refresh();
  }

  async function named(name: string): Promise<StoredRule> {
    const rule = await store.getRule(name);
    if (!rule) throw new NotFoundError('rule', name);
    return rule;
  }

  return {
    subscribe() {
      deps.control.events.subscribe(SUBSCRIBER, handle, { startAt: 'now' });
    },

    async start() {
      try {
        await reload();
        await recoverFirings();
      } catch (error) {
        log(`automations: start: ${String((error as Error)?.stack ?? error)}`);
      } finally {
        markReady();
      }
      if (deps.ports.waitingInboxFiles) {
        inboxPoll = setInterval(() => void serial(checkInbox).catch((error: unknown) => log(`automations: inbox check failed: ${String(error)}`)), deps.inboxPollMs ?? 2_000);
        inboxPoll.unref();
      }
      unwatch = watchFile(filePath, () => void serial(reload).catch((error: unknown) => log(`automations: reload failed: ${String(error)}`)), deps.filePollMs ?? 2_000);
    },

    rules: async () => store.listRules(),
    rule: named,
    fileStatus: () => status,

    async save(name, input) {
      const body = { ...(input as Record<string, unknown>) };
      if (body.name !== undefined && body.name !== name) throw new ValidationError(`the rule's name ${JSON.stringify(body.name)} differs from the URL's ${JSON.stringify(name)}`, 'name');
      const rule = parseRule({ ...body, name }, checkSchedule);
      const saved = await serial(() => store.saveRule(rule, deps.now()));
      await refresh();
      return saved;
    },

    async remove(name) {
      await store.deleteRule(name);
      await refresh();
    },

    async setEnabled(name, enabled) {
      const rule = await store.setRuleEnabled(name, enabled, deps.now());
      await refresh();
      return rule;
    },

    async firings(name, limit) {
      await named(name);
      return store.listFirings({ rule: name, limit });
    },

    test: async (name, target) => dryRuns.test(await named(name), target),

    reload: () => serial(reload),
    checkInbox: () => serial(checkInbox),

    async idle() {
      await queue;
      while (webhooks.size > 0) await Promise.all([...webhooks]);
    },

    async close() {
      closed = true;
      markReady();
      unwatch?.();
      if (inboxPoll) clearInterval(inboxPoll);
      schedules.close();
      abort.abort();
      await queue;
      await Promise.all([...webhooks]);
    },
  };
}
