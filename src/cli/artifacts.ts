/**
 * `trainyard artifacts ls JOB [--kind K] [--step N]`, `artifacts get ID [-o FILE]`: the files
 * runs attached (plots, tables, reports; docs/training-contract.md "Artifacts").
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command } from 'commander';
import { createArtifactsClient, type ArtifactInfo, type ArtifactKind } from '../sdk/artifacts-client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { formatBytes, formatRelative, renderTable } from './format.ts';
import { EXIT, positiveInteger, printJson, UsageError } from './io.ts';

const KINDS: readonly ArtifactKind[] = ['image', 'table', 'text', 'other'];

export function artifactsCommand(ctx: CliContext): Command {
  const artifacts = new Command('artifacts')
    .summary("list and download the files a job's runs attached")
    .description(
      'Runs attach files that are not checkpoints (plots, CSV results, reports) with the SDKs ' +
        '(run.artifact(path)) or the line protocol (#trainyard artifact path=…); the server keeps a copy.',
    );
  for (const sub of [lsSub(ctx), getSub(ctx)]) artifacts.addCommand(configureCommand(ctx, sub));
  return artifacts;
}

function lsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary("list a job's artifacts, in the order they were attached")
    .argument('<job>', 'job id')
    .option('--kind <kind>', `only this kind: ${KINDS.join(', ')}`)
    .option('--step <step>', 'only artifacts of this step')
    .action(action(ctx, async (job: string, options: CommonOptions & { kind?: string; step?: string }) => {
      const jobId = positiveInteger(job, 'job id');
      if (options.kind !== undefined && !KINDS.includes(options.kind as ArtifactKind)) {
        throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(options.kind)}`);
      }
      const step = options.step === undefined ? undefined : Number(options.step);
      if (step !== undefined && (options.step!.trim() === '' || !Number.isFinite(step))) {
        throw new UsageError(`--step must be a number, got ${JSON.stringify(options.step)}`);
      }
      const list = await createArtifactsClient(serverOptions(ctx.io, options)).list(jobId, { kind: options.kind as ArtifactKind | undefined, step });
      if (options.json) printJson(ctx.io, { artifacts: list });
      else ctx.io.stdout.write(renderArtifacts(list, ctx.io.now()));
      return EXIT.ok;
    }));
}

function getSub(ctx: CliContext): Command {
  return createCommand('get')
    .summary('download an artifact (default: its name, in the current directory)')
    .argument('<id>', 'artifact id, as `artifacts ls` shows it')
    .option('-o, --output <file>', 'where to write it; - for stdout (default: ./<its name>, never overwritten)')
    .action(action(ctx, async (id: string, options: CommonOptions & { output?: string }) => {
      const client = createArtifactsClient(serverOptions(ctx.io, options));
      const artifact = await client.get(positiveInteger(id, 'artifact id'));
      const target = options.output ?? basename(artifact.name);
      const path = target === '-' ? null : resolve(ctx.io.cwd, target);
      if (path !== null && options.output === undefined && existsSync(path)) {
        throw new UsageError(`${path} exists already: name another file with -o FILE (or -o - for stdout)`);
      }
      const bytes = await client.content(artifact.id);
      if (path === null) {
        if (options.json) throw new UsageError('--json prints the record on stdout: write the bytes to a file with -o FILE');
        ctx.io.stdout.write(bytes);
        return EXIT.ok;
      }
      writeFileSync(path, bytes);
      if (options.json) printJson(ctx.io, { ...artifact, file: path });
      else ctx.io.stdout.write(`wrote ${path} (${artifact.kind}, ${formatBytes(artifact.bytes)})\n`);
      return EXIT.ok;
    }));
}

export function renderArtifacts(artifacts: readonly ArtifactInfo[], now: number): string {
  if (artifacts.length === 0) return 'no artifacts (runs attach files with run.artifact(path) or #trainyard artifact path=…)\n';
  return renderTable(
    [{ header: 'ID' }, { header: 'RUN' }, { header: 'STEP' }, { header: 'KIND' }, { header: 'NAME', max: 60 }, { header: 'SIZE' }, { header: 'ATTACHED' }],
    artifacts.map((a) => [String(a.id), String(a.runId), a.step === null ? '-' : String(a.step), a.kind, a.name, formatBytes(a.bytes), formatRelative(a.createdAt, now)]),
  );
}
