import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { readCatalog } from '#scripts/catalog/rows';
import { rebuildSearchIndex } from '#scripts/local/search-index';
import * as catalog from '#services/catalog/contract';
import { stackActorTokens } from './actor-tokens.ts';
import { CATALOG_CSV } from './relevance/catalog.ts';
import { REPO_ROOT } from './stack.ts';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the browser tests leave their screenshots (gitignored with the rest of `.local/`). */
export const SCREENSHOTS = path.join(REPO_ROOT, '.local', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is needed at ${CHROMIUM}: install it with \`apt-get install -y chromium\`.`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * The sample catalog's first `count` songs, and every "Don't Stop Believin'", loaded and searchable,
 * through the catalog service at `servicesUrl` (the local server's internal listener).
 */
export async function loadSampleSongs(servicesUrl: string, env: Record<string, string>, count = 300) {
  const songs: catalog.CreateSong[] = [];
  for await (const row of readCatalog(CATALOG_CSV)) {
    if (!row.ok) continue;
    if (songs.length < count || /Believin/.test(row.song.title)) songs.push(row.song);
  }
  const response = await fetch(`${servicesUrl}${catalog.basePath}${catalog.routes.import.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await stackActorTokens(env)('catalog')) },
    body: JSON.stringify({ songs }),
  });
  if (!response.ok)
    throw new Error(`the catalog refused the sample: ${response.status} ${await response.text()}`);
  // The local change chain indexes 10 songs per refresh of each indexer batch; rebuilding the index
  // from PostgreSQL is quicker for a sample this size.
  await rebuildSearchIndex(env);
  return songs.length;
}

/** Signs in on the identity provider's page, as a person would, from wherever the page sent them. */
export async function signInOnProvider(page: Page, username: string): Promise<void> {
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(username);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A fresh context signed in as `username` (through /auth/login), landing on `returnTo`. */
export async function signedInContext(browser: Browser, baseUrl: string, username: string, returnTo: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseUrl}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  await signInOnProvider(page, username);
  await page.waitForURL(`${baseUrl}${returnTo}`);
  return { context, page };
}

/**
 * Records what a page does wrong: script errors, CSP refusals and console errors (a 401 from
 * `/api/me` for an anonymous visitor is how the page learns nobody is signed in, so those are fine).
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (/status of (401|404|409|412|429)/.test(text) || /ERR_FAILED|net::/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return problems;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown }>;
}

/** Runs axe-core in the page (evaluated through the debugging protocol, so the page's CSP is untouched). */
export async function expectNoSeriousA11yViolations(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  const serious = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${JSON.stringify(violation.nodes.map((node) => node.target))}`,
    );
  expect(serious, what).toEqual([]);
}

/** Saves the page at a phone's width and a laptop's, as `<name>-360.png` and `<name>-1280.png`. */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const original = page.viewportSize() ?? { width: 1280, height: 800 };
  const files: string[] = [];
  for (const [width, height] of [
    [360, 740],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height });
    const file = path.join(SCREENSHOTS, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  await page.setViewportSize(original);
  return files;
}

export type { Browser, BrowserContext, Page };
