import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { freePort } from '../support/child.ts';

const CHROMIUM = '/usr/bin/chromium';
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

describe('signing in with a real browser', () => {
  let server: LocalServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is needed at ${CHROMIUM}: install it with \`apt-get install -y chromium\`.`);
    }
    server = await startLocalServer(inject('localEnv'), await freePort());
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('singer1 signs in on the login page, lands with a session cookie and reads /api/me', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/auth/login?returnTo=/api/me`);
    expect(new URL(page.url()).pathname).toMatch(/^\/oidc\/interaction\//);
    await page.getByLabel('User name').fill('singer1');
    await page.getByLabel('Password').fill('singer1');
    await Promise.all([
      page.waitForURL(`${server.url}/api/me`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);

    const singer1 = DEMO_USERS.find((user) => user.username === 'singer1');
    expect(JSON.parse((await page.locator('body').textContent()) ?? '')).toMatchObject({
      id: singer1?.sub,
      name: 'Singer 1',
      email: 'singer1@karaoke.test',
      roles: ['singer'],
    });
    const sid = (await context.cookies(server.url)).find((cookie) => cookie.name === 'sid');
    expect(sid).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    // Scripts on the page cannot read the session cookie.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('sid=');
    await context.close();
  });
});
