/**
 * How the CLI finds its server.
 * 1. `--data-dir D` given: the server of D.
 * 2. `TRAINYARD_URL` set: that URL, with `TRAINYARD_TOKEN` (or else D's admin token).
 * 3. The data directory (`TRAINYARD_HOME`, default `~/.trainyard`): its `server.json`
 *    (`{"url", "pid"}`, written by the server at start) and `admin-token` (mode 0600).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, type Client, type ClientOptions } from '../sdk/client.ts';
import { CliError, type Io } from './io.ts';

/** The data directory: `--data-dir`, else `TRAINYARD_HOME`, else `~/.trainyard`; absolute. */
export function resolveDataDir(io: Io, flag: string | undefined): string {
  return resolve(io.cwd, flag ?? io.env.TRAINYARD_HOME ?? join(homedir(), '.trainyard'));
}

export interface ServerInfo {
  readonly url: string;
  readonly pid: number;
}

/** `server.json` of a data directory, or null when absent or unreadable. */
export function readServerInfo(dataDir: string): ServerInfo | null {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as Partial<ServerInfo>;
    if (typeof info.url !== 'string' || typeof info.pid !== 'number') return null;
    return { url: info.url, pid: info.pid };
  } catch {
    return null;
  }
}

/** The admin token saved in a data directory, or null. */
export function readAdminToken(dataDir: string): string | null {
  try {
    return readFileSync(join(dataDir, 'admin-token'), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Whether a process with this id exists (EPERM: it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A server found from the data dir, when it has a live one; no network access. */
export function findLocalServer(dataDir: string): ServerInfo | null {
  const info = readServerInfo(dataDir);
  return info && isProcessAlive(info.pid) ? info : null;
}

export class NoServerError extends CliError {
  constructor(readonly dataDir: string) {
    super(`no server running for data dir ${dataDir}: start one with \`trainyard server\``, 1, { code: 'no_server' });
  }
}

/** A client of the server this command should talk to (see the file comment for the order). */
export function connect(io: Io, options: { dataDir?: string }): Client {
  return createClient(serverOptions(io, options));
}

/** The URL and token of the server this command should talk to, for any of the SDK's clients. */
export function serverOptions(io: Io, options: { dataDir?: string }): ClientOptions {
  const dataDir = resolveDataDir(io, options.dataDir);
  const envUrl = io.env.TRAINYARD_URL;
  if (options.dataDir === undefined && envUrl) {
    return { url: envUrl, token: io.env.TRAINYARD_TOKEN || readAdminToken(dataDir) };
  }
  const info = findLocalServer(dataDir);
  if (!info) throw new NoServerError(dataDir);
  const token = readAdminToken(dataDir) ?? (io.env.TRAINYARD_TOKEN || null);
  if (!token) {
    throw new CliError(`no admin token in ${join(dataDir, 'admin-token')}: set TRAINYARD_TOKEN`, 1, { code: 'no_token' });
  }
  return { url: info.url, token };
}
