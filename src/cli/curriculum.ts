/**
 * `trainyard curriculum ls|show|apply|set-level|run`: curricula (docs/curriculum.md). A
 * curriculum is a job family with levels; evaluations of the current level's jobs promote it
 * (or demote it); this command applies the spec, shows where it stands and its history, moves
 * it by hand and submits a level's job.
 */
import { Command } from 'commander';
import { ApiError } from '../sdk/client.ts';
import { createCurriculaClient, type CurriculumDetail, type CurriculumInfo, type CurriculumMove } from '../sdk/curricula-client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { escapeControlChars, formatRelative, renderFields, renderTable } from './format.ts';
import { EXIT, printJson, UsageError } from './io.ts';

export function curriculumCommand(ctx: CliContext): Command {
  const curriculum = new Command('curriculum')
    .summary('apply, show and move curricula (job families with levels)')
    .description(
      'A curriculum is a job family with levels (docs/curriculum.md): each level is a job (the base job with an ' +
        "overlay), datasets and an eval suite. Evaluations of the current level's jobs promote it when the metric " +
        'passes over the last K of them, or demote it below a floor; every move is kept in its history.',
    );
  for (const sub of [lsSub(ctx), showSub(ctx), applySub(ctx), setLevelSub(ctx), runSub(ctx)]) curriculum.addCommand(configureCommand(ctx, sub));
  return curriculum;
}

const client = (ctx: CliContext, options: CommonOptions) => createCurriculaClient(serverOptions(ctx.io, options));

function lsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list the curricula with their current level')
    .action(action(ctx, async (options: CommonOptions) => {
      const curricula = await client(ctx, options).list();
      if (options.json) printJson(ctx.io, { curricula });
      else ctx.io.stdout.write(curricula.length === 0 ? 'no curricula (trainyard curriculum apply FILE)\n' : renderCurricula(curricula, ctx.io.now()));
      return EXIT.ok;
    }));
}

function showSub(ctx: CliContext): Command {
  return createCommand('show')
    .summary("show a curriculum: its levels, where it stands, the level's window of values, its history")
    .argument('<name>', 'curriculum name')
    .action(action(ctx, async (name: string, options: CommonOptions) => {
      const detail = await client(ctx, options).get(name);
      if (options.json) printJson(ctx.io, detail);
      else ctx.io.stdout.write(renderCurriculum(detail, ctx.io.now()));
      return EXIT.ok;
    }));
}

function applySub(ctx: CliContext): Command {
  return createCommand('apply')
    .summary('create or replace a curriculum from a YAML or JSON file')
    .description(
      'Create a curriculum (at its first level) or replace its spec (it stays at its current level, by name). ' +
        "The file holds name, metric, promote {atLeast|atMost, over, ema}, demote {below|above, over}, job (the base job " +
        "spec; cwd relative to the file, default the file's directory) and levels [{name, suite, job, generate}]. " +
        'Errors name the file, line and field.',
    )
    .argument('<file>', 'curriculum file (.yaml, .yml or .json)')
    .addHelpText('after', '\nExample:\n  trainyard curriculum apply curriculum.yaml\n  trainyard curriculum run arith')
    .action(action(ctx, async (file: string, options: CommonOptions) => {
      const { loadCurriculumFile } = await import('./curriculum-file.ts'); // yaml and zod load only here
      const loaded = loadCurriculumFile(file, ctx.io.cwd);
      const name = String(loaded.spec.name);
      let applied;
      try {
        applied = await client(ctx, options).apply(name, loaded.spec as never);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 400) throw error;
        throw loaded.problem(error.field, error.message);
      }
      if (options.json) printJson(ctx.io, applied);
      else {
        const c = applied.curriculum;
        const what = applied.created ? `created curriculum ${c.name}` : applied.changed ? `updated curriculum ${c.name} to version ${c.version}` : `curriculum ${c.name} is unchanged (version ${c.version})`;
        ctx.io.stdout.write(`${escapeControlChars(what)}: at level ${c.level} ${escapeControlChars(c.levelName)} of ${c.spec.levels.length} (${c.state})\n  run its job: trainyard curriculum run ${escapeControlChars(c.name)}\n`);
      }
      return EXIT.ok;
    }));
}

