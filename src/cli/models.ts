/**
 * `trainyard model …`: the model registry (docs/registry.md). Create and list models, make a
 * checkpoint a version, move aliases with a reason, and read who moved them when and why.
 */
import { Command } from 'commander';
import { parseVersionRef } from '../core/registry.ts';
import { createRegistryClient, type ApiAliasMove, type ApiAliasMoveResult, type ApiModelDetail, type ApiModelSummary, type ApiModelVersion, type RegistryClient } from '../sdk/registry-client.ts';
import { action, type CliContext, collect, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { escapeControlChars, formatBytes, formatRelative, renderFields, renderTable } from './format.ts';
import { EXIT, type Io, positiveInteger, printJson, UsageError } from './io.ts';

export function modelCommand(ctx: CliContext): Command {
  const model = new Command('model')
    .addHelpCommand(false)
    .summary('the model registry: models, versions from checkpoints, aliases with history')
    .description(
      'Models group versions; a version is a registered checkpoint with its lineage (job, run, params, ' +
        'datasets) and pins the checkpoint file against retention. Aliases (production, staging, any name) ' +
        'point at a version and are moved with a reason; every move is kept in the alias history with who ' +
        'and when. `latest` is computed (the highest version) and cannot be set.',
    );
  for (const sub of [createSub(ctx), lsSub(ctx), showSub(ctx), versionSub(ctx), aliasSub(ctx), unaliasSub(ctx), historySub(ctx), editSub(ctx)]) {
    model.addCommand(configureCommand(ctx, sub));
  }
  return model;
}

function registry(io: Io, options: CommonOptions): RegistryClient {
  return createRegistryClient(serverOptions(io, options));
}

interface RuleOptions {
  /** false: `--no-promote` (edit). */
  promote?: string | false;
  margin?: string;
  relative?: boolean;
  suite?: string;
  jobTag?: string;
}

function withRuleOptions(command: Command): Command {
  return command
    .option('--promote <alias>', 'promotion rule: move ALIAS to an evaluated checkpoint that beats it (see docs/registry.md)')
    .option('--margin <m>', 'promotion rule: how much higher the composite score must be (default: 0)')
    .option('--relative', 'promotion rule: the margin is a fraction of the alias\'s score (0.02 = 2 %)')
    .option('--suite <suite>', 'promotion rule: watch evaluations by this eval suite only (default: every suite)')
    .option('--job-tag <tag>', 'promotion rule: only checkpoints of jobs with this tag (default: every job)');
}

/** The promotion rule the options ask for; undefined when they name none. */
function ruleOf(options: RuleOptions): PromotionRule | undefined {
  if (options.promote === undefined || options.promote === false) {
    if (options.margin !== undefined || options.relative || options.suite !== undefined || options.jobTag !== undefined) {
      throw new UsageError('--margin, --relative, --suite and --job-tag need --promote ALIAS');
    }
    return undefined;
  }
  const margin = options.margin === undefined ? 0 : Number(options.margin);
  if (!Number.isFinite(margin) || margin < 0) throw new UsageError(`--margin must be a number >= 0, not ${options.margin}`);
  return { alias: options.promote, margin, relative: Boolean(options.relative), suite: options.suite ?? null, jobTag: options.jobTag ?? null };
}

type PromotionRule = { alias: string; margin: number; relative: boolean; suite?: string | null; jobTag?: string | null };

function createSub(ctx: CliContext): Command {
  return withRuleOptions(
    createCommand('create')
      .summary('create a model')
      .argument('<name>', 'letters, digits, ".", "_" and "-"')
      .option('--description <text>', 'what the model is')
      .option('--tag <tag>', 'a tag (repeatable)', collect),
  ).action(action(ctx, async (name: string, options: CommonOptions & RuleOptions & { description?: string; tag?: string[] }) => {
    const made = await registry(ctx.io, options).create({ name, description: options.description, tags: options.tag, promotionRule: ruleOf(options) });
    if (options.json) printJson(ctx.io, made);
    else ctx.io.stdout.write(`created model ${escapeControlChars(made.name)}${made.promotionRule ? ` (promotes ${describeRule(made.promotionRule)})` : ''}\n`);
    return EXIT.ok;
  }));
}

function lsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list models with their latest version and aliases')
    .action(action(ctx, async (options: CommonOptions) => {
      const models = await registry(ctx.io, options).list();
      if (options.json) printJson(ctx.io, { models });
      else ctx.io.stdout.write(renderModels(models, ctx.io.now()));
      return EXIT.ok;
    }));
}

