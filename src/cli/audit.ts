/**
 * `trainyard audit [--since 1h] [--until …] [--caller ID] [--method M] [--route R]
 * [--status N] [--limit N] [--json]`: the audit log, newest first (docs/audit.md). Admin only.
 */
import type { Command } from 'commander';
import { createAuditClient, type ApiAuditEntry, type AuditQueryParams } from '../sdk/audit-client.ts';
import { action, type CliContext, type CommonOptions, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { renderTable } from './format.ts';
import { EXIT, positiveInteger, printJson, UsageError } from './io.ts';

interface AuditOptions extends CommonOptions {
  since?: string;
  until?: string;
  caller?: string;
  method?: string;
  route?: string;
  status?: string;
  limit?: string;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A time as `--since`/`--until` take it: an age back from `now` (`90s`, `30m`, `1h`, `7d`), an
 * ISO date (`2026-12-01`, `2026-12-01T10:00Z`), or epoch ms. UsageError naming the flag otherwise.
 */
export function parseTimeFlag(text: string, flag: string, now: number): number {
  const age = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  if (age) return Math.round(now - Number(age[1]) * UNIT_MS[age[2]]);
  if (/^\d{10,}$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim()) && Number.isFinite(date)) return date;
  throw new UsageError(`${flag} expects an age (90s, 30m, 1h, 7d), an ISO date (2026-12-01T10:00Z) or epoch ms, got ${JSON.stringify(text)}`);
}

export function auditCommand(ctx: CliContext): Command {
  return createCommand('audit')
    .summary('list the audit log: who changed what, when, from where (admin)')
    .description(
      'The audit log, newest first: every state-changing API request (POST, PUT, PATCH, DELETE) with its caller ' +
        '(token id and name), route, params, status and client IP. Metric batches and heartbeats are left out ' +
        'unless refused. Entries are kept 90 days (server flag --audit-retention-days). Needs an admin token. ' +
        'See docs/audit.md.',
    )
    .option('--since <when>', 'only entries since: an age (30m, 1h, 7d), an ISO date or epoch ms')
    .option('--until <when>', 'only entries before: an age, an ISO date or epoch ms')
    .option('--caller <id>', 'only this caller: a token id (16 hex digits) or session:<id>')
    .option('--method <method>', 'only this method: POST, PUT, PATCH or DELETE')
    .option('--route <pattern>', 'only this route pattern, as listed (/api/v1/jobs/:id/stop)')
    .option('--status <n>', 'only entries with this status or above (400: refusals and failures)')
    .option('--limit <n>', 'at most this many entries (default: 50)')
    .action(action(ctx, async (options: AuditOptions) => {
      const now = ctx.io.now();
      const method = options.method?.toUpperCase();
      if (method !== undefined && !['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
        throw new UsageError(`--method expects POST, PUT, PATCH or DELETE, got ${JSON.stringify(options.method)}`);
      }
      const page = await createAuditClient(serverOptions(ctx.io, options)).list({
        since: options.since === undefined ? undefined : parseTimeFlag(options.since, '--since', now),
        until: options.until === undefined ? undefined : parseTimeFlag(options.until, '--until', now),
        caller: options.caller,
        method: method as AuditQueryParams['method'],
        route: options.route,
        status: options.status === undefined ? undefined : positiveInteger(options.status, '--status'),
        limit: options.limit === undefined ? 50 : positiveInteger(options.limit, '--limit'),
      });
      if (options.json) printJson(ctx.io, page);
      else ctx.io.stdout.write(renderAudit(page.entries));
      return EXIT.ok;
    }));
}

export function renderAudit(entries: readonly ApiAuditEntry[]): string {
  if (entries.length === 0) return 'no audit entries match\n';
  return renderTable(
    [{ header: 'TIME' }, { header: 'CALLER', max: 40 }, { header: 'METHOD' }, { header: 'ROUTE', max: 50 }, { header: 'PARAMS', max: 40 }, { header: 'STATUS', align: 'right' }, { header: 'IP' }],
    entries.map((e) => [
      new Date(e.at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      e.callerName,
      e.method,
      e.route,
      Object.entries(e.params).map(([k, v]) => `${k}=${v}`).join(' ') || '-',
      String(e.status),
      e.ip,
    ]),
  );
}
