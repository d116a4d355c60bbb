/**
 * `trainyard data …`: register, list, show, check and validate datasets; list and add formats.
 * `data validate` runs here, without a server (a user format is read from a definition file, or
 * looked up on the server when one is running). Validation commands exit 1 when the data fails.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDatasetRef, VALIDATION_LEVELS, type ValidationLevel, type ValidationSettings } from '../core/datasets.ts';
import type { FormatSpec } from '../datasets/index.ts';
import { createDatasetClient, type DatasetClient } from '../sdk/datasets-client.ts';
import { action, type CliContext, collect, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { findLocalServer, NoServerError, readAdminToken, resolveDataDir } from './connect.ts';
import { renderDatasetList, renderReport, renderVersion } from './data-report.ts';
import { renderTable } from './format.ts';
import { CliError, EXIT, type Io, printJson, UsageError } from './io.ts';

interface ValidateOptions extends CommonOptions {
  format: string;
  level?: string;
  eval?: string[];
  maxTokens?: string;
  charsPerToken?: string;
  threshold?: string;
}

/**
 * The validators and formats, loaded by the commands that use them: they bring ajv and zod,
 * which would double the start-up time of every other `trainyard` command.
 */
const datasets = () => import('../datasets/index.ts');
const userFormats = () => import('../datasets/formats/user-format.ts');

/** `--format`'s help: the built-in names are listed by `data formats` (listing them here would load the formats). */
const FORMAT_HELP = 'format: a built-in one (`trainyard data formats` lists them)';

export function dataCommand(ctx: CliContext): Command {
  const data = new Command('data')
    .addHelpCommand(false)
    .summary('register, validate and inspect datasets')
    .description(
      'Datasets: versioned (content-addressed), validated training data. `data add` copies a file or folder ' +
        'into the server\'s data directory and validates it; a job names versions in its spec ' +
        '(datasets: {train: chat-v3@2}) and is refused unless they passed its datasetLevel. ' +
        'Depths: quick (a sample), standard (every row), deep (near-duplicates, contamination, leakage).',
    );
  for (const sub of [addSub(ctx), lsSub(ctx), showSub(ctx), validateSub(ctx), checkSub(ctx), formatsSub(ctx)]) {
    data.addCommand(configureCommand(ctx, sub));
  }
  return data;
}


/** The server this command talks to, in connect.ts's order (`--data-dir`, TRAINYARD_URL, the data dir). */
export function datasetClient(io: Io, options: { dataDir?: string }): DatasetClient {
  const dataDir = resolveDataDir(io, options.dataDir);
  if (options.dataDir === undefined && io.env.TRAINYARD_URL) {
    return createDatasetClient({ url: io.env.TRAINYARD_URL, token: io.env.TRAINYARD_TOKEN || readAdminToken(dataDir) });
  }
  const info = findLocalServer(dataDir);
  if (!info) throw new NoServerError(dataDir);
  const token = readAdminToken(dataDir) ?? (io.env.TRAINYARD_TOKEN || null);
  if (!token) throw new CliError(`no admin token in ${dataDir}/admin-token: set TRAINYARD_TOKEN`, 1, { code: 'no_token' });
  return createDatasetClient({ url: info.url, token });
}

function withValidationOptions(command: Command): Command {
  return command
    .option('--level <level>', `depth: ${VALIDATION_LEVELS.join(', ')} (default: standard)`)
    .option('--eval <dataset>', 'eval set to check contamination against at depth deep (repeatable)', collect)
    .option('--max-tokens <n>', 'row length limit in estimated tokens (default: 8192)')
    .option('--chars-per-token <n>', 'characters a token, for the estimate (default: 4)')
    .option('--threshold <x>', 'near-duplicate Jaccard similarity, 0-1 (default: 0.8)');
}

function parseLevel(text: string | undefined): ValidationLevel {
  if (text === undefined) return 'standard';
  if (!(VALIDATION_LEVELS as readonly string[]).includes(text)) throw new UsageError(`--level must be one of ${VALIDATION_LEVELS.join(', ')}, not ${text}`);
  return text as ValidationLevel;
}

function parseSettings(options: ValidateOptions): Partial<ValidationSettings> | undefined {
  const out: Record<string, number> = {};
  const number = (text: string | undefined, flag: string, key: keyof ValidationSettings, max = Infinity) => {
    if (text === undefined) return;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0 || value > max) throw new UsageError(`${flag} must be a positive number${max < Infinity ? ` up to ${max}` : ''}, not ${text}`);
    out[key] = value;
  };
  number(options.maxTokens, '--max-tokens', 'maxTokens');
  number(options.charsPerToken, '--chars-per-token', 'charsPerToken');
  number(options.threshold, '--threshold', 'nearDuplicateThreshold', 1);
  return Object.keys(out).length > 0 ? out : undefined;
}

