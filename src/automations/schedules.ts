/**
 * The schedules of cron rules (`on: {schedule, timezone}`), run by croner. Each tick calls
 * `fire(rule, scheduledAt)` with the slot's time (whole seconds), which keys the firing: a slot
 * fires a rule once even across a restart within it. Slots missed while the server was down are
 * not caught up.
 */
import { Cron } from 'croner';
import type { StoredRule } from '../core/automation.ts';

export interface Schedules {
  /** Makes the running schedules those of these rules (enabled, `on: {schedule}`). */
  set(rules: readonly StoredRule[]): void;
  /** The next `count` slots of a schedule rule (epoch ms). */
  next(rule: StoredRule, count: number, from?: Date): number[];
  close(): void;
}

export function createSchedules(fire: (rule: string, scheduledAt: number) => void): Schedules {
  const running = new Map<string, { readonly key: string; readonly cron: Cron }>();
  const cronOf = (rule: StoredRule, paused: boolean, callback?: () => void) => {
    const on = rule.rule.on as { schedule: string; timezone?: string };
    return callback ? new Cron(on.schedule, { paused, timezone: on.timezone, protect: true }, callback) : new Cron(on.schedule, { paused, timezone: on.timezone });
  };
  return {
    set(rules) {
      const wanted = new Map(rules.filter((r) => r.enabled && typeof r.rule.on === 'object' && 'schedule' in r.rule.on).map((r) => [r.name, r]));
      for (const [name, entry] of running) {
        const rule = wanted.get(name);
        if (!rule || JSON.stringify(rule.rule.on) !== entry.key) {
          entry.cron.stop();
          running.delete(name);
        }
      }
      for (const [name, rule] of wanted) {
        if (running.has(name)) continue;
        const cron: Cron = cronOf(rule, false, () => fire(name, Math.floor((cron.currentRun()?.getTime() ?? Date.now()) / 1000) * 1000));
        running.set(name, { key: JSON.stringify(rule.rule.on), cron });
      }
    },
    next(rule, count, from) {
      const cron = cronOf(rule, true);
      try {
        return cron.nextRuns(count, from).map((d) => d.getTime());
      } finally {
        cron.stop();
      }
    },
    close() {
      for (const entry of running.values()) entry.cron.stop();
      running.clear();
    },
  };
}