function showSub(ctx: CliContext): Command {
  return createCommand('show')
    .summary('a model: its versions with lineage, and its aliases')
    .argument('<name>')
    .action(action(ctx, async (name: string, options: CommonOptions) => {
      const detail = await registry(ctx.io, options).show(name);
      if (options.json) printJson(ctx.io, detail);
      else ctx.io.stdout.write(renderModel(detail, ctx.io.now()));
      return EXIT.ok;
    }));
}

function versionSub(ctx: CliContext): Command {
  return createCommand('version')
    .summary("make a checkpoint the model's next version (it pins the checkpoint against retention)")
    .argument('<name>')
    .requiredOption('--checkpoint <id>', 'checkpoint id (`trainyard checkpoints JOB` lists them)')
    .option('--notes <text>', 'notes on the version')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .action(action(ctx, async (name: string, options: CommonOptions & { checkpoint: string; notes?: string; tag?: string[] }) => {
      const checkpointId = positiveInteger(options.checkpoint, '--checkpoint');
      const made = await registry(ctx.io, options).createVersion(name, { checkpointId, notes: options.notes, tags: options.tag });
      if (options.json) printJson(ctx.io, made);
      else {
        const { checkpoint, job } = made.lineage;
        ctx.io.stdout.write(`${made.created ? 'created' : 'already'} ${escapeControlChars(made.model)} v${made.version}: checkpoint ${checkpoint.id} (job ${job.id} ${escapeControlChars(job.name)}, step ${checkpoint.step})\n`);
      }
      return EXIT.ok;
    }));
}

function aliasSub(ctx: CliContext): Command {
  return createCommand('alias')
    .summary('point an alias at a version (set or move it), with a reason')
    .argument('<name>')
    .argument('<version>', 'a version number, latest, or another alias')
    .argument('<alias>', 'production, staging, or any name starting with a letter (not latest)')
    .option('--reason <text>', 'why: kept in the alias history')
    .option('--expect <version>', 'only if the alias points at this version now ("none": unset); else fail')
    .action(action(ctx, async (name: string, ref: string, alias: string, options: CommonOptions & { reason?: string; expect?: string }) => {
      const client = registry(ctx.io, options);
      const parsed = parseVersionRef(ref);
      const version = typeof parsed === 'number' ? parsed : (await client.version(name, parsed)).version;
      const expectedVersion = options.expect === undefined ? undefined : options.expect === 'none' ? null : positiveInteger(options.expect, '--expect');
      const result = await client.moveAlias(name, alias, { version, reason: options.reason, expectedVersion });
      if (options.json) printJson(ctx.io, result);
      else ctx.io.stdout.write(describeMove(name, alias, result));
      return EXIT.ok;
    }));
}

function unaliasSub(ctx: CliContext): Command {
  return createCommand('unalias')
    .summary('delete an alias, with a reason (kept in its history)')
    .argument('<name>')
    .argument('<alias>')
    .option('--reason <text>', 'why: kept in the alias history')
    .action(action(ctx, async (name: string, alias: string, options: CommonOptions & { reason?: string }) => {
      const result = await registry(ctx.io, options).deleteAlias(name, alias, { reason: options.reason });
      if (options.json) printJson(ctx.io, result);
      else ctx.io.stdout.write(describeMove(name, alias, result));
      return EXIT.ok;
    }));
}

