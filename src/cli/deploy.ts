/**
 * `trainyard deploy …`, `trainyard rollback`, `trainyard deployments` (docs/deployment.md):
 * declare deploy targets from files, deploy a model version by hand, roll a target back, and
 * read the deployment history. A deployment runs on the server; `--wait` follows it step by step.
 */
import { Command } from 'commander';
import { ALIAS_NAME, MODEL_NAME, parseVersionRef } from '../core/registry.ts';
import { ApiError } from '../sdk/client.ts';
import { createDeployClient, type ApiDeployment, type ApiDeployTarget, type DeployClient } from '../sdk/deploy-client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { escapeControlChars, formatRelative, renderFields, renderTable } from './format.ts';
import { EXIT, FileError, type Io, printJson, stripFieldPrefix, UsageError } from './io.ts';

const FINAL = ['succeeded', 'rolled-back', 'failed'];
const STEPS = ['requested', 'staging', 'checking', 'switching', 'watching', 'succeeded', 'rolled-back', 'failed'] as const;

function client(io: Io, options: CommonOptions): DeployClient {
  return createDeployClient(serverOptions(io, options));
}


/** `trainyard deploy MODEL:VERSION TARGET`, and `trainyard deploy target add|ls|show|rm`. */
export function deployCommand(ctx: CliContext): Command {
  const deploy = createCommand('deploy')
    .addHelpCommand(false)
    .summary('deploy a model version to a target; manage deploy targets')
    .description(
      'Deploys MODEL:VERSION (or MODEL@VERSION; VERSION is a number, latest or an alias) to TARGET as a ' +
        'transaction: stage → health and smoke check → switch → watch → move the target\'s alias. Any failure ' +
        'reverts the target to the version it served before and records why. The deployment runs on the ' +
        'server: the command prints it as requested, or with --wait follows it to its end (exit 1 unless it succeeded).',
    )
    .argument('[version]', 'MODEL:VERSION, e.g. char-lm:3 or char-lm@staging')
    .argument('[target]', 'a deploy target (trainyard deploy target ls)')
    .option('--reason <text>', 'why: kept with the deployment')
    .option('--wait', 'follow the deployment and print each step; exit 1 unless it succeeded')
    .addHelpText('after', '\nExamples:\n  trainyard deploy target add serve.yaml\n  trainyard deploy char-lm:3 serve --wait\n  trainyard rollback serve --reason "answers got worse"')
    .action(action(ctx, async (ref: string | undefined, target: string | undefined, options: CommonOptions & { reason?: string; wait?: boolean }) => {
      if (ref === undefined || target === undefined) throw new UsageError('usage: trainyard deploy MODEL:VERSION TARGET (or trainyard deploy target add FILE)');
      const { model, version } = parseRef(ref);
      const api = client(ctx.io, options);
      const requested = await api.deploy({ target, model, version, reason: options.reason });
      return report(ctx, api, requested, options);
    }));
  deploy.addCommand(configureCommand(ctx, targetCommand(ctx, deploy)));
  return deploy;
}

/** `trainyard rollback TARGET`. */
export function rollbackCommand(ctx: CliContext): Command {
  return createCommand('rollback')
    .summary('deploy the version a target served before its current one')
    .description('Finds the version the target served before (its deployment history) and deploys it; the target\'s alias follows when it succeeds.')
    .argument('<target>', 'a deploy target')
    .option('--reason <text>', 'why: kept with the deployment and the alias history')
    .option('--wait', 'follow the deployment and print each step; exit 1 unless it succeeded')
    .action(action(ctx, async (target: string, options: CommonOptions & { reason?: string; wait?: boolean }) => {
      const api = client(ctx.io, options);
      return report(ctx, api, await api.rollback(target, { reason: options.reason }), options);
    }));
}

