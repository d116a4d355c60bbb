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
  /** A new page of the given size, signed in with `token` through `?token=` on `path`. */
  open(url: string, token: string, path?: string, viewport?: { width: number; height: number }): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
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
    async open(url, token, path = '/', viewport = { width: 1440, height: 900 }) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      const sep = path.includes('?') ? '&' : '?';
      await page.goto(`${url}${path}${sep}token=${encodeURIComponent(token)}`);
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
