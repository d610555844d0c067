import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';
import { AUDIO_FIXTURES } from '../support/media.ts';
import {
  type Browser,
  expectNoSeriousA11yViolations,
  launchChromium,
  loadSampleSongs,
  type Page,
  screenshots,
  signedInContext,
  watchProblems,
} from '../support/web-browser.ts';

const BELIEVIN = "Don't Stop Believin'";
const HOSTILE_NAME = '<script>alert(1)</script> 💃🏽 שלום עולם';
const userId = (username: string) => {
  const found = DEMO_USERS.find((user) => user.username === username);
  if (found === undefined) throw new Error(`no demo user ${username}`);
  return found.sub;
};

/** Chooses a song in a search box with the keyboard: type, ↓ to it, Enter. */
async function chooseSong(page: Page, typed: string, title: string | RegExp) {
  const box = page.getByRole('combobox', { name: 'Search songs' });
  await box.fill('');
  await box.pressSequentially(typed, { delay: 15 });
  const option = page.getByRole('option').filter({ hasText: title }).first();
  await option.waitFor();
  const ids = await page.getByRole('option').evaluateAll((nodes) => nodes.map((node) => node.id));
  const target = await option.getAttribute('id');
  for (let pressed = 0; pressed <= ids.indexOf(target ?? ''); pressed++) await box.press('ArrowDown');
  await box.press('Enter');
}

