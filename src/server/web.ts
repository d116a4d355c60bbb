/**
 * Serves the dashboard (web/dist, built by `npm install`'s prepare step) at `/`, from the API
 * server itself. Client routes (/jobs/12, /compare?…) fall back to index.html; files under
 * /assets/ carry a content hash in their names and are cached for a year; index.html is
 * revalidated on every load. Without a build, `/` says how to make one and the API still works.
 */
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './app.ts';

/** Where `vite build` puts the dashboard. */
export const WEB_DIST = resolve(import.meta.dirname, '../../web/dist');

const HTML_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  // Never send a dashboard URL to another site (a sign-in link's code is in the fragment, which no request carries).
  'referrer-policy': 'no-referrer',
  // blob: images: the job page shows artifacts from blob URLs it fetched with the token (an
  // <img src> cannot send it); an image never runs script, an SVG one included.
  'content-security-policy':
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Trainyard</title>
<body style="font:16px system-ui;margin:3em;max-width:40em;background:#111;color:#ddd">
<h1>Trainyard</h1>
<p>The API is running, but the dashboard has not been built.</p>
<p>Build it with <code>npm install</code> (its prepare step) or <code>npm run build:web</code>
in the Trainyard checkout, then reload this page.</p>
<p>The API: <a style="color:#8bf" href="/openapi.json">/openapi.json</a>.</p></body>`;

/** Paths the dashboard never owns: these 404 as JSON instead of falling back to index.html. */
function isApiPath(url: string): boolean {
  return /^\/(api|openapi\.json|health|assets)(\/|$|\?)/.test(url);
}

export async function registerWeb(app: App, root: string = WEB_DIST): Promise<void> {
  // Checked per request: a build made while the server runs is picked up without a restart.
  const built = () => existsSync(join(root, 'index.html'));
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // Looked up per request, so a rebuild while the server runs is served at once.
    wildcard: true,
    index: false,
    // Our own Cache-Control below; @fastify/static's default would overwrite it.
    cacheControl: false,
    setHeaders(res, path) {
      if (path.includes(`${join(root, 'assets')}/`)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      else res.setHeader('cache-control', 'no-cache');
    },
  });

  const sendApp = (reply: FastifyReply) =>
    built() ? reply.headers(HTML_HEADERS).sendFile('index.html', root) : reply.headers(HTML_HEADERS).type('text/html; charset=utf-8').send(NOT_BUILT);

  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendApp(reply));

  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && !isApiPath(request.url)) return sendApp(reply);
    return reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
