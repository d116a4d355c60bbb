/**
 * `trainyard inbox ls`: the inbox's files (docs/inbox.md): waiting, processing, done and failed
 * with the reason, and the job and dataset version each became.
 */
import { Command } from 'commander';
import { INBOX_LIST_STATES, type InboxListState } from '../core/inbox-listing.ts';
import { createInboxClient, type InboxListingWire } from '../sdk/inbox-client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { escapeControlChars, formatBytes, formatRelative, renderTable } from './format.ts';
import { EXIT, printJson, UsageError } from './io.ts';

export function inboxCommand(ctx: CliContext): Command {
  const inbox = createCommand('inbox')
    .addHelpCommand(false)
    .summary('list the files dropped into the inbox and what each became')
    .description(
      'Files dropped into <data>/inbox/high|normal|low become jobs from the templates of <data>/inbox.yaml ' +
        '(and, with a template\'s dataset:, dataset versions). See docs/inbox.md.',
    );
  const inherited = () => inbox.opts() as CommonOptions;
  inbox.addCommand(configureCommand(ctx, createCommand('ls')
    .summary('list inbox files: waiting first, then the others, newest first')
    .option('--state <states>', `comma list of ${INBOX_LIST_STATES.join(', ')} (default: all)`)
    .option('--limit <n>', 'at most N files (default 50, at most 1000)')
    .option('--offset <n>', 'skip N files (the nextOffset of the previous page)')
    .action(action(ctx, async (own: CommonOptions & { state?: string; limit?: string; offset?: string }) => {
      const options = { ...inherited(), ...own };
      const listing = await createInboxClient(serverOptions(ctx.io, options)).list({
        states: options.state === undefined ? undefined : parseStates(options.state),
        limit: options.limit === undefined ? undefined : whole(options.limit, '--limit', 1),
        offset: options.offset === undefined ? undefined : whole(options.offset, '--offset', 0),
      });
      if (options.json) printJson(ctx.io, listing);
      else ctx.io.stdout.write(renderListing(listing, ctx.io.now()));
      return EXIT.ok;
    }))));
  return inbox;
}

/** `waiting,failed` → the states; UsageError naming the unknown one. */
export function parseStates(text: string): InboxListState[] {
  const states = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = states.find((s) => !(INBOX_LIST_STATES as readonly string[]).includes(s));
  if (unknown !== undefined || states.length === 0) {
    throw new UsageError(`--state must be a comma list of ${INBOX_LIST_STATES.join(', ')}, not ${JSON.stringify(unknown ?? text)}`);
  }
  return states as InboxListState[];
}

function whole(text: string, what: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) throw new UsageError(`${what} must be a whole number >= ${min}, not ${JSON.stringify(text)}`);
  return Number(text);
}

function renderListing(listing: InboxListingWire, now: number): string {
  const { counts, config } = listing;
  const head = `inbox ${config.state}${config.message ? ` (${escapeControlChars(config.message)})` : ''}: `
    + `${counts.waiting} waiting, ${counts.processing} processing, ${counts.done} done, ${counts.failed} failed\n`;
  if (listing.files.length === 0) return `${head}no files${listing.total > 0 ? ' on this page' : ''}\n`;
  const rows = listing.files.map((f) => [
    f.state, f.step !== null && f.step !== f.state && f.state === 'processing' ? f.step : '', f.name, f.priority,
    f.jobId === null ? '-' : String(f.jobId), f.dataset ? `${f.dataset.name}@${f.dataset.version}` : '-',
    formatRelative(f.droppedAt, now), f.bytes === null ? '' : formatBytes(f.bytes), f.reason ?? '',
  ]);
  const table = renderTable([
    { header: 'STATE' }, { header: 'STEP' }, { header: 'NAME', max: 40 }, { header: 'PRIORITY' }, { header: 'JOB', align: 'right' },
    { header: 'DATASET', max: 40 }, { header: 'DROPPED' }, { header: 'SIZE', align: 'right' }, { header: 'REASON', max: 100 },
  ], rows);
  const more = listing.nextOffset === null ? '' : `… ${listing.total - listing.nextOffset} more: --offset ${listing.nextOffset}\n`;
  return `${head}${table}${more}`;
}
