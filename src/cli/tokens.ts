/**
 * `trainyard token create --role read [--name N]`, `token ls`, `token revoke ID`: tokens for
 * people and tools (a read-only one for a dashboard wall screen, an admin one for CI).
 */
import { Command } from 'commander';
import type { ApiTokenInfo } from '../sdk/client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { connect } from './connect.ts';
import { escapeControlChars, formatRelative, renderTable } from './format.ts';
import { EXIT, printJson, UsageError } from './io.ts';

const ROLES = ['read', 'admin'] as const;

export function tokenCommand(ctx: CliContext): Command {
  const token = new Command('token')
    .summary('make, list and revoke tokens (read-only or admin)')
    .description(
      'Tokens for people and tools. A read token may look at everything (GET, the dashboard, the event ' +
        'stream) and change nothing; an admin token may do everything. The secret is printed once, when ' +
        'the token is made; the server keeps only its hash.',
    );
  for (const sub of [createSub(ctx), lsSub(ctx), revokeSub(ctx)]) {
    token.addCommand(configureCommand(ctx, sub));
  }
  return token;
}

function createSub(ctx: CliContext): Command {
  return createCommand('create')
    .summary('make a token and print it (once)')
    .option('--role <role>', 'read (look, never change) or admin', 'read')
    .option('--name <name>', 'what the token is for, shown by `token ls`')
    .action(action(ctx, async (options: CommonOptions & { role: string; name?: string }) => {
      if (!ROLES.includes(options.role as never)) throw new UsageError(`--role must be read or admin, not ${options.role}`);
      const made = await connect(ctx.io, options).createToken(options.role as 'read' | 'admin', options.name);
      if (options.json) printJson(ctx.io, made);
      else {
        ctx.io.stdout.write(`${made.token}\n`);
        ctx.io.stderr.write(`${made.role} token ${made.id}${made.name ? ` (${escapeControlChars(made.name)})` : ''}: keep it now, it is not shown again; revoke with \`trainyard token revoke ${made.id}\`\n`);
      }
      return EXIT.ok;
    }));
}

function lsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list admin and read tokens (never their secrets)')
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

export function renderTokens(tokens: readonly ApiTokenInfo[], now: number): string {
  if (tokens.length === 0) return 'no tokens\n';
  return renderTable(
    [{ header: 'ID' }, { header: 'ROLE' }, { header: 'NAME', max: 40 }, { header: 'CREATED' }],
    tokens.map((t) => [t.id, t.role, t.name ?? '-', formatRelative(t.createdAt, now)]),
  );
}