function parseRef(text: string): { name: string; version: number | undefined } {
  const ref = parseDatasetRef(text);
  if (!ref) throw new UsageError(`${text} is not NAME or NAME@VERSION`);
  return { name: ref.name, version: ref.version ?? undefined };
}

function addSub(ctx: CliContext): Command {
  return withValidationOptions(
    createCommand('add')
      .summary('register a file or folder as the next version of a dataset')
      .description(
        'Copies PATH (a file, .gz read transparently, or a folder) into the server\'s data directory, ' +
          'validates the copy and registers it as the next version of NAME. The same content again returns ' +
          'its existing version. A version that fails validation is registered too, marked failed; jobs refuse it. ' +
          'PATH is read by the server: it must exist on the server\'s machine. Exits 1 when validation fails.',
      )
      .argument('<name>', 'dataset name')
      .argument('<path>', 'file or folder')
      .requiredOption('--format <format>', `${FORMAT_HELP} or a registered one`),
  ).action(action(ctx, async (name: string, path: string, options: ValidateOptions) => {
    const result = await datasetClient(ctx.io, options).register({
      name,
      path: resolve(ctx.io.cwd, path),
      format: options.format,
      level: parseLevel(options.level),
      ...(options.eval ? { eval: options.eval } : {}),
      ...(parseSettings(options) ? { settings: parseSettings(options) } : {}),
    });
    if (options.json) printJson(ctx.io, result);
    else {
      ctx.io.stdout.write(renderReport(result.report));
      ctx.io.stdout.write(`\n${result.created ? 'registered' : 'already registered as'} ${result.name}@${result.version} (sha256 ${result.sha256.slice(0, 12)}…)${result.report.passed ? '' : ': FAILED validation, jobs will refuse it'}\n`);
    }
    return result.report.passed ? EXIT.ok : EXIT.failure;
  }));
}

function lsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list datasets with their latest version')
    .action(action(ctx, async (options: CommonOptions) => {
      const datasets = await datasetClient(ctx.io, options).list();
      if (options.json) printJson(ctx.io, { datasets });
      else ctx.io.stdout.write(renderDatasetList(datasets, ctx.io.now()));
      return EXIT.ok;
    }));
}

function showSub(ctx: CliContext): Command {
  return createCommand('show')
    .summary('show a version: hashes, depths, validations, latest report, runs that read it')
    .argument('<dataset>', 'NAME (the latest version) or NAME@VERSION')
    .option('--versions', 'list every version of the dataset instead')
    .action(action(ctx, async (text: string, options: CommonOptions & { versions?: boolean }) => {
      const { name, version } = parseRef(text);
      const client = datasetClient(ctx.io, options);
      if (options.versions) {
        const versions = await client.versions(name);
        if (options.json) printJson(ctx.io, { name, versions });
        else {
          ctx.io.stdout.write(renderTable(
            [{ header: 'VERSION', align: 'right' }, { header: 'SHA256' }, { header: 'ROWS', align: 'right' }, { header: 'QUICK' }, { header: 'STANDARD' }, { header: 'DEEP' }, { header: 'SOURCE', max: 50 }],
            versions.map((v) => [`@${v.version}`, v.sha256.slice(0, 12), String(v.rows), v.levels.quick, v.levels.standard, v.levels.deep, v.source]),
          ));
        }
        return EXIT.ok;
      }
      const [detail, lineage] = await Promise.all([client.get(name, version), client.runs(name, version)]);
      if (options.json) {
        printJson(ctx.io, { ...detail, runs: lineage.runs });
        return EXIT.ok;
      }
      const records = detail.validations.map(({ report: _report, ...record }) => record);
      ctx.io.stdout.write(renderVersion({ ...detail, validations: records }, lineage.runs, ctx.io.now()));
      const latest = detail.validations.at(-1)?.report;
      if (latest) ctx.io.stdout.write(`\nlatest report\n${renderReport(latest)}`);
      return EXIT.ok;
    }));
}

function validateSub(ctx: CliContext): Command {
  return withValidationOptions(
    createCommand('validate')
      .summary('validate a file or folder here, without registering it')
      .description(
        'Validates PATH on this machine (no server needed). --format is a built-in format, a format ' +
          'definition file (.json), or the name of a format registered on the server. --eval takes files ' +
          '(read with --eval-format, default: --format). Exits 1 when validation fails.',
      )
      .argument('<path>', 'file (.gz read transparently) or folder')
      .requiredOption('--format <format>', `${FORMAT_HELP}, a definition file, or a registered format`)
      .option('--eval-format <format>', 'format of the --eval files (default: --format)'),
  ).action(action(ctx, async (path: string, options: ValidateOptions & { evalFormat?: string }) => {
    const format = await localFormat(ctx.io, options.format, options);
    const evalFormat = options.evalFormat ? await localFormat(ctx.io, options.evalFormat, options) : format;
    const { validateFile } = await datasets();
    const report = await validateFile(resolve(ctx.io.cwd, path), {
      format,
      level: parseLevel(options.level),
      evalSets: (options.eval ?? []).map((p) => ({ ref: p, path: resolve(ctx.io.cwd, p), format: evalFormat })),
      settings: parseSettings(options),
      displayName: path,
    });
    if (options.json) printJson(ctx.io, report);
    else ctx.io.stdout.write(renderReport(report));
    return report.passed ? EXIT.ok : EXIT.failure;
  }));
}