function setLevelSub(ctx: CliContext): Command {
  return createCommand('set-level')
    .summary('move a curriculum to a level by hand (kept in its history as set)')
    .argument('<name>', 'curriculum name')
    .argument('<level>', 'level name or index')
    .requiredOption('--reason <text>', 'why (kept in the history)')
    .action(action(ctx, async (name: string, level: string, options: CommonOptions & { reason: string }) => {
      if (options.reason.trim() === '') throw new UsageError('--reason must say why');
      const move = await client(ctx, options).setLevel(name, level, options.reason);
      if (options.json) printJson(ctx.io, move);
      else ctx.io.stdout.write(`curriculum ${escapeControlChars(name)}: ${escapeControlChars(describeMove(move))}\n`);
      return EXIT.ok;
    }));
}

function runSub(ctx: CliContext): Command {
  return createCommand('run')
    .summary("submit the current level's job (or, with --generate, its data-generation job)")
    .argument('<name>', 'curriculum name')
    .option('--generate', "the level's data-generation job")
    .action(action(ctx, async (name: string, options: CommonOptions & { generate?: boolean }) => {
      const job = await client(ctx, options).run(name, options.generate ? 'generate' : 'train');
      if (options.json) printJson(ctx.io, job);
      else ctx.io.stdout.write(`submitted job ${job.id} (${escapeControlChars(job.spec.name)}): ${options.generate ? 'generate' : 'train'}, tags ${escapeControlChars(job.spec.tags.join(', '))}\n`);
      return EXIT.ok;
    }));
}

export function renderCurricula(curricula: readonly CurriculumInfo[], now: number): string {
  return renderTable(
    [{ header: 'CURRICULUM', max: 40 }, { header: 'LEVEL', max: 30 }, { header: 'STATE' }, { header: 'RULE', max: 70 }, { header: 'ENTERED' }, { header: 'VERSION' }],
    curricula.map((c) => [c.name, `${c.level + 1}/${c.spec.levels.length} ${c.levelName}`, c.state, rule(c), formatRelative(c.enteredAt, now), String(c.version)]),
  );
}

export function renderCurriculum(c: CurriculumDetail, now: number): string {
  const fmt = (v: number | null) => (v === null ? 'NaN' : String(Number(v.toPrecision(4))));
  const { values, smoothed, need } = c.window;
  const windowText = values.length === 0 ? `none yet (${need} needed)` : `${values.map((v) => fmt(v.value)).join(', ')} (${values.length} counted, the last ${need} decide)`;
  let text = renderFields([
    ['curriculum', `${c.name} (version ${c.version})`],
    ['level', `${c.level} ${c.levelName} · entered ${formatRelative(c.enteredAt, now)}`],
    ['state', c.state === 'completed' ? 'completed (the last level was passed)' : 'active'],
    ['rule', rule(c)],
    ['window', windowText],
    ...(smoothed ? [['smoothed', smoothed.map(fmt).join(', ')] as [string, string]] : []),
  ]);
  text += `\n${renderTable(
    [{ header: '#' }, { header: 'LEVEL', max: 30 }, { header: 'SUITE', max: 30 }, { header: 'GENERATE' }, { header: '' }],
    c.spec.levels.map((l, i) => [String(i), l.name, l.suite, l.generate ? 'yes' : '-', i === c.level ? '← current' : '']),
  )}`;
  text += c.history.length === 0 ? '\nno moves yet\n' : `\nhistory:\n${renderTable(
    [{ header: 'ID' }, { header: 'WHEN' }, { header: 'MOVE', max: 40 }, { header: 'BY' }, { header: 'CAUSE' }, { header: 'REASON', max: 100 }],
    c.history.map((h) => [String(h.id), formatRelative(h.at, now), moveText(h), h.by, h.causeEventId === null ? '-' : `event ${h.causeEventId}`, h.reason]),
  )}`;
  return text;
}

function rule(c: CurriculumInfo): string {
  const { metric, promote, demote } = c.spec;
  const up = promote.atLeast !== undefined ? `≥ ${promote.atLeast}` : `≤ ${promote.atMost}`;
  const ema = promote.ema !== undefined ? `, EMA ${promote.ema}` : '';
  const down = demote ? `; demote ${demote.below !== undefined ? `< ${demote.below}` : `> ${demote.above}`} over ${demote.over}` : '';
  return `${metric} ${up} over ${promote.over}${ema}${down}`;
}

function moveText(m: CurriculumMove): string {
  return m.completed ? `${m.direction} ${m.fromLevel} → completed` : `${m.direction} ${m.fromLevel} → ${m.toLevel}`;
}

function describeMove(m: CurriculumMove): string {
  return `${moveText(m)} (history ${m.id}): ${m.reason}`;
}
