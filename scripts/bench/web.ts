import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ACTOR_TOKEN_HEADER, actorTokenSigner } from '#lib/actor-token';
import * as catalog from '#services/catalog/contract';
import { readCatalog } from '../catalog/rows.ts';
import { rebuildSearchIndex } from '../local/search-index.ts';
import { buildWeb } from '../web-build.ts';

const CHROMIUM = '/usr/bin/chromium';
const BATCH = 500;

/** The JavaScript each page loads (its entry and the chunks it imports), raw and gzipped, and the stylesheet. */
export async function pageBytes(outDir: string) {
  const built = await buildWeb(outDir);
  const sizes = async (files: string[]) => {
    let raw = 0;
    let gzip = 0;
    for (const file of files) {
      const bytes = await readFile(path.join(outDir, file));
      raw += bytes.byteLength;
      gzip += gzipSync(bytes, { level: 9 }).byteLength;
    }
    return { raw, gzip };
  };
  return Promise.all(
    Object.entries(built.pages).map(async ([name, page]) => ({
      name,
      js: await sizes(page.scripts),
      css: await sizes(page.styles),
    })),
  );
}

/**
 * Loads the whole sample catalog through the catalog service (its own address, `servicesUrl`, with an
 * actor token as the BFF sends), then builds the search index from PostgreSQL.
 */
export async function loadCatalog(
  servicesUrl: string,
  csv: string,
  env: Record<string, string>,
): Promise<number> {
  const signer = actorTokenSigner(env.ACTOR_TOKEN_SIGNING_KEY ?? '');
  let batch: catalog.CreateSong[] = [];
  let total = 0;
  const send = async () => {
    if (batch.length === 0) return;
    const response = await fetch(`${servicesUrl}${catalog.basePath}${catalog.routes.import.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ACTOR_TOKEN_HEADER]: await signer.sign('catalog') },
      body: JSON.stringify({ songs: batch }),
    });
    if (!response.ok) throw new Error(`catalog import refused: ${response.status} ${await response.text()}`);
    total += batch.length;
    batch = [];
  };
  for await (const row of readCatalog(csv)) {
    if (!row.ok) continue;
    batch.push(row.song);
    if (batch.length >= BATCH) await send();
  }
  await send();
  await rebuildSearchIndex(env);
  return total;
}

/**
 * Fifty queries a person would type: the first words of titles spread over the catalog, folded
 * the way people type them ("dont stop belie").
 */
export async function typedQueries(csv: string, count = 50): Promise<string[]> {
  const titles: string[] = [];
  for await (const row of readCatalog(csv)) if (row.ok) titles.push(row.song.title);
  const step = Math.max(1, Math.floor(titles.length / count));
  return Array.from({ length: count }, (_, index) => {
    const words = (titles[index * step] ?? 'love')
      .toLowerCase()
      .replace(/['’(),.!?"]/g, '')
      .split(/\s+/)
      .filter(Boolean);
    const text = words.slice(0, 3).join(' ');
    // Stop mid-word, as people do when the right song shows up.
    return text.length > 6 ? text.slice(0, Math.max(4, text.length - 2)) : text;
  });
}

export interface KeystrokeTimings {
  /** Every keystroke whose results were rendered: from the input event to the options of that text. */
  all: number[];
  /** The last keystroke of each query. */
  last: number[];
  /** Keystrokes overtaken by the next one before their answer (debounce or stale answers dropped). */
  overtaken: number;
}

/**
 * Types each query into the home page's search box, one character every `keyDelayMs`, in Chromium,
 * and times each keystroke to the moment the options answering that text are in the DOM and the
 * next frame is about to paint, measured inside the page.
 */
export async function measureKeystrokes(
  baseUrl: string,
  queries: string[],
  keyDelayMs = 150,
): Promise<KeystrokeTimings> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  const timings: KeystrokeTimings = { all: [], last: [], overtaken: 0 };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${baseUrl}/`);
    const box = page.getByRole('combobox', { name: 'Search songs' });
    await box.waitFor();
    await page.evaluate(`(() => {
      const input = document.querySelector('[role=combobox]');
      const listbox = document.querySelector('[role=listbox]');
      window.__typed = new Map();
      window.__rendered = new Map();
      input.addEventListener('input', () => window.__typed.set(input.value.trim(), performance.now()));
      new MutationObserver(() => {
        const query = listbox.dataset.query;
        if (query === undefined || window.__rendered.has(query)) return;
        requestAnimationFrame(() => { if (!window.__rendered.has(query)) window.__rendered.set(query, performance.now()); });
      }).observe(listbox, { attributes: true, childList: true, subtree: true, characterData: true });
    })()`);
    for (const query of queries) {
      await box.fill('');
      await page.evaluate('window.__typed.clear(); window.__rendered.clear()');
      await box.pressSequentially(query, { delay: keyDelayMs });
      await page
        .waitForFunction(`window.__rendered.has(${JSON.stringify(query.trim())})`, undefined, {
          timeout: 5000,
        })
        .catch(() => undefined);
      const pairs = await page.evaluate<Array<[string, number, number | null]>>(
        '[...window.__typed].map(([text, at]) => [text, at, window.__rendered.get(text) ?? null])',
      );
      for (const [text, typedAt, renderedAt] of pairs) {
        if (text === '') continue;
        if (renderedAt === null) {
          timings.overtaken++;
          continue;
        }
        timings.all.push(renderedAt - typedAt);
        if (text === query.trim()) timings.last.push(renderedAt - typedAt);
      }
    }
  } finally {
    await browser.close();
  }
  return timings;
}