/** A format for local validation: built-in, a definition file, or a server's registered format. */
async function localFormat(io: Io, name: string, options: CommonOptions): Promise<FormatSpec> {
  const [{ BUILTIN_FORMATS, parseFormatDefinition }, { createUserFormat }] = await Promise.all([datasets(), userFormats()]);
  const builtin = BUILTIN_FORMATS.get(name);
  if (builtin) return builtin;
  if (name.endsWith('.json')) {
    let text: string;
    try {
      text = readFileSync(resolve(io.cwd, name), 'utf8');
    } catch (error) {
      throw new CliError(`cannot read format file ${name}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CliError(`${name}: not JSON: ${(error as Error).message}`);
    }
    return createUserFormat(parseFormatDefinition(parsed));
  }
  let client: DatasetClient;
  try {
    client = datasetClient(io, options);
  } catch {
    throw new UsageError(`unknown format ${name}: not built-in (${[...BUILTIN_FORMATS.keys()].join(', ')}), not a .json definition file, and no server to look it up`);
  }
  const found = await client.format(name);
  if (found.builtin) throw new CliError(`format ${name} has no definition on the server`);
  return createUserFormat(found.definition);
}

function checkSub(ctx: CliContext): Command {
  return withValidationOptions(
    createCommand('check')
      .summary('validate a registered version again (another depth, other eval sets)')
      .description(
        'Validates the stored copy of a registered version at --level (against --eval sets, at deep) and ' +
          'records the report: what a job at that depth needs. Exits 1 when validation fails.',
      )
      .argument('<dataset>', 'NAME (the latest version) or NAME@VERSION'),
  ).action(action(ctx, async (text: string, options: ValidateOptions) => {
    const { name, version } = parseRef(text);
    const result = await datasetClient(ctx.io, options).check(name, version, {
      level: parseLevel(options.level),
      ...(options.eval ? { eval: options.eval } : {}),
      ...(parseSettings(options) ? { settings: parseSettings(options) } : {}),
    });
    if (options.json) printJson(ctx.io, result);
    else ctx.io.stdout.write(`${renderReport(result.report)}\nrecorded for ${result.name}@${result.version}\n`);
    return result.report.passed ? EXIT.ok : EXIT.failure;
  }));
}

function formatsSub(ctx: CliContext): Command {
  // The options live on the subcommands (`ls` is the default): `formats add F --json` and
  // `formats --json` both reach the subcommand that uses them.
  const formats = new Command('formats')
    .summary('list formats (built-in and registered); `formats add FILE` registers one')
    .addHelpCommand(false);
  const ls = createCommand('ls')
    .summary('list built-in and registered formats (built-in only when no server runs)')
    .action(action(ctx, async (options: CommonOptions) => {
      const { builtinFormats } = await datasets();
      let list: Array<{ name: string; description: string; builtin: boolean }> = builtinFormats().map((f) => ({ ...f, builtin: true }));
      let note = '';
      try {
        list = await datasetClient(ctx.io, options).formats();
      } catch (error) {
        if (!(error instanceof NoServerError)) throw error;
        note = '(no server running: built-in formats only)\n';
      }
      if (options.json) printJson(ctx.io, { formats: list });
      else ctx.io.stdout.write(note + renderTable([{ header: 'FORMAT' }, { header: 'KIND' }, { header: 'DESCRIPTION', max: 100 }], list.map((f) => [f.name, f.builtin ? 'built-in' : 'user', f.description])));
      return EXIT.ok;
    }));
  const add = createCommand('add')
    .summary('register a user format from a JSON definition file')
    .description('FILE: {"name", "description"?, "schema": JSON Schema of a row, "unique"?: [fields], "textFields"?, "promptField"?, "answerField"?}. Formats are immutable once registered.')
    .argument('<file>', 'format definition (.json)')
    .action(action(ctx, async (file: string, options: CommonOptions) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(resolve(ctx.io.cwd, file), 'utf8'));
      } catch (error) {
        throw new CliError(`${file}: ${(error as Error).message}`);
      }
      const { parseFormatDefinition } = await datasets();
      const definition = parseFormatDefinition(parsed);
      const stored = await datasetClient(ctx.io, options).registerFormat(definition);
      if (options.json) printJson(ctx.io, stored);
      else ctx.io.stdout.write(`format ${stored.name} registered\n`);
      return EXIT.ok;
    }));
  formats.addCommand(configureCommand(ctx, ls), { isDefault: true });
  formats.addCommand(configureCommand(ctx, add));
  return formats;
}
