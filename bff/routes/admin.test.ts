import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { testAuth } from '../auth/testing.ts';
import { memoryBffDeps } from '../testing.ts';

async function appWith() {
  const auth = await testAuth();
  const app = createApp(memoryBffDeps(auth.deps));
  return { app, auth };
}

const victim = { id: randomUUID(), name: 'Victim', roles: ['singer' as const] };
const bystander = { id: randomUUID(), name: 'Bystander', roles: ['singer' as const] };
const cookie = (sid: string) => ({ cookie: `__Host-sid=${sid}` });
const ORIGIN = { origin: 'http://bff.test' };

describe("an admin ends a user's sessions", () => {
  it("ends every session of the user (their cookies get 401 at once) and nobody else's", async () => {
    const { app, auth } = await appWith();
    const phone = await auth.sessionFor(victim);
    const laptop = await auth.sessionFor(victim);
    const other = await auth.sessionFor(bystander);
    const admin = await auth.bearerToken({ sub: randomUUID(), groups: ['admin'] });
    const response = await app.request(`/api/admin/users/${victim.id}/sessions`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ revoked: 2 });
    for (const sid of [phone, laptop]) {
      expect((await app.request('/api/me', { headers: cookie(sid) })).status).toBe(401);
    }
    expect((await app.request('/auth/session', { headers: cookie(other) })).status).toBe(200);
  });

  it('works from an admin browser session too (same-origin), and says 0 for a user without sessions', async () => {
    const { app, auth } = await appWith();
    const adminSid = await auth.sessionFor({ id: randomUUID(), roles: ['admin'] });
    const response = await app.request(`/api/admin/users/${randomUUID()}/sessions`, {
      method: 'DELETE',
      headers: { ...cookie(adminSid), ...ORIGIN },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ revoked: 0 });
  });

  it.each([
    ['anonymous', undefined, 401],
    ['a singer', ['singer'], 403],
    ['a KJ', ['kj'], 403],
    ['a curator', ['curator'], 403],
  ])('refuses %s', async (_who, groups, status) => {
    const { app, auth } = await appWith();
    const sid = await auth.sessionFor(victim);
    const headers: Record<string, string> = groups
      ? { authorization: `Bearer ${await auth.bearerToken({ sub: victim.id, groups })}` }
      : {};
    const response = await app.request(`/api/admin/users/${victim.id}/sessions`, {
      method: 'DELETE',
      headers,
    });
    expect(response.status).toBe(status);
    expect((await app.request('/auth/session', { headers: cookie(sid) })).status).toBe(200);
  });

  it('refuses an admin session riding on a cross-site request', async () => {
    const { app, auth } = await appWith();
    const adminSid = await auth.sessionFor({ id: randomUUID(), roles: ['admin'] });
    const sid = await auth.sessionFor(victim);
    const response = await app.request(`/api/admin/users/${victim.id}/sessions`, {
      method: 'DELETE',
      headers: { ...cookie(adminSid), origin: 'https://evil.example' },
    });
    expect(response.status).toBe(403);
    expect((await app.request('/auth/session', { headers: cookie(sid) })).status).toBe(200);
  });

  it.each([
    ['not a uuid', 'admin'],
    ['a wildcard', '*'],
    ['oversized', 'a'.repeat(5000)],
    ['a key pattern', encodeURIComponent('sessions:user:*')],
  ])('answers 400 for a user id that is %s, and ends nothing', async (_case, userId) => {
    const { app, auth } = await appWith();
    const sid = await auth.sessionFor(victim);
    const admin = await auth.bearerToken({ sub: randomUUID(), groups: ['admin'] });
    const response = await app.request(`/api/admin/users/${userId}/sessions`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await app.request('/auth/session', { headers: cookie(sid) })).status).toBe(200);
  });
});

describe('signing out everywhere', () => {
  it("ends every session of the user, clears this browser's cookie and ends the provider session", async () => {
    const { app, auth } = await appWith();
    const here = await auth.sessionFor(victim);
    const elsewhere = await auth.sessionFor(victim);
    const other = await auth.sessionFor(bystander);
    const response = await app.request('/auth/logout?everywhere=1', {
      method: 'POST',
      headers: { ...cookie(here), ...ORIGIN },
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${auth.issuer}/session/end\\?`));
    expect(response.headers.getSetCookie().join()).toMatch(/__Host-sid=; Max-Age=0/);
    for (const sid of [here, elsewhere]) {
      expect((await app.request('/api/me', { headers: cookie(sid) })).status).toBe(401);
    }
    expect((await app.request('/auth/session', { headers: cookie(other) })).status).toBe(200);
  });

  it("lets a Bearer caller end the user's browser sessions", async () => {
    const { app, auth } = await appWith();
    const sid = await auth.sessionFor(victim);
    const token = await auth.bearerToken({ sub: victim.id });
    const response = await app.request('/auth/logout?everywhere=1', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(303);
    expect((await app.request('/auth/session', { headers: cookie(sid) })).status).toBe(401);
  });

  it('answers 401 to an anonymous caller, whose cookie names no live session', async () => {
    const { app, auth } = await appWith();
    const sid = await auth.sessionFor(victim);
    await auth.deps.sessions.revoke(sid);
    const response = await app.request('/auth/logout?everywhere=1', {
      method: 'POST',
      headers: { ...cookie(sid), ...ORIGIN },
    });
    expect(response.status).toBe(401);
  });

  it.each(['0', 'true', 'yes', '1'.repeat(3000)])(
    'refuses everywhere=%s with 400 and ends nothing',
    async (value) => {
      const { app, auth } = await appWith();
      const sid = await auth.sessionFor(victim);
      const response = await app.request(`/auth/logout?everywhere=${value}`, {
        method: 'POST',
        headers: { ...cookie(sid), ...ORIGIN },
      });
      expect(response.status).toBe(400);
      expect((await app.request('/auth/session', { headers: cookie(sid) })).status).toBe(200);
    },
  );

  it("signing out here leaves the user's other sessions alone", async () => {
    const { app, auth } = await appWith();
    const here = await auth.sessionFor(victim);
    const elsewhere = await auth.sessionFor(victim);
    await app.request('/auth/logout', { method: 'POST', headers: { ...cookie(here), ...ORIGIN } });
    expect((await app.request('/auth/session', { headers: cookie(here) })).status).toBe(401);
    expect((await app.request('/auth/session', { headers: cookie(elsewhere) })).status).toBe(200);
  });

  it("cannot end another user's session by presenting its revoked id", async () => {
    const { app, auth } = await appWith();
    const revoked = await auth.sessionFor(bystander);
    await auth.deps.sessions.revoke(revoked);
    const mine = await auth.sessionFor(victim);
    const response = await app.request('/auth/logout', {
      method: 'POST',
      headers: { ...cookie(revoked), ...ORIGIN },
    });
    expect(response.status).toBe(303);
    expect((await app.request('/auth/session', { headers: cookie(mine) })).status).toBe(200);
    expect((await app.request('/api/me', { headers: cookie(revoked) })).status).toBe(401);
  });
});
