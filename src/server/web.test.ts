import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { App } from './app.ts';
import { registerWeb } from './web.ts';

describe('web: the dashboard at /', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function appWith(files: Record<string, string>) {
    const root = mkdtempSync(join(tmpdir(), 'trainyard-web-'));
    dirs.push(root);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    const app = Fastify();
    app.get('/api/v1/ok', async () => ({ ok: true }));
    await registerWeb(app as unknown as App, root);
    return app;
  }

  it('serves index.html for / and client routes, hashed assets for a year, JSON 404s for API paths', async () => {
    const app = await appWith({ 'index.html': '<!doctype html><p>app</p>', 'assets/index-abc123.js': 'console.log(1)', 'favicon.svg': '<svg/>' });
    for (const url of ['/', '/jobs/3', '/compare?jobs=1,2']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.body, '<!doctype html><p>app</p>');
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    }
    const asset = await app.inject('/assets/index-abc123.js');
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await app.inject('/favicon.svg')).headers['cache-control'], 'no-cache');
    assert.equal((await app.inject('/api/v1/ok')).json().ok, true);
    for (const url of ['/api/v1/missing', '/assets/gone.js']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, 'not_found');
    }
    assert.equal((await app.inject({ method: 'POST', url: '/jobs/3' })).statusCode, 404);
  });

  it('says how to build the dashboard when web/dist is missing, and the API still answers', async () => {
    const app = await appWith({});
    const res = await app.inject('/');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /dashboard has not been built/);
    assert.match(res.body, /npm run build:web/);
    assert.equal((await app.inject('/jobs/1')).statusCode, 200);
    assert.equal((await app.inject('/api/v1/ok')).statusCode, 200);
  });
});
