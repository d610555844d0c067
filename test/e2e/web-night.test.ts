import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';
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

/** Chooses a song in a request form's search box with the keyboard: type, ↓, Enter. */
async function chooseSong(page: Page, typed: string, title: string) {
  const box = page.getByRole('combobox', { name: 'Search songs' });
  await box.pressSequentially(typed, { delay: 20 });
  const option = page.getByRole('option').filter({ hasText: title }).first();
  await option.waitFor();
  const ids = await page.getByRole('option').evaluateAll((nodes) => nodes.map((node) => node.id));
  const target = await option.getAttribute('id');
  for (let pressed = 0; pressed <= ids.indexOf(target ?? ''); pressed++) await box.press('ArrowDown');
  await box.press('Enter');
  await page.getByText(`Chosen: ${title}`, { exact: false }).waitFor();
}

describe('a karaoke night in Chromium: the KJ console, a singer and the venue display', () => {
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

  it('the KJ opens a night, singer1 requests and sees their place, the KJ advances and everyone follows', async () => {
    const kj = await signedInContext(browser, server.url, 'kj', '/kj');
    const kjProblems = watchProblems(kj.page);
    await expectNoSeriousA11yViolations(kj.page, 'open a night');
    await screenshots(kj.page, 'web-kj-open');
    await kj.page.getByLabel('Name of the night').fill('Friday at the Ivy');
    await Promise.all([
      kj.page.waitForURL(/\/events\/[0-9a-f-]{36}\/kj$/),
      kj.page.getByRole('button', { name: 'Open the night' }).click(),
    ]);
    const eventId = new URL(kj.page.url()).pathname.split('/')[2] as string;

    // The venue's screen, with nobody signed in.
    const display = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const screen = await display.newPage();
    const screenProblems = watchProblems(screen);
    await screen.goto(`${server.url}/events/${eventId}/display`);
    await screen.getByText('The stage is free').waitFor();

    const singer = await signedInContext(browser, server.url, 'singer1', `/events/${eventId}`);
    const singerProblems = watchProblems(singer.page);
    await singer.page.getByText('You have no song waiting').waitFor();
    await chooseSong(singer.page, 'dont stop belie', "Don't Stop Believin'");
    await singer.page.getByLabel('Key change').selectOption('-2');
    await singer.page.getByRole('button', { name: /^Request “Don't Stop Believin'”/ }).click();
    await singer.page.getByText('You are 1st in line').waitFor();
    expect(await singer.page.getByText('Your song:').textContent()).toContain("Don't Stop Believin'");
    expect(await singer.page.getByText('Estimated start:').textContent()).toMatch(/\d/);
    await expectNoSeriousA11yViolations(singer.page, 'singer at a night');
    await screenshots(singer.page, 'web-night-singer');

    // Two more singers, through the API, so the KJ has a line to reorder.
    for (const username of ['singer2', 'singer3']) {
      const token = await issueLocalAccessToken(server.oidcIssuer, username);
      const songs = (await (await fetch(`${server.url}/api/songs/search?q=love&limit=3`)).json()) as {
        items: Array<{ id: string }>;
      };
      const response = await fetch(`${server.url}/api/events/${eventId}/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ songId: songs.items[0]?.id }),
      });
      expect(response.status).toBe(201);
    }
    const upNext = kj.page.locator('.kj-queue li');
    await expect.poll(() => upNext.count(), { timeout: 5000 }).toBe(3);
    // Singers by id: stage names are whatever other tests left them as, and may repeat.
    const order = () => upNext.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-singer')));
    const moveButton = (place: number, direction: 'up' | 'down') =>
      upNext.nth(place).getByRole('button', { name: new RegExp(`place ${place + 1}, ${direction}$`) });

    // Keyboard move: the buttons move a singer one place.
    const [first, second, third] = await order();
    await moveButton(0, 'down').click();
    await expect.poll(order).toEqual([second, first, third]);
    // Drag and drop: the last singer dropped on the first place.
    await upNext.nth(2).dragTo(upNext.nth(0));
    await expect.poll(order).toEqual([third, second, first]);
    // Back to singer1 first.
    const singer1 = DEMO_USERS.find((user) => user.username === 'singer1')?.sub;
    for (let place = (await order()).indexOf(singer1 ?? ''); place > 0; place--) {
      await moveButton(place, 'up').click();
      await expect.poll(async () => (await order()).indexOf(singer1 ?? '')).toBe(place - 1);
    }
    const singer1Name = (await upNext.nth(0).locator('strong').textContent()) ?? '';
    // The KJ changes singer1's key: the console says so, and the singer's page shows it.
    await upNext.nth(0).getByLabel(`Key change for ${singer1Name}`).selectOption('3');
    await kj.page.getByText(`${singer1Name}'s song is now in +3 semitones.`).waitFor();
    expect(await upNext.nth(0).getByLabel(`Key change for ${singer1Name}`).inputValue()).toBe('3');
    await expect
      .poll(() => singer.page.getByText('Your song:').textContent(), { timeout: 5000 })
      .toContain('+3 semitones');
    await expectNoSeriousA11yViolations(kj.page, 'KJ console');
    await screenshots(kj.page, 'web-kj-console');

    // The KJ advances: the singer's page and the venue's screen follow.
    await kj.page.getByRole('button', { name: 'Advance' }).click();
    await kj.page.getByText('Advanced to the next singer.').waitFor();
    const advancedAt = Date.now();
    await screen.locator('.display-singer', { hasText: singer1Name }).waitFor({ timeout: 2000 });
    expect(Date.now() - advancedAt).toBeLessThan(2000);
    expect(await screen.locator('.display-next li').count()).toBe(2);
    await singer.page.getByText('You are on stage now!').waitFor({ timeout: 5000 });
    await expectNoSeriousA11yViolations(screen, 'venue display');
    await screenshots(screen, 'web-display');

    // Someone else moves the night on behind the KJ's page: the KJ's next action is refused (412),
    // and the page reloads the rotation and says what changed. The page's polls see no change until
    // the KJ acts (a poll let through before the click would have shown the change already).
    let stale = true;
    await kj.page.route('**/rotation**', (route) => {
      if (route.request().method() !== 'GET') stale = false;
      return stale ? route.fulfill({ status: 304 }) : route.fallback();
    });
    await kj.page.waitForTimeout(2500);
    const kjToken = await issueLocalAccessToken(server.oidcIssuer, 'kj');
    const elsewhere = await fetch(`${server.url}/api/events/${eventId}/rotation/advance`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kjToken}`, 'if-match': '*' },
    });
    expect(elsewhere.status).toBe(200);
    await kj.page.getByRole('button', { name: 'Skip' }).click();
    await kj.page.getByText(/The rotation had changed: .* is now performing/).waitFor();
    await kj.page.unroute('**/rotation**');

    // The singer withdraws nothing left; the KJ closes the night.
    await kj.page.getByRole('button', { name: 'Close the night' }).click();
    await kj.page.getByRole('button', { name: 'Yes, close it' }).click();
    await kj.page.getByText('This night is closed.').first().waitFor();

    expect([...kjProblems, ...screenProblems, ...singerProblems]).toEqual([]);
    await Promise.all([kj.context.close(), singer.context.close(), display.close()]);
  });

  it('a singer withdraws a request', async () => {
    const kjToken = await issueLocalAccessToken(server.oidcIssuer, 'kj');
    const opened = await fetch(`${server.url}/api/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kjToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Withdrawals', publicDisplay: false }),
    });
    const { id } = (await opened.json()) as { id: string };
    const singer = await signedInContext(browser, server.url, 'singer4', `/events/${id}`);
    await chooseSong(singer.page, 'dont stop', "Don't Stop Believin'");
    await singer.page.getByRole('button', { name: /^Request / }).click();
    await singer.page.getByText('You are 1st in line').waitFor();
    await singer.page.getByRole('button', { name: /^Withdraw/ }).click();
    await singer.page.getByText('You have no song waiting').waitFor();
    await singer.context.close();
  });

  it('sends a visitor of a night that is not public to sign in, and back', async () => {
    const kjToken = await issueLocalAccessToken(server.oidcIssuer, 'kj');
    const opened = await fetch(`${server.url}/api/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kjToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Private party', publicDisplay: false }),
    });
    const { id } = (await opened.json()) as { id: string };
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/events/${id}/display`);
    await page.waitForURL(/\/oidc\/interaction\//);
    await page.getByLabel('User name').fill('kj');
    await page.getByLabel('Password').fill('kj');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/events/${id}/display`);
    await page.getByText('Private party').waitFor();
    await context.close();
  });
});
