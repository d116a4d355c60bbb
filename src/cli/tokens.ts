/**
 * `trainyard token create --role R [--name N] [--expires 30d|2026-12-31]`, `token ls`,
 * `token revoke ID`: tokens for people and tools (a read one for a wall screen, a submit one
 * for a researcher, a deploy one for the release pipeline). Roles in docs/tokens.md.
 */
import { Command } from 'commander';
import { PERSON_TOKEN_ROLES, type PersonTokenRole } from '../core/types.ts';
import { parseExpiry } from '../core/token-expiry.ts';
import type { ApiTokenInfo } from '../sdk/client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { connect } from './connect.ts';
import { escapeControlChars, formatRelative, renderTable } from './format.ts';
import { EXIT, printJson, UsageError } from './io.ts';

const ROLE_HELP =
  'admin (everything), submit (submit jobs; stop, pause and resume its own; read), ' +
  'deploy (make model versions, move aliases, deploy and roll back; read), read (look, never change)';

export function tokenCommand(ctx: CliContext): Command {
  const token = new Command('token')
    .summary('make, list and revoke tokens (admin, submit, deploy or read)')
    .description(
      `Tokens for people and tools. Roles: ${ROLE_HELP}. A token may expire (--expires); ` +
        'an expired one is refused with 401 and stays listed until revoked. The secret is printed ' +
        'once, when the token is made; the server keeps only its hash.',
    );
  for (const sub of [createSub(ctx), lsSub(ctx), revokeSub(ctx)]) {
    token.addCommand(configureCommand(ctx, sub));
  }
  return token;
}

function createSub(ctx: CliContext): Command {
  return createCommand('create')
    .summary('make a token and print it (once)')
    .option('--role <role>', ROLE_HELP, 'read')
    .option('--name <name>', 'what the token is for, shown by `token ls`')
    .option('--expires <when>', 'when it stops working: a duration (12h, 30d, 2w, 1y), a date (2026-12-31, from 00:00 UTC) or a time with its zone (default: never)')
    .action(action(ctx, async (options: CommonOptions & { role: string; name?: string; expires?: string }) => {
      if (!PERSON_TOKEN_ROLES.includes(options.role as never)) {
        throw new UsageError(`--role must be one of ${PERSON_TOKEN_ROLES.join(', ')}, not ${JSON.stringify(options.role)}`);
      }
      let expiresAt: number | undefined;
      if (options.expires !== undefined) {
        const parsed = parseExpiry(options.expires, ctx.io.now());
        if (typeof parsed === 'string') throw new UsageError(`--expires must be ${parsed}`);
        expiresAt = parsed;
      }
      const made = await connect(ctx.io, options).createToken(options.role as PersonTokenRole, options.name, { expiresAt });
      if (options.json) printJson(ctx.io, made);
      else {
        ctx.io.stdout.write(`${made.token}\n`);
        const until = made.expiresAt === null ? 'never expires' : `expires ${new Date(made.expiresAt).toISOString()}`;
        ctx.io.stderr.write(
          `${made.role} token ${made.id}${made.name ? ` (${escapeControlChars(made.name)})` : ''}, ${until}: keep it now, it is not shown again; ` +
            `revoke with \`trainyard token revoke ${made.id}\`\n`,
        );
      }
      return EXIT.ok;
    }));
}

function lsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list tokens with role, name, created, expires and last used (never their secrets)')
    .action(action(ctx, async (options: CommonOptions) => {
      const tokens = await connect(ctx.io, options).listTokens();
      if (options.json) printJson(ctx.io, { tokens });
      else ctx.io.stdout.write(renderTokens(tokens, ctx.io.now()));
      return EXIT.ok;
    }));
}

function revokeSub(ctx: CliContext): Command {
  return createCommand('revoke')
    .summary('revoke a token by its id: it stops working at once')
    .argument('<id>', 'token id, as `token ls` shows it (16 hex digits)')
    .action(action(ctx, async (id: string, options: CommonOptions) => {
      if (!/^[0-9a-f]{16}$/.test(id)) throw new UsageError(`a token id is 16 hex digits (see \`trainyard token ls\`), not ${id}`);
      await connect(ctx.io, options).revokeToken(id);
      if (options.json) printJson(ctx.io, { revoked: id });
      else ctx.io.stdout.write(`revoked token ${id}\n`);
      return EXIT.ok;
    }));
}

/** The `token ls` table: times relative to `now`; an expired token says so. */
export function renderTokens(tokens: readonly ApiTokenInfo[], now: number): string {
  if (tokens.length === 0) return 'no tokens\n';
  const expires = (t: ApiTokenInfo) => (t.expiresAt === null ? 'never' : t.expiresAt <= now ? `expired ${formatRelative(t.expiresAt, now)}` : formatRelative(t.expiresAt, now));
  return renderTable(
    [{ header: 'ID' }, { header: 'ROLE' }, { header: 'NAME', max: 40 }, { header: 'CREATED' }, { header: 'EXPIRES' }, { header: 'LAST USED' }],
    tokens.map((t) => [t.id, t.role, t.name ?? '-', formatRelative(t.createdAt, now), expires(t), t.lastUsedAt === null ? 'never' : formatRelative(t.lastUsedAt, now)]),
  );
}
