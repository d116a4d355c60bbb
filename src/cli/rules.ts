/**
 * `trainyard rules ls|show|test|enable|disable|firings`: automation rules (docs/automations.md).
 * Rules are written in `<data>/automations.yaml` (or PUT through the API); this command reads
 * them, toggles them, lists their firings, and dry-runs one against past events.
 */
import { Command } from 'commander';
import { createRulesClient, type FiringInfo, type RuleInfo, type RuleTestResult } from '../sdk/rules-client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { escapeControlChars, formatDuration, formatRelative, renderFields, renderTable } from './format.ts';
import { EXIT, positiveInteger, printJson, UsageError } from './io.ts';

export function rulesCommand(ctx: CliContext): Command {
  const rules = new Command('rules')
    .summary('list, show, dry-run and toggle automation rules')
    .description(
      'Automation rules: "on EVENT [where FILTER] [condition] do ACTION", written in <data>/automations.yaml ' +
        '(reloaded on change) or PUT through the API (docs/automations.md). Each firing is recorded once per ' +
        'event with what its action did; `rules test` shows what a rule would do, doing nothing.',
    );
  for (const sub of [lsSub(ctx), showSub(ctx), testSub(ctx), toggleSub(ctx, 'enable'), toggleSub(ctx, 'disable'), firingsSub(ctx)]) {
    rules.addCommand(configureCommand(ctx, sub));
  }
  return rules;
}

function lsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list the rules and the rules file state')
    .action(action(ctx, async (options: CommonOptions) => {
      const list = await createRulesClient(serverOptions(ctx.io, options)).list();
      if (options.json) printJson(ctx.io, list);
      else {
        ctx.io.stdout.write(list.rules.length === 0 ? `no rules (write them in ${list.file.path})\n` : renderRules(list.rules));
        if (list.file.error) ctx.io.stderr.write(`rules file error (the previous rules stay in force): ${escapeControlChars(list.file.error.message)}\n`);
      }
      return EXIT.ok;
    }));
}

function showSub(ctx: CliContext): Command {
  return createCommand('show')
    .summary('show a rule and its last firings')
    .argument('<rule>', 'rule name')
    .action(action(ctx, async (name: string, options: CommonOptions) => {
      const client = createRulesClient(serverOptions(ctx.io, options));
      const [rule, firings] = await Promise.all([client.get(name), client.firings(name, 10)]);
      if (options.json) printJson(ctx.io, { ...rule, firings });
      else {
        ctx.io.stdout.write(renderFields([
          ['rule', rule.name], ['state', rule.enabled ? 'enabled' : 'disabled'], ['source', rule.source],
          ['on', trigger(rule)], ['where', rule.rule.where ? JSON.stringify(rule.rule.where) : '-'],
          ['condition', rule.rule.condition ? JSON.stringify(rule.rule.condition) : '-'],
          ['do', JSON.stringify(rule.rule.do)], ['cooldown', `${rule.rule.cooldownSeconds} s`],
        ]));
        ctx.io.stdout.write(`\n${renderFirings(firings, ctx.io.now())}`);
      }
      return EXIT.ok;
    }));
}

function testSub(ctx: CliContext): Command {
  return createCommand('test')
    .summary('dry run: what a rule would do with one event or the last N; nothing is done')
    .argument('<rule>', 'rule name')
    .option('--event <id>', 'one event id (GET /api/v1/events, or the eventId of a firing)')
    .option('--last <n>', "the last N events of the rule's types (a schedule: its next N slots); default 10")
    .action(action(ctx, async (name: string, options: CommonOptions & { event?: string; last?: string }) => {
      if (options.event !== undefined && options.last !== undefined) throw new UsageError('give --event or --last, not both');
      const eventId = options.event !== undefined ? positiveInteger(options.event, '--event') : undefined;
      const last = options.last !== undefined ? positiveInteger(options.last, '--last') : undefined;
      const result = await createRulesClient(serverOptions(ctx.io, options)).test(name, { eventId, last });
      if (options.json) printJson(ctx.io, result);
      else ctx.io.stdout.write(renderTest(result));
      return EXIT.ok;
    }));
}