function historySub(ctx: CliContext): Command {
  return createCommand('history')
    .summary('who moved which alias when, from which version to which, and why (oldest first)')
    .argument('<name>')
    .argument('[alias]', 'one alias; default: all')
    .action(action(ctx, async (name: string, alias: string | undefined, options: CommonOptions) => {
      const moves = await registry(ctx.io, options).history(name, alias);
      if (options.json) printJson(ctx.io, { moves });
      else ctx.io.stdout.write(renderHistory(moves));
      return EXIT.ok;
    }));
}

function editSub(ctx: CliContext): Command {
  return withRuleOptions(
    createCommand('edit')
      .summary("edit a model's description, tags or promotion rule (NAME), or a version's notes and tags (NAME@VERSION)")
      .argument('<name>', 'a model (chat), or one of its versions (chat@3)')
      .option('--description <text>', "the model's description")
      .option('--notes <text>', "the version's notes")
      .option('--tag <tag>', 'the tags, replacing the old ones (repeatable)', collect)
      .option('--no-tags', 'remove every tag'),
  )
    // After --promote <alias>: defined first, --no-promote would make `promote` default to true.
    .option('--no-promote', 'remove the promotion rule')
    .action(action(ctx, async (target: string, options: CommonOptions & RuleOptions & { description?: string; notes?: string; tag?: string[]; tags?: boolean }) => {
    const client = registry(ctx.io, options);
    const tags = options.tags === false ? [] : options.tag;
    const [name, version] = target.split('@', 2);
    if (version !== undefined) {
      if (options.description !== undefined || options.promote !== undefined) throw new UsageError(`--description and --promote edit a model: name it without @${version}`);
      const edited = await client.updateVersion(name, positiveInteger(version, 'the version after @'), { notes: options.notes, tags });
      if (options.json) printJson(ctx.io, edited);
      else ctx.io.stdout.write(`edited ${escapeControlChars(edited.model)} v${edited.version}\n`);
      return EXIT.ok;
    }
    if (options.notes !== undefined) throw new UsageError(`--notes edits a version: name it as ${name}@VERSION`);
    const promotionRule = options.promote === false ? null : ruleOf(options);
    const edited = await client.update(name, { description: options.description, tags, promotionRule });
    if (options.json) printJson(ctx.io, edited);
    else ctx.io.stdout.write(`edited model ${escapeControlChars(edited.name)}${edited.promotionRule ? ` (promotes ${describeRule(edited.promotionRule)})` : ''}\n`);
    return EXIT.ok;
  }));
}


function describeRule(rule: PromotionRule): string {
  const margin = rule.relative ? `${Number((rule.margin * 100).toPrecision(6))} %` : String(rule.margin);
  const suite = rule.suite ? `on ${rule.suite}` : 'on its suite';
  const jobs = rule.jobTag ? `, checkpoints of jobs tagged ${rule.jobTag}` : '';
  return `${rule.alias} when the composite score ${suite} beats it by more than ${margin}${jobs}`;
}

function describeMove(name: string, alias: string, result: ApiAliasMoveResult): string {
  const label = `${escapeControlChars(name)}@${escapeControlChars(alias)}`;
  if (result.move === null) return `${label} points at v${result.alias?.version} already: nothing moved\n`;
  const { from, to, reason } = result.move;
  return `${label}: ${from === null ? 'unset' : `v${from}`} → ${to === null ? 'deleted' : `v${to}`}${reason ? ` (${escapeControlChars(reason)})` : ''}\n`;
}

export function renderModels(models: readonly ApiModelSummary[], now: number): string {
  if (models.length === 0) return 'no models: create one with `trainyard model create NAME`\n';
  return renderTable(
    [{ header: 'NAME', max: 40 }, { header: 'LATEST', align: 'right' }, { header: 'VERSIONS', align: 'right' }, { header: 'ALIASES', max: 60 }, { header: 'TAGS', max: 40 }, { header: 'UPDATED' }],
    models.map((m) => [
      m.name,
      m.latest === null ? '-' : `v${m.latest}`,
      String(m.versions),
      Object.entries(m.aliases).map(([alias, v]) => `${alias}=v${v}`).join(' ') || '-',
      m.tags.join(', ') || '-',
      formatRelative(m.updatedAt, now),
    ]),
  );
}