/** `trainyard deployments [TARGET]`. */
export function deploymentsCommand(ctx: CliContext): Command {
  return createCommand('deployments')
    .summary('the deployment history, newest first')
    .argument('[target]', 'only this target')
    .option('--model <name>', 'only this model')
    .option('--limit <n>', 'at most this many (default 20)')
    .action(action(ctx, async (target: string | undefined, options: CommonOptions & { model?: string; limit?: string }) => {
      const limit = options.limit === undefined ? 20 : Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, not ${options.limit}`);
      const deployments = await client(ctx.io, options).deployments({ target, model: options.model, limit });
      if (options.json) printJson(ctx.io, { deployments });
      else if (deployments.length === 0) ctx.io.stdout.write('no deployments yet: trainyard deploy MODEL:VERSION TARGET\n');
      else ctx.io.stdout.write(deploymentTable(deployments, Date.now()));
      return EXIT.ok;
    }));
}

function targetCommand(ctx: CliContext, deploy: Command): Command {
  const target = new Command('target').addHelpCommand(false).summary('declare, list, show and remove deploy targets');
  // Commander hands `--json` and `--data-dir` written after `deploy target add …` to `deploy`,
  // which knows them too: they are passed down to the subcommand before it runs.
  target.hook('preSubcommand', (_target, sub) => {
    for (const [key, value] of Object.entries(deploy.opts())) if (value !== undefined) sub.setOptionValue(key, value);
  });
  for (const sub of [targetAddSub(ctx), targetLsSub(ctx), targetShowSub(ctx), targetRmSub(ctx)]) target.addCommand(configureCommand(ctx, sub));
  return target;
}

function targetAddSub(ctx: CliContext): Command {
  return createCommand('add')
    .summary('declare (or replace) a deploy target from a YAML or JSON file')
    .description(
      'A target file holds: name, kind (builtin, http-reload, vllm-lora, command), model, alias (default ' +
        'production: the target follows it), config (the kind\'s settings), smoke ({prompt, maxTokens, expect: ' +
        '{contains, matches, minLength, differsFromBase}}), watch ({windowSeconds, intervalSeconds, ' +
        'maxErrorRate, maxLatencyMs}). See docs/deployment.md.',
    )
    .argument('<file>', 'target file (.yaml, .yml or .json)')
    .action(action(ctx, async (file: string, options: CommonOptions) => {
      const { loadJobFile } = await import('./job-file.ts'); // yaml loads only here
      const loaded = loadJobFile(file, ctx.io.cwd, { holds: 'a deploy target file holds a mapping (name, kind, model, config, …)' });
      const { cwd: _cwd, ...spec } = loaded.spec; // the job-file reader adds the file's folder as cwd
      if (loaded.locate('cwd') !== null) spec.cwd = _cwd;
      if (typeof spec.name !== 'string') {
        const at = loaded.locate('name');
        throw new FileError(file, at?.line ?? 1, at?.column ?? 1, 'name: expected the target\'s name (a string)', 'name');
      }
      let saved: ApiDeployTarget;
      try {
        saved = await client(ctx.io, options).saveTarget(spec.name, spec as never);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 400) throw error;
        const at = error.field ? loaded.locate(error.field) ?? loaded.locate(error.field.split('.').slice(0, -1).join('.')) : null;
        throw new FileError(file, at?.line ?? null, at?.column ?? null, `${error.field ? `${error.field}: ` : ''}${stripFieldPrefix(error.message, error.field)}`, error.field);
      }
      if (options.json) printJson(ctx.io, saved);
      else ctx.io.stdout.write(`saved deploy target ${escapeControlChars(saved.name)}: ${describeTarget(saved)}\n`);
      return EXIT.ok;
    }));
}

function targetLsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list deploy targets with the version each serves')
    .action(action(ctx, async (options: CommonOptions) => {
      const targets = await client(ctx.io, options).targets();
      if (options.json) printJson(ctx.io, { targets });
      else if (targets.length === 0) ctx.io.stdout.write('no deploy targets: declare one with trainyard deploy target add FILE\n');
      else {
        const now = Date.now();
        ctx.io.stdout.write(renderTable(
          [{ header: 'NAME' }, { header: 'KIND' }, { header: 'FOLLOWS' }, { header: 'SERVES' }, { header: 'SINCE' }],
          targets.map((t) => [t.name, t.kind, `${t.model}@${t.alias}`, t.current ? `v${t.current.version}` : '-', formatRelative(t.current?.since, now)]),
        ));
      }
      return EXIT.ok;
    }));
}

function targetShowSub(ctx: CliContext): Command {
  return createCommand('show')
    .summary('a deploy target: spec, the version it serves, its last deployments')
    .argument('<name>', 'a deploy target')
    .action(action(ctx, async (name: string, options: CommonOptions) => {
      const detail = await client(ctx.io, options).target(name);
      if (options.json) printJson(ctx.io, detail);
      else {
        const now = Date.now();
        ctx.io.stdout.write(renderFields([
          ['name', detail.name],
          ['kind', detail.kind],
          ['follows', `${detail.model}@${detail.alias}`],
          ['serves', detail.current ? `v${detail.current.version} (deployment ${detail.current.deploymentId}, ${formatRelative(detail.current.since, now)})` : 'nothing yet'],
          ['reports', detail.live ? `${detail.live.model} v${detail.live.version}` : 'unknown'],
          ['smoke', detail.smoke ? JSON.stringify(detail.smoke) : 'none'],
          ['watch', `${detail.watch.windowSeconds} s, a probe every ${detail.watch.intervalSeconds} s, error rate ≤ ${detail.watch.maxErrorRate}${detail.watch.maxLatencyMs === null ? '' : `, median latency ≤ ${detail.watch.maxLatencyMs} ms`}`],
          ['config', JSON.stringify(detail.config)],
        ]));
        if (detail.deployments.length > 0) ctx.io.stdout.write(`\n${deploymentTable(detail.deployments, now)}`);
      }
      return EXIT.ok;
    }));
}

function targetRmSub(ctx: CliContext): Command {
  return createCommand('rm')
    .summary('remove a deploy target (its history stays)')
    .argument('<name>', 'a deploy target')
    .action(action(ctx, async (name: string, options: CommonOptions) => {
      await client(ctx.io, options).removeTarget(name);
      if (options.json) printJson(ctx.io, { removed: name });
      else ctx.io.stdout.write(`removed deploy target ${escapeControlChars(name)}\n`);
      return EXIT.ok;
    }));
}

/** `chat:3`, `chat@3`, `chat@production`, `chat:latest`. */
function parseRef(text: string): { model: string; version: number | string } {
  const match = /^([^:@]+)[:@](.+)$/.exec(text);
  const version = match ? parseVersionRef(match[2]) : null;
  if (!match || !MODEL_NAME.test(match[1]) || (typeof version === 'string' && version !== 'latest' && !ALIAS_NAME.test(version))) {
    throw new UsageError(`expected MODEL:VERSION (char-lm:3, char-lm:latest, char-lm@production), got ${JSON.stringify(text)}`);
  }
  return { model: match[1], version: version! };
}

/** Prints a requested deployment, or follows it to its end with --wait. */
async function report(ctx: CliContext, api: DeployClient, requested: ApiDeployment, options: CommonOptions & { wait?: boolean }): Promise<number> {
  const say = (line: string) => {
    if (!options.json) ctx.io.stdout.write(`${escapeControlChars(line)}\n`);
  };
  say(`deployment ${requested.id}: ${requested.model} v${requested.version} → ${requested.target} requested${requested.previousVersion === null ? '' : ` (serving v${requested.previousVersion})`}`);
  if (!options.wait) {
    if (options.json) printJson(ctx.io, requested);
    else say(`  follow it: trainyard deployments ${requested.target}   (or --wait)`);
    return EXIT.ok;
  }
  const seen = new Set<string>(['requested']);
  let current = requested;
  for (;;) {
    for (const step of STEPS) {
      if (current.steps[step] !== undefined && !seen.has(step)) {
        seen.add(step);
        if (!FINAL.includes(step)) say(`  ${step}`);
      }
    }
    if (FINAL.includes(current.state)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
    current = await api.deployment(requested.id);
  }
  if (options.json) printJson(ctx.io, current);
  else say(`deployment ${current.id}: ${current.state}${current.reason ? `: ${current.reason}` : ''}`);
  return current.state === 'succeeded' ? EXIT.ok : EXIT.failure;
}

function describeTarget(t: ApiDeployTarget): string {
  return `${t.kind}, follows ${t.model}@${t.alias}, ${t.current ? `serves v${t.current.version}` : 'serves nothing yet'}; watch ${t.watch.windowSeconds} s`;
}

function deploymentTable(deployments: readonly ApiDeployment[], now: number): string {
  return renderTable(
    [{ header: 'ID', align: 'right' }, { header: 'TARGET' }, { header: 'VERSION' }, { header: 'FROM' }, { header: 'STATE' }, { header: 'BY' }, { header: 'WHEN' }, { header: 'WHY', max: 80 }],
    deployments.map((d) => [
      String(d.id),
      d.target,
      `${d.model} v${d.version}`,
      d.previousVersion === null ? '-' : `v${d.previousVersion}`,
      d.state,
      d.requestedBy,
      formatRelative(d.createdAt, now),
      d.reason ?? d.cause ?? '',
    ]),
  );
}