function toggleSub(ctx: CliContext, verb: 'enable' | 'disable'): Command {
  return createCommand(verb)
    .summary(verb === 'enable' ? 'enable a rule' : 'disable a rule (it fires on nothing until enabled)')
    .argument('<rule>', 'rule name')
    .action(action(ctx, async (name: string, options: CommonOptions) => {
      const client = createRulesClient(serverOptions(ctx.io, options));
      const rule = verb === 'enable' ? await client.enable(name) : await client.disable(name);
      if (options.json) printJson(ctx.io, rule);
      else ctx.io.stdout.write(`rule ${escapeControlChars(rule.name)} ${rule.enabled ? 'enabled' : 'disabled'}\n`);
      return EXIT.ok;
    }));
}

function firingsSub(ctx: CliContext): Command {
  return createCommand('firings')
    .summary("a rule's firings, newest first: cause, state, what its action did")
    .argument('<rule>', 'rule name')
    .option('--limit <n>', 'at most this many (default 50)')
    .action(action(ctx, async (name: string, options: CommonOptions & { limit?: string }) => {
      const firings = await createRulesClient(serverOptions(ctx.io, options)).firings(name, options.limit ? positiveInteger(options.limit, '--limit') : undefined);
      if (options.json) printJson(ctx.io, { firings });
      else ctx.io.stdout.write(renderFirings(firings, ctx.io.now()));
      return EXIT.ok;
    }));
}


function trigger(rule: RuleInfo): string {
  const on = rule.rule.on;
  if (typeof on === 'string') return on;
  if ('schedule' in on) return `schedule ${on.schedule}${on.timezone ? ` (${on.timezone})` : ''}`;
  if ('inbox' in on) return `inbox < ${on.inbox.fewerThan} waiting${on.inbox.priority ? ` (${on.inbox.priority})` : ''}`;
  return `metric ${on.metric}${on.suite ? ` of suite ${on.suite}` : ''}`;
}

export function renderRules(rules: readonly RuleInfo[]): string {
  return renderTable(
    [{ header: 'RULE', max: 40 }, { header: 'STATE' }, { header: 'SOURCE' }, { header: 'ON', max: 40 }, { header: 'DO' }],
    rules.map((r) => [r.name, r.enabled ? 'enabled' : 'disabled', r.source, trigger(r), Object.keys(r.rule.do).join('')]),
  );
}

export function renderFirings(firings: readonly FiringInfo[], now: number): string {
  if (firings.length === 0) return 'no firings yet\n';
  return renderTable(
    [{ header: 'ID' }, { header: 'CAUSE' }, { header: 'ACTION' }, { header: 'STATE' }, { header: 'DEPTH' }, { header: 'STARTED' }, { header: 'TOOK' }, { header: 'DETAIL', max: 80 }],
    firings.map((f) => [
      String(f.id), f.eventId !== null ? `event ${f.eventId}` : `schedule ${new Date(f.scheduledAt ?? 0).toISOString()}`, f.action, f.state, String(f.depth),
      formatRelative(f.startedAt, now), f.endedAt !== null ? formatDuration(f.endedAt - f.startedAt) : '-', f.detail ?? '',
    ]),
  );
}

export function renderTest(result: RuleTestResult): string {
  if (result.results.length === 0) return `rule ${result.rule}: no events of its types yet\n`;
  const lines = result.results.map((r) => {
    const cause = r.eventId !== null ? `event ${r.eventId} (${r.eventType})` : `slot ${new Date(r.scheduledAt ?? 0).toISOString()}`;
    const what = r.decision === 'fire' ? `would ${r.action}${r.detail ? ` (${r.detail})` : ''}` : `${r.decision}: ${r.detail}`;
    const done = r.firing ? ` [fired already: firing ${r.firing.id} ${r.firing.state}]` : '';
    return `${cause}: ${escapeControlChars(what)}${done}`;
  });
  return `rule ${result.rule} (dry run, nothing done):\n${lines.map((l) => `  ${l}\n`).join('')}`;
}
