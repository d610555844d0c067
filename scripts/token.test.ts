import { describe, expect, it } from 'vitest';
import { CookieJar } from './token.ts';

const responseSetting = (...cookies: string[]) => {
  const headers = new Headers();
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(null, { headers });
};

describe('the cookie jar of the headless sign-in', () => {
  const site = new URL('http://127.0.0.1:3000/auth/login');

  it('sends a cookie only below its path and only to its host', () => {
    const jar = new CookieJar();
    jar.store(site, responseSetting('sid_login=abc; Path=/auth/callback; HttpOnly', 'sid=xyz; Path=/'));
    expect(jar.header(new URL('http://127.0.0.1:3000/auth/callback?code=1'))).toBe('sid_login=abc; sid=xyz');
    expect(jar.header(new URL('http://127.0.0.1:3000/api/me'))).toBe('sid=xyz');
    expect(jar.header(new URL('http://127.0.0.1:3000/auth/callbackish'))).toBe('sid=xyz');
    expect(jar.header(new URL('http://127.0.0.1:4000/api/me'))).toBeUndefined();
  });

  it('forgets a cookie the server expires', () => {
    const jar = new CookieJar();
    jar.store(site, responseSetting('sid=xyz; Path=/'));
    jar.store(site, responseSetting('sid=; Max-Age=0; Path=/'));
    expect(jar.get(site, 'sid')).toBeUndefined();
  });
});
