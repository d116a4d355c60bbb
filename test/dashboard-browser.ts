/**
 * Headless Chromium for the dashboard's tests and benchmark: Debian's /usr/bin/chromium driven
 * by playwright-core (which cannot download a browser here), with a throwaway profile.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO, tempDir } from './harness.ts';

export const CHROMIUM = process.env.TRAINYARD_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO, 'test-output', 'screenshots');

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

/** Whether the dashboard has been built (npm install's prepare step). */
export function hasWebBuild(): boolean {
  return existsSync(join(REPO, 'web', 'dist', 'index.html'));
}

export interface BrowserSession {
  readonly context: BrowserContext;
  /** Uncaught exceptions and console errors of every page opened (failed requests excepted). */
  readonly errors: string[];
  /**
   * A new page of the given size on `path`, signed in by a one-time code made with the admin
   * token: an admin session, or the role `asReader` asks for. The browser's session cookie is
   * replaced: one role at a time per browser.
   */
  open(url: string, signIn: string | SignInAs, path?: string, viewport?: { width: number; height: number }): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** Who a page signs in as: a session of `role`, its code made with the admin token. */
export interface SignInAs {
  readonly adminToken: string;
  readonly role: 'admin' | 'read';
}

/** A read-only session (a read token's view of the dashboard), its code made with `adminToken`. */
export const asReader = (adminToken: string): SignInAs => ({ adminToken, role: 'read' });

/** A one-time dashboard sign-in code of `role`, made with an admin token (`trainyard sign-in`). */
export async function makeSignInCode(url: string, adminToken: string, role: 'admin' | 'read' = 'admin'): Promise<string> {
  const response = await fetch(`${url}/api/v1/sign-in-codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role }),
  });
  const body = (await response.json()) as { code?: string };
  if (response.status !== 201 || !body.code) throw new Error(`could not make a sign-in code: ${response.status} ${JSON.stringify(body)}`);
  return body.code;
}

export async function launchBrowser(): Promise<BrowserSession> {
  const { chromium } = await import('playwright-core');
  const profile = tempDir('trainyard-chromium-');
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1440, height: 900 },
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const errors: string[] = [];
  context.on('page', (page) => {
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`${page.url()}: ${message.text()}`);
    });
  });
  return {
    context,
    errors,
    async open(url, signIn, path = '/', viewport = { width: 1440, height: 900 }) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      // The exchange the /sign-in page makes, through the browser's own cookie jar (dashboard.test.ts
      // goes through the page itself).
      const as = typeof signIn === 'string' ? { adminToken: signIn, role: 'admin' as const } : signIn;
      const exchanged = await context.request.post(`${url}/api/session`, { data: { code: await makeSignInCode(url, as.adminToken, as.role) } });
      if (!exchanged.ok()) throw new Error(`sign-in failed: ${exchanged.status()} ${await exchanged.text()}`);
      await page.goto(`${url}${path}`);
      return page;
    },
    async screenshot(page, name) {
      const file = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