/** No sideways scrolling at a phone's width; on failure, names the elements that stick out. */
async function fitsAPhone(page: Page, what: string) {
  const original = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.setViewportSize({ width: 360, height: 740 });
  const wide = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
    .filter((node) => node.getBoundingClientRect().right > 360.5 && !node.closest('.table-scroll, .results'))
    .map((node) => node.tagName.toLowerCase() + '.' + [...node.classList].join('.') + ' ' + Math.round(node.getBoundingClientRect().right))`);
  const width = await page.evaluate<number>('document.documentElement.scrollWidth');
  expect({ width: width <= 360 ? 'fits' : width, wide }, what).toEqual({ width: 'fits', wide: [] });
  await page.setViewportSize(original);
}

describe('the library pages in Chromium: upload, playlists, shares and pitches', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  let browser: Browser;
  /** The song the curator's test gives audio to; the sharing test plays it. */
  let uploaded: { id: string; title: string } | undefined;

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    // A few dozen songs are enough to pick from ("No Diggity" among them), and spare the shared cores.
    [browser] = await Promise.all([
      launchChromium(),
      loadSampleSongs(server.internalUrl, inject('localEnv'), 40),
    ]);
    // The media inspector runs in the local sync.
    sync = await startLocalSync({ env: inject('localEnv') });
  });

  afterAll(async () => {
    await browser?.close();
    await sync?.stop();
    await server?.close();
  });

  const tokenOf = (username: string) => issueLocalAccessToken(server.oidcIssuer, username);
  const apiAs = async (username: string, route: string, init: RequestInit = {}) =>
    fetch(`${server.url}/api${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${await tokenOf(username)}`,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  it('a curator adds a song, uploads audio files straight to the bucket and sees each checked', async () => {
    const curator = await signedInContext(browser, server.url, 'curator', '/library/upload');
    const problems = watchProblems(curator.page);
    const { page } = curator;
    await page.getByRole('heading', { name: '1. The song' }).waitFor();
    await expectNoSeriousA11yViolations(page, 'upload page');

    // A new song, named with markup, emoji and right-to-left text: all of it shows as text.
    await page.getByRole('button', { name: 'Add a new song' }).click();
    const title = `${HOSTILE_NAME} ${Date.now()}`;
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Artist').fill('The Fixtures');
    const songCreated = page.waitForResponse(
      (response) => response.request().method() === 'POST' && response.url().endsWith('/api/songs'),
    );
    await page.getByRole('button', { name: 'Add the song' }).click();
    uploaded = { id: ((await (await songCreated).json()) as { id: string }).id, title };
    await page.getByText('Uploading for').waitFor();
    expect(await page.locator('.chosen strong').textContent()).toBe(title);

    // Two audio files and one that only claims to be audio, dropped on the picker at once.
    await page
      .getByLabel(/Drop audio files here/)
      .setInputFiles(
        ['tone.mp3', 'tone.flac', 'text-named.mp3'].map((name) => path.join(AUDIO_FIXTURES, name)),
      );
    const row = (name: string) => page.locator('.uploads li', { hasText: name });
    await expect.poll(() => row('tone.mp3').getAttribute('data-stage'), { timeout: 30_000 }).toBe('ready');
    await expect.poll(() => row('tone.flac').getAttribute('data-stage'), { timeout: 30_000 }).toBe('ready');
    await expect
      .poll(() => row('text-named.mp3').getAttribute('data-stage'), { timeout: 30_000 })
      .toBe('rejected');
    expect(await row('tone.mp3').locator('.upload-status').textContent()).toMatch(/^Ready: MP3 · 0:03/);
    expect(await row('tone.mp3').locator('progress').getAttribute('value')).toBe('100');
    expect(await page.getByText('2 ready, 1 refused').count()).toBe(1);
    expect(await row('text-named.mp3').locator('.upload-status').textContent()).toMatch(/^Refused: ./);
    // The song's own list, read from the API, agrees.
    await expect.poll(() => page.locator('.media-list .badge.ready').count()).toBe(2);

    expect(problems).toEqual([]);

    // A file the API refuses before any upload (400): it says why, and nothing is sent.
    await page.getByLabel(/Drop audio files here/).setInputFiles(path.join(AUDIO_FIXTURES, 'image.png'));
    await expect.poll(() => row('image.png').getAttribute('data-stage')).toBe('failed');
    expect(await row('image.png').locator('.upload-status').textContent()).toMatch(/^Not uploaded: ./);

    await expectNoSeriousA11yViolations(page, 'upload page with uploads');
    await screenshots(page, 'web-upload');
    await fitsAPhone(page, 'upload page');
    expect(problems).toEqual([
      'console: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    await curator.context.close();
  });

  it('tells a singer the upload page is for curators', async () => {
    const singer = await signedInContext(browser, server.url, 'singer3', '/library/upload');
    await singer.page.getByText('Uploading audio is for curators.').waitFor();
    expect(await singer.page.getByRole('link', { name: 'Upload' }).count()).toBe(0);
    await singer.context.close();
  });

  it('a singer makes a playlist, adds two songs, reorders them with the keyboard, shares one and pitches it', async () => {
    const owner = await signedInContext(browser, server.url, 'singer1', '/library/playlists');
    const problems = watchProblems(owner.page);
    const { page } = owner;
    await page
      .getByRole('navigation', { name: 'Site' })
      .getByRole('link', { name: 'My playlists' })
      .waitFor();
    expect(
      await page
        .getByRole('navigation', { name: 'Site' })
        .getByRole('link', { name: 'My playlists' })
        .getAttribute('aria-current'),
    ).toBe('page');
    await expectNoSeriousA11yViolations(page, 'playlists page');

    const name = `${HOSTILE_NAME} ${Date.now()}`;
    await page.getByLabel('Name', { exact: true }).fill(name);
    await Promise.all([
      page.waitForURL(/\/library\/playlists\/[0-9a-f-]{36}$/),
      page.getByRole('button', { name: 'Make the playlist' }).click(),
    ]);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(name);
    // The title follows the heading in an effect after the render, so it may lag one frame.
    await expect.poll(() => page.title()).toBe(`${name} · Karaoke Suite`);
    expect(await page.locator('script:not([src])').count()).toBe(0);

    await chooseSong(page, 'dont stop belie', BELIEVIN);
    await page.getByText(`Added “${BELIEVIN}”.`).waitFor();
    await chooseSong(page, 'no diggity', 'No Diggity');
    await page.getByText('Added “No Diggity”.').waitFor();
    const items = page.locator('.playlist-items > li');
    const titles = () => items.locator('.item-song strong').allTextContents();
    expect(await titles()).toEqual([BELIEVIN, 'No Diggity']);

    // Keyboard: focus the first song and move it down with Alt+↓; focus follows the song.
    await items.first().focus();
    await page.keyboard.press('Alt+ArrowDown');
    await expect.poll(titles).toEqual(['No Diggity', BELIEVIN]);
    await page.getByText(/^Moved “Don't Stop Believin'” by .+ to place 2\.$/).waitFor();
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toContain(BELIEVIN);
    // And the buttons, reached and pressed from the keyboard.
    await page.getByRole('button', { name: `Move “${BELIEVIN}”, place 2, up` }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(titles).toEqual([BELIEVIN, 'No Diggity']);

    // singer3 joins as an editor, by user id, and can be made a viewer again.
    await page.getByLabel('Add a member by user id').fill(userId('singer3'));
    await page.getByRole('combobox', { name: /^As\b/ }).selectOption('editor');
    await page.getByRole('button', { name: 'Add the member' }).click();
    const role = page.getByLabel(`Role of ${userId('singer3')}`);
    await expect.poll(() => role.inputValue()).toBe('editor');
    await role.selectOption('viewer');
    await page.getByText(`${userId('singer3')} is now a viewer.`).waitFor();

    // Share "No Diggity" with singer2, who sees it under "Shared with me".
    await page.getByRole('button', { name: 'Share “No Diggity”, place 2' }).click();
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('share-user');
    await page.getByLabel('With (user id)').fill(userId('singer2'));
    await page.getByLabel('Message (optional)').first().fill('For Friday 💃🏽');
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByText(`Shared “No Diggity” with ${userId('singer2')}.`).waitFor();

    // The curator shares the song they gave audio to, for download.
    if (uploaded === undefined) throw new Error('the upload test did not leave a song with audio');
    const withAudio = uploaded;
    const curatorShare = await apiAs('curator', '/shares', {
      method: 'POST',
      body: JSON.stringify({ songId: withAudio.id, userId: userId('singer2'), permission: 'download' }),
    });
    expect(curatorShare.status).toBe(201);

    const friend = await signedInContext(browser, server.url, 'singer2', '/library/shared');
    const friendProblems = watchProblems(friend.page);
    const shared = friend.page.locator('.shared', { hasText: 'No Diggity' }).first();
    await shared.waitFor();
    expect(await shared.locator('.share-message').textContent()).toBe('For Friday 💃🏽');
    expect(await shared.textContent()).toContain('play');
    expect(await shared.getByRole('link', { name: /Download/ }).count()).toBe(0);
    // The curator's song plays here, and downloads.
    const playable = friend.page.locator('.shared', { hasText: withAudio.title }).first();
    expect(await playable.getByRole('link', { name: /Download/ }).getAttribute('href')).toBe(
      `/api/songs/${withAudio.id}/media/download`,
    );
    await playable.getByRole('button', { name: `Play “${withAudio.title}”` }).click();
    const audio = playable.locator('audio');
    await expect
      .poll(() => audio.evaluate((node) => (node as unknown as { readyState: number }).readyState), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    await expectNoSeriousA11yViolations(friend.page, 'shared with me');
    await screenshots(friend.page, 'web-shared');
    await fitsAPhone(friend.page, 'shared with me');
    expect(friendProblems).toEqual([]);
    await friend.context.close();

    // Pitch the playlist: each recipient's link is shown once, with a copy button.
    await page.getByLabel(/^Recipients/).fill('Ada Lovelace <ada@example.com>\nbob@example.com');
    await page.getByLabel('Message (optional)').nth(1).fill('Two songs for your Friday night.');
    await page.getByLabel('Password (optional)').fill('open sesame');
    await page.getByLabel('Let them download the songs').check();
    await page.getByRole('button', { name: 'Send the pitch' }).click();
    const links = page.locator('.sent-links li');
    await expect.poll(() => links.count()).toBe(2);
    for (const address of ['ada@example.com', 'bob@example.com']) {
      const link = await page.getByRole('textbox', { name: `Link for ${address}` }).inputValue();
      expect(link).toMatch(new RegExp(`^${server.url}/p/[A-Za-z0-9_-]{20,}$`));
      await page.getByRole('button', { name: `Copy the link for ${address}` }).waitFor();
    }
    await page.getByText('it is shown only this once').waitFor();
    const pitch = page.locator('.pitch').first();
    await pitch.waitFor();
    expect(await pitch.locator('tbody tr').count()).toBe(2);
    expect(await pitch.locator('tbody tr').first().locator('td').first().textContent()).toBe('0');
    await expectNoSeriousA11yViolations(page, 'playlist page with a pitch');
    await screenshots(page, 'web-playlist');
    await fitsAPhone(page, 'playlist page');

    // Done with the links: they are gone from the page; the pitch is revoked.
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await links.count()).toBe(0);
    await pitch.getByRole('button', { name: 'Revoke the whole pitch' }).click();
    await expect.poll(() => pitch.locator('.badge').textContent()).toBe('revoked');

    // The list shows the playlist with its two songs.
    await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'My playlists' }).click();
    await page.getByRole('link', { name }).waitFor();
    expect(await page.locator('.playlist-list li', { hasText: name }).textContent()).toContain('2 songs');
    await screenshots(page, 'web-playlists');
    expect(problems).toEqual([]);
    await owner.context.close();
  });

  it('answers a stale rename by reloading and saying what someone else changed', async () => {
    const created = await apiAs('singer4', '/playlists', {
      method: 'POST',
      body: JSON.stringify({ name: 'Before' }),
    });
    const { id } = (await created.json()) as { id: string };
    const owner = await signedInContext(browser, server.url, 'singer4', `/library/playlists/${id}`);
    const { page } = owner;
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Before');

    // Someone else renames it and adds a song behind the page's back.
    const songs = (await (await fetch(`${server.url}/api/songs/search?q=journey&limit=1`)).json()) as {
      items: Array<{ id: string; title: string }>;
    };
    const song = songs.items[0];
    expect(song).toBeDefined();
    expect(
      (await apiAs('singer4', `/playlists/${id}`, { method: 'PATCH', body: '{"name":"Elsewhere"}' })).status,
    ).toBe(200);
    expect(
      (
        await apiAs('singer4', `/playlists/${id}/items`, {
          method: 'POST',
          body: JSON.stringify({ songId: song?.id }),
        })
      ).status,
    ).toBe(201);

    await page.getByLabel('Playlist name').fill('Mine');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page
      .getByText(
        `The playlist had changed: it was renamed “Elsewhere”; “${song?.title}” was added. Nothing was saved: try again.`,
      )
      .waitFor();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Elsewhere');
    // Now the page holds the current version: the same rename goes through.
    await page.getByLabel('Playlist name').fill('Mine');
    await page.getByRole('button', { name: 'Rename' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Mine');
    await owner.context.close();
  });

  it('says when the API refuses (429) or cannot be reached, and shows hostile names as text', async () => {
    const singer = await signedInContext(browser, server.url, 'singer5', '/library/shared');
    const { page } = singer;
    await page.getByRole('heading', { name: 'Shared with me' }).waitFor();

    await page.route('**/api/playlists?**', (route) =>
      route.fulfill({
        status: 429,
        headers: { 'retry-after': '7', 'content-type': 'application/problem+json' },
        body: JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429 }),
      }),
    );
    await page.goto(`${server.url}/library/playlists`);
    await page.getByText('Too many requests: try again in 7 s.').waitFor();

    await page.unroute('**/api/playlists?**');
    await page.route('**/api/shares?**', (route) => route.abort('connectionrefused'));
    await page.goto(`${server.url}/library/shared`);
    await page.getByText('The service cannot be reached.').waitFor();
    await page.unroute('**/api/shares?**');

    // Whatever the API sends back is text: markup, emoji, right-to-left, 200 characters unbroken.
    const hostile = ['<img src=x onerror=alert(1)>', '💃🏽🎤', 'שלום עולם', 'x'.repeat(200)];
    await page.route('**/api/playlists?**', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          total: hostile.length,
          cursor: null,
          items: hostile.map((name, index) => ({
            id: `00000000-0000-4000-8000-00000000000${index}`,
            ownerId: userId('singer5'),
            name,
            description: null,
            version: 1,
            createdAt: new Date().toISOString(),
            updatedAt: new Date().toISOString(),
            itemCount: 0,
            access: 'owner',
          })),
        }),
      }),
    );
    await page.goto(`${server.url}/library/playlists`);
    await page.locator('.playlist-name').first().waitFor();
    expect(await page.locator('.playlist-name').allTextContents()).toEqual(hostile);
    expect(await page.locator('main img').count()).toBe(0);
    await fitsAPhone(page, 'playlists with hostile names');
    await singer.context.close();
  });

  it('sends a visitor who is not signed in to sign in from each library page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const route of ['/library/upload', '/library/playlists', '/library/shared']) {
      await page.goto(`${server.url}${route}`);
      const signIn = page.locator('main').getByRole('link', { name: 'Sign in' });
      await signIn.waitFor();
      expect(await signIn.getAttribute('href')).toBe(`/auth/login?returnTo=${encodeURIComponent(route)}`);
    }
    await context.close();
  });
});
