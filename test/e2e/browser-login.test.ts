import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { freePort } from '../support/child.ts';
import { launchChromium } from '../support/web-browser.ts';

describe('signing in with a real browser', () => {
  let server: LocalServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    browser = await launchChromium();
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
    const sid = (await context.cookies(server.url)).find((cookie) => cookie.name === '__Host-sid');
    // Secure and __Host- even on the local stack's plain-http 127.0.0.1: Chromium keeps it there.
    expect(sid).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    // Scripts on the page cannot read the session cookie.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('sid=');
    await context.close();
  });

  it('signs out with a form post: the session and the provider session end, the next sign-in asks again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/auth/login?returnTo=/api/me`);
    await page.getByLabel('User name').fill('singer2');
    await page.getByLabel('Password').fill('singer2');
    await Promise.all([
      page.waitForURL(`${server.url}/api/me`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    // A sign-out form, as a page submits it: the BFF, then the provider's sign-out, then home.
    await Promise.all([
      page.waitForURL(`${server.url}/`),
      page.evaluate(`(() => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = '/auth/logout';
        document.body.append(form);
        form.submit();
      })()`),
    ]);
    expect((await context.cookies(server.url)).map((cookie) => cookie.name)).not.toContain('__Host-sid');
    await page.goto(`${server.url}/auth/login?returnTo=/api/me`);
    expect(new URL(page.url()).pathname).toMatch(/^\/oidc\/interaction\//);
    await expect(page.getByLabel('Password').count()).resolves.toBe(1);
    await context.close();
  });
});
