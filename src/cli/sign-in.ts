/**
 * `trainyard sign-in [--role read|admin] [--ttl SECONDS]`: prints a one-time link that signs a
 * browser in to the dashboard (docs/dashboard.md). The code rides in the URL's fragment, which
 * browsers never send to a server, and is spent the first time it is used.
 */
import type { Command } from 'commander';
import { MAX_CODE_TTL_SECONDS, SIGN_IN_ROLES, type SignInRole } from '../core/sign-in.ts';
import { action, createCommand, type CliContext, type CommonOptions } from './command.ts';
import { connect } from './connect.ts';
import { EXIT, positiveInteger, printJson, UsageError } from './io.ts';

interface SignInOptions extends CommonOptions {
  role?: string;
  ttl?: string;
}

export function signInCommand(ctx: CliContext): Command {
  return createCommand('sign-in')
    .summary('print a one-time link that signs a browser in to the dashboard')
    .description(
      'Make a one-time sign-in code and print the dashboard link that uses it: open it in a browser ' +
        'to get a session (an HttpOnly cookie) of the given role. The code works once and expires ' +
        'after 5 minutes (--ttl to change); the session ends after 12 hours unused or 7 days in all. ' +
        'Needs an admin token (the data directory\'s, or TRAINYARD_TOKEN).',
    )
    .option('--role <role>', `the session's role: ${SIGN_IN_ROLES.join(' or ')} (read: look, never change)`, 'admin')
    .option('--ttl <seconds>', `how long the code may wait to be used, 1 to ${MAX_CODE_TTL_SECONDS} (default: the server's, 300)`)
    .action(action(ctx, async (options: SignInOptions) => {
      if (options.role !== undefined && !SIGN_IN_ROLES.includes(options.role as SignInRole)) {
        throw new UsageError(`--role must be ${SIGN_IN_ROLES.join(' or ')}, not ${JSON.stringify(options.role)}`);
      }
      const ttlSeconds = options.ttl === undefined ? undefined : positiveInteger(options.ttl, '--ttl');
      if (ttlSeconds !== undefined && ttlSeconds > MAX_CODE_TTL_SECONDS) throw new UsageError(`--ttl must be at most ${MAX_CODE_TTL_SECONDS} seconds, got ${ttlSeconds}`);
      const client = connect(ctx.io, options);
      const made = await client.createSignInCode({ role: options.role as SignInRole | undefined, ttlSeconds });
      const url = `${client.url}${made.path}`;
      if (options.json) printJson(ctx.io, { ...made, url });
      else {
        ctx.io.stdout.write(`${url}\n`);
        const minutes = Math.max(1, Math.round((made.expiresAt - ctx.io.now()) / 60_000));
        ctx.io.stderr.write(`a ${made.role} sign-in link: it works once, within about ${minutes} minute${minutes === 1 ? '' : 's'}; open it in the browser to sign in\n`);
      }
      return EXIT.ok;
    }));
}
