import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { freePort } from '../support/child.ts';
import {
  type Browser,
  expectNoSeriousA11yViolations,
  launchChromium,
  loadSampleSongs,
  type Page,
  screenshots,
  signInOnProvider,
  watchProblems,
} from '../support/web-browser.ts';

const BELIEVIN = "Don't Stop Believin'";

describe('the song search box in Chromium', () => {
  let server: LocalServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    [browser] = await Promise.all([
      launchChromium(),
      loadSampleSongs(server.internalUrl, inject('localEnv')),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const openHome = async (query = '') => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${server.url}/${query}`);
    return { context, page, problems, box: page.getByRole('combobox', { name: 'Search songs' }) };
  };
  const options = (page: Page) => page.getByRole('listbox', { name: 'Songs' }).getByRole('option');

  it('finds "Don\'t Stop Believin\'" as "dont stop belie" is typed, and arrow keys and Enter open it', async () => {
    const { context, page, problems, box } = await openHome();
    await box.pressSequentially('dont stop belie', { delay: 40 });
    const believin = options(page).filter({ hasText: BELIEVIN }).first();
    await believin.waitFor();
    // The matched words are marked.
    expect(await believin.locator('mark').allTextContents()).toEqual(["Don't", 'Stop', 'Belie']);
    expect(new URL(page.url()).searchParams.get('q')).toBe('dont stop belie');
    await expectNoSeriousA11yViolations(page, 'search page with results');
    await screenshots(page, 'web-search');

    const ids = await options(page).evaluateAll((nodes) => nodes.map((node) => node.id));
    const target = await believin.getAttribute('id');
    for (let pressed = 0; pressed <= ids.indexOf(target ?? ''); pressed++) await box.press('ArrowDown');
    expect(await box.getAttribute('aria-activedescendant')).toBe(target);
    expect(await believin.getAttribute('aria-selected')).toBe('true');
    await Promise.all([page.waitForURL(/\/songs\/[0-9a-f-]{36}$/), box.press('Enter')]);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(BELIEVIN);
    await expectNoSeriousA11yViolations(page, 'song page');
    await screenshots(page, 'web-song');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says no songs match, with what was typed, and Escape closes then clears', async () => {
    const { context, page, box } = await openHome();
    await box.pressSequentially('love');
    await options(page).first().waitFor();
    await box.press('Escape');
    expect(await box.getAttribute('aria-expanded')).toBe('false');
    await box.press('Escape');
    expect(await box.inputValue()).toBe('');
    await box.pressSequentially('zzqxjv');
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('No songs match “zzqxjv”.');
    await context.close();
  });

  it('shows hostile input as text and keeps it encoded in the address', async () => {
    const { context, page, problems, box } = await openHome();
    const typed = ['<script>alert(1)</script>', '💃🏽 ¡hola!', 'שלום עולם', `${'x'.repeat(189)}<img src=x>`];
    for (const text of typed) {
      await box.fill(text);
      await expect.poll(() => page.getByRole('status').first().textContent()).not.toBe('');
      const status = (await page.getByRole('status').first().textContent()) ?? '';
      if (status.startsWith('No songs match')) expect(status).toBe(`No songs match “${text}”.`);
      expect(new URL(page.url()).searchParams.get('q')).toBe(text);
      expect(page.url()).not.toContain('<');
      expect(page.url()).not.toContain(' ');
      await box.fill('');
    }
    // What the API sends back is text too: a title made of markup shows as those characters.
    const hostileTitle = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    await page.route('**/api/songs/search?**', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          total: 1,
          cursor: null,
          facets: { decade: [], genre: [], explicit: [] },
          items: [
            {
              id: '00000000-0000-4000-8000-000000000001',
              title: hostileTitle,
              artist: 'שלום 💃🏽',
              year: 1999,
              genre: null,
              durationMs: null,
              explicit: false,
              hasAudio: true,
              version: 1,
            },
          ],
        }),
      }),
    );
    await box.fill('img');
    await options(page).first().waitFor();
    expect(await page.locator('.option-title').first().textContent()).toBe(`${hostileTitle} ♪, has audio`);
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('keeps the newest answer when an older one arrives late', async () => {
    const { context, page, box } = await openHome();
    // The search for "jou" is held back until after "journey" has been answered.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/songs/search?**', async (route) => {
      if (new URL(route.request().url()).searchParams.get('q') === 'jou') await held;
      await route.continue().catch(() => undefined);
    });
    await box.pressSequentially('jou');
    await page.waitForTimeout(300);
    await box.pressSequentially('rney');
    await options(page).filter({ hasText: 'Journey' }).first().waitFor();
    release();
    await page.waitForTimeout(500);
    expect(await box.inputValue()).toBe('journey');
    const artists = await page.locator('.option-meta').allTextContents();
    expect(artists.length).toBeGreaterThan(0);
    expect(artists.every((artist) => /journey/i.test(artist))).toBe(true);
    await context.close();
  });

  it('says when search is down or refuses, and keeps the results it had', async () => {
    const { context, page, box } = await openHome('?q=love');
    await options(page).first().waitFor();
    const before = await options(page).count();
    await page.route('**/api/songs/search?**', (route) => route.abort('connectionrefused'));
    await box.pressSequentially(' me');
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toBe('Search is not answering right now. Showing the last results.');
    expect(await options(page).count()).toBe(before);
    await page.unroute('**/api/songs/search?**');
    await page.route('**/api/songs/search?**', (route) =>
      route.fulfill({
        status: 429,
        headers: { 'retry-after': '7', 'content-type': 'application/problem+json' },
        body: JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429 }),
      }),
    );
    await box.pressSequentially('!');
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('try again in 7 s');
    await context.close();
  });

  it('fits a 360 px wide screen without sideways scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/?q=${encodeURIComponent('dont stop')}`);
    await options(page).first().waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await context.close();
  });

  it('singer1 signs in from the header, keeps a favourite from the song page and signs out', async () => {
    const { context, page, box } = await openHome();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await signInOnProvider(page, 'singer1');
    await page.waitForURL(`${server.url}/`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await box.pressSequentially('dont stop believin');
    await options(page).filter({ hasText: BELIEVIN }).first().click();
    await page.waitForURL(/\/songs\//);
    const favourite = page.getByRole('button', { name: /favourites/ });
    await expect.poll(() => favourite.isEnabled()).toBe(true);
    if ((await favourite.getAttribute('aria-pressed')) === 'true') await favourite.click();
    await page.getByRole('button', { name: '☆ Add to favourites' }).click();
    await page.getByRole('button', { name: '★ In your favourites' }).waitFor();
    await expectNoSeriousA11yViolations(page, 'song page, signed in');
    await screenshots(page, 'web-song-signed-in');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    await context.close();
  });
});
