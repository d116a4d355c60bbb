/**
 * `trainyard key create NAME [--target T]`, `key ls`, `key revoke ID`: API keys for the serving
 * endpoints of the `builtin` deploy target (docs/deployment.md, "builtin").
 */
import { Command } from 'commander';
import { createApiKeysClient, type ApiKeyInfo } from '../sdk/api-keys-client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { escapeControlChars, formatRelative, renderTable } from './format.ts';
import { EXIT, printJson, UsageError } from './io.ts';

export function keyCommand(ctx: CliContext): Command {
  const key = new Command('key')
    .summary('make, list and revoke API keys of the serving endpoints')
    .description(
      'API keys for the OpenAI-style endpoints of builtin deploy targets (POST /v1/completions, GET /v1/models): ' +
        'clients send them as Authorization: Bearer tyk_…. A key works on every target, or on one (--target). ' +
        'The key is printed once, when it is made; the server keeps only its hash. A revoked key stops ' +
        'working within a second or two.',
    );
  for (const sub of [createSub(ctx), lsSub(ctx), revokeSub(ctx)]) {
    key.addCommand(configureCommand(ctx, sub));
  }
  return key;
}

function createSub(ctx: CliContext): Command {
  return createCommand('create')
    .summary('make an API key and print it (once)')
    .argument('<name>', 'what the key is for ("mobile app"), shown by `key ls`')
    .option('--target <target>', 'the deploy target it works on (default: every target)')
    .action(action(ctx, async (name: string, options: CommonOptions & { target?: string }) => {
      const made = await createApiKeysClient(serverOptions(ctx.io, options)).create({ name, target: options.target ?? null });
      if (options.json) printJson(ctx.io, made);
      else {
        ctx.io.stdout.write(`${made.key}\n`);
        ctx.io.stderr.write(
          `API key ${made.id} (${escapeControlChars(made.name)}) for ${made.target ? `target ${escapeControlChars(made.target)}` : 'every target'}: ` +
            `keep it now, it is not shown again; revoke with \`trainyard key revoke ${made.id}\`\n`,
        );
      }
      return EXIT.ok;
    }));
}

function lsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list API keys, revoked ones too (never their secrets)')
    .action(action(ctx, async (options: CommonOptions) => {
      const keys = await createApiKeysClient(serverOptions(ctx.io, options)).list();
      if (options.json) printJson(ctx.io, { keys });
      else ctx.io.stdout.write(renderKeys(keys, ctx.io.now()));
      return EXIT.ok;
    }));
}

function revokeSub(ctx: CliContext): Command {
  return createCommand('revoke')
    .summary('revoke an API key by its id: the serving endpoints refuse it within a second or two')
    .argument('<id>', 'key id, as `key ls` shows it (16 hex digits)')
    .action(action(ctx, async (id: string, options: CommonOptions) => {
      if (!/^[0-9a-f]{16}$/.test(id)) throw new UsageError(`an API key id is 16 hex digits (see \`trainyard key ls\`), not ${id}`);
      const revoked = await createApiKeysClient(serverOptions(ctx.io, options)).revoke(id);
      if (options.json) printJson(ctx.io, revoked);
      else ctx.io.stdout.write(`revoked API key ${id} (${escapeControlChars(revoked.name)})\n`);
      return EXIT.ok;
    }));
}

export function renderKeys(keys: readonly ApiKeyInfo[], now: number): string {
  if (keys.length === 0) return 'no API keys (make one with `trainyard key create NAME`)\n';
  return renderTable(
    [{ header: 'ID' }, { header: 'NAME', max: 40 }, { header: 'TARGET', max: 30 }, { header: 'CREATED' }, { header: 'BY', max: 20 }, { header: 'STATE' }],
    keys.map((k) => [k.id, k.name, k.target ?? '(all)', formatRelative(k.createdAt, now), k.createdBy, k.revokedAt === null ? 'active' : `revoked ${formatRelative(k.revokedAt, now)}`]),
  );
}
