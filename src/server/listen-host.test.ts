/**
 * `trainyard server` listens on 127.0.0.1 unless `--host` says otherwise (docs/tls-proxy.md): a
 * training server is not on the network by accident. Checked on the socket itself: bound to
 * loopback, and refused on this machine's other addresses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startServer } from './start.ts';

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.setTimeout(5_000);
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
    socket.once('timeout', () => (socket.destroy(), done(false)));
  });
}

describe('the server host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-host-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is 127.0.0.1 by default: loopback accepts, the other addresses of this machine do not', async () => {
    const server = await startServer({ dataDir: join(dir, 'data'), port: 0, log: () => {}, env: { TRAINYARD_GPUS: 'none', TRAINYARD_CPU_SLOTS: '1' } });
    try {
      const url = new URL(server.url);
      assert.equal(url.hostname, '127.0.0.1');
      const port = Number(url.port);
      assert.equal(await accepts('127.0.0.1', port), true);
      const others = Object.values(networkInterfaces()).flat().filter((a) => a !== undefined && !a.internal && a.family === 'IPv4').map((a) => a!.address);
      for (const address of others) assert.equal(await accepts(address, port), false, `reachable on ${address}`);
    } finally {
      await server.close();
    }
  });
});