export function renderModel(model: ApiModelDetail, now: number): string {
  const fields: [string, string][] = [
    ['description', model.description ?? '-'],
    ['tags', model.tags.join(', ') || '-'],
    ['latest', model.latest === null ? '-' : `v${model.latest}`],
    ['promotion', model.promotionRule ? describeRule(model.promotionRule) : 'none (aliases move by hand)'],
    ['created', `${formatRelative(model.createdAt, now)} by ${model.createdBy}`],
  ];
  let text = `model ${escapeControlChars(model.name)}\n${renderFields(fields)}`;
  if (model.aliases.length > 0) {
    text += `\naliases\n${renderTable(
      [{ header: 'ALIAS' }, { header: 'VERSION', align: 'right' }, { header: 'MOVED' }, { header: 'BY', max: 40 }, { header: 'REASON', max: 60 }],
      model.aliases.map((a) => [a.alias, `v${a.version}`, formatRelative(a.movedAt, now), a.movedBy, a.reason ?? '-']),
    )}`;
  }
  text += model.versions.length === 0 ? '\nno versions: make one with `trainyard model version NAME --checkpoint ID`\n' : `\nversions\n${renderVersions(model.versions, now)}`;
  return text;
}

function renderVersions(versions: readonly ApiModelVersion[], now: number): string {
  return renderTable(
    [
      { header: 'VERSION', align: 'right' }, { header: 'CHECKPOINT', align: 'right' }, { header: 'JOB', max: 30 }, { header: 'STEP', align: 'right' },
      { header: 'SIZE', align: 'right' }, { header: 'FROM', max: 50 }, { header: 'DATASETS', max: 40 }, { header: 'EVALUATIONS', max: 60 }, { header: 'ALIASES' }, { header: 'CREATED' },
      { header: 'NOTES', max: 50 },
    ],
    versions.map((v) => {
      const { checkpoint, job, datasets, evaluations } = v.lineage;
      return [
        `v${v.version}`, String(checkpoint.id), `${job.id} ${job.name}`, String(checkpoint.step), formatBytes(checkpoint.bytes), describeFrom(job.from),
        datasets.map((d) => `${d.name}@${d.version}`).join(' ') || '-', describeEvaluations(evaluations), v.aliases.join(' ') || '-',
        formatRelative(v.createdAt, now), v.notes ?? '-',
      ];
    }),
  );
}

/** `checkpoint 12 (job 3, step 100; chat v1)`: what the version's job started from (`from:`), `-` when fresh. */
function describeFrom(from: ApiModelVersion['lineage']['job']['from']): string {
  if (from === null) return '-';
  const versions = from.checkpointVersions.map((v) => `${v.model} v${v.version}`).join(', ');
  return `checkpoint ${from.checkpointId} (job ${from.jobId}, step ${from.step}${versions ? `; ${versions}` : ''})`;
}

/** `heldout pass 0.2 REGRESSION (overridden)`, one per evaluation the lineage recorded. */
function describeEvaluations(evaluations: ApiModelVersion['lineage']['evaluations']): string {
  if (evaluations.length === 0) return '-';
  return evaluations
    .map((e) => {
      if (e.state === 'running') return `${e.suite} running`;
      const marks = `${e.regressed ? ' REGRESSION' : ''}${e.override ? ' (overridden)' : ''}`;
      return `${e.suite} ${e.verdict}${e.score === null ? '' : ` ${Number(e.score.toPrecision(4))}`}${marks}`;
    })
    .join(', ');
}

export function renderHistory(moves: readonly ApiAliasMove[]): string {
  if (moves.length === 0) return 'no alias moves\n';
  return renderTable(
    [{ header: 'WHEN' }, { header: 'ALIAS' }, { header: 'FROM', align: 'right' }, { header: 'TO', align: 'right' }, { header: 'BY', max: 40 }, { header: 'REASON', max: 80 }],
    moves.map((m) => [new Date(m.at).toISOString(), m.alias, m.from === null ? '-' : `v${m.from}`, m.to === null ? 'deleted' : `v${m.to}`, m.by, m.reason ?? '-']),
  );
}
