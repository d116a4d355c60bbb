/**
 * `trainyard study report NAME [--format md|csv|json] [--metrics a,b] [-o FILE]`: a study's
 * report (docs/studies.md, "The report"), Markdown a paper can paste by default.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createStudiesClient } from '../sdk/studies-client.ts';
import { action, type CliContext, type CommonOptions, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { EXIT, printJson, UsageError } from './io.ts';

const FORMATS = ['md', 'csv', 'json'] as const;

export function reportSub(ctx: CliContext) {
  return createCommand('report')
    .summary("print a study's report (Markdown, CSV or JSON): a row per variant, the best per column marked, baselines, evidence")
    .argument('<name>', 'study name')
    .option('--format <format>', 'md (a table with the best in bold, baselines, a footnote with the spec hash), csv or json', 'md')
    .option('--metrics <names>', 'comma-separated metrics (default: the objective, else every metric the trials reported)')
    .option('-o, --output <file>', 'write the report to FILE instead of stdout')
    .addHelpText('after', '\nExamples:\n  trainyard study report lr-sweep\n  trainyard study report lr-sweep --format csv -o lr-sweep.csv\n  trainyard study report lr-sweep --metrics val_loss,acc --format json')
    .action(action(ctx, async (name: string, options: CommonOptions & { format: string; metrics?: string; output?: string }) => {
      const format = options.json ? 'json' : options.format;
      if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: expected md, csv or json, got ${JSON.stringify(format)}`);
      const metrics = options.metrics?.split(',').map((m) => m.trim()).filter((m) => m !== '');
      const api = createStudiesClient(serverOptions(ctx.io, options));
      const text = format === 'json' ? `${JSON.stringify(await api.report(name, metrics), null, 2)}\n` : await api.reportText(name, format as 'md' | 'csv', metrics);
      if (options.output === undefined) {
        ctx.io.stdout.write(text);
        return EXIT.ok;
      }
      const path = resolve(ctx.io.cwd, options.output);
      writeFileSync(path, text);
      if (options.json) printJson(ctx.io, { file: path, format, bytes: Buffer.byteLength(text) });
      else ctx.io.stdout.write(`wrote ${path} (${format})\n`);
      return EXIT.ok;
    }));
}
