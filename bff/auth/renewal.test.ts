import { describe, expect, it } from 'vitest';
import { memoryKeyValueStore } from './kv.ts';
import type { OidcClient } from './oidc.ts';
import { liveSession, RENEWAL_CLAIM_SECONDS, STALE_ROLES_LIMIT } from './renewal.ts';
import { testAuth } from './testing.ts';

const MAX_AGE_SECONDS = 900;
const singer = { id: 'user-1', name: 'Singer 1', roles: ['singer' as const] };
const quiet = { info: () => {}, warn: () => {} };

async function clocked() {
  let now = Date.parse('2026-05-01T20:00:00Z');
  const clock = () => now;
  // Sessions that outlive every step below: what ends one here is its roles, never its idle time.
  const timeouts = { idleSeconds: 86_400, absoluteSeconds: 86_400 };
  const auth = await testAuth({ kv: memoryKeyValueStore(clock), now: clock, timeouts });
  auth.signInAs(singer);
  const id = await auth.sessionFor(singer);
  const policy = { rolesMaxAgeSeconds: MAX_AGE_SECONDS, now: clock };
  return {
    auth,
    id,
    policy,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
    live: (oidc: OidcClient = auth.deps.oidc) =>
      liveSession({ sessions: auth.deps.sessions, oidc }, id, policy, quiet),
  };
}

describe('roles read again from the provider', () => {
  it('uses the stored roles while they are younger than the maximum age', async () => {
    const { auth, advance, live } = await clocked();
    auth.signInAs({ ...singer, roles: ['singer', 'kj'] });
    advance(MAX_AGE_SECONDS - 1);
    expect((await live())?.user.roles).toEqual(['singer']);
    expect(auth.refreshes).toEqual([]);
  });

  it('refreshes with the refresh token once the roles are due, and takes the roles the provider gives now', async () => {
    const { auth, advance, live } = await clocked();
    auth.signInAs({ ...singer, roles: ['singer', 'kj'] });
    advance(MAX_AGE_SECONDS);
    expect((await live())?.user.roles).toEqual(['singer', 'kj']);
    expect(auth.refreshes).toEqual(['provider-refresh-token']);
    // Stored: the next request neither refreshes again nor loses the new roles.
    advance(60);
    expect((await live())?.user.roles).toEqual(['singer', 'kj']);
    expect(auth.refreshes).toHaveLength(1);
  });

  it('takes a role away as soon as the provider does', async () => {
    const { auth, advance, live } = await clocked();
    auth.signInAs({ ...singer, roles: [] });
    advance(MAX_AGE_SECONDS);
    expect((await live())?.user.roles).toEqual([]);
  });

  it('keeps the refresh token when the provider does not issue a new one, and the newest ID token', async () => {
    const { auth, advance, live, id } = await clocked();
    advance(MAX_AGE_SECONDS);
    await live();
    expect((await auth.deps.sessions.read(id))?.tokens).toEqual({
      refreshToken: 'provider-refresh-token',
      idToken: 'provider-id-token-1',
    });
  });

  it('ends the session when the provider refuses the refresh token (grant revoked)', async () => {
    const { auth, advance, live, id } = await clocked();
    auth.revokeGrants();
    advance(MAX_AGE_SECONDS);
    expect(await live()).toBeNull();
    expect(await auth.deps.sessions.read(id)).toBeNull();
  });

  it('ends the session when the provider answers for another user', async () => {
    const { auth, advance, live } = await clocked();
    auth.signInAs({ id: 'user-2', roles: ['admin'] });
    advance(MAX_AGE_SECONDS);
    expect(await live()).toBeNull();
  });

  it('ends a session that has no refresh token once its roles are due', async () => {
    const { auth, advance, policy } = await clocked();
    const bare = await auth.deps.sessions.create(singer, {});
    advance(MAX_AGE_SECONDS);
    expect(await liveSession(auth.deps, bare, policy, quiet)).toBeNull();
    expect(await auth.deps.sessions.read(bare)).toBeNull();
  });

  it('keeps the roles through a provider outage, asks again later, and ends the session when they grow too old', async () => {
    const { auth, advance, live } = await clocked();
    let calls = 0;
    const unreachable: OidcClient = {
      ...auth.deps.oidc,
      async refresh() {
        calls++;
        throw new Error('connect ECONNREFUSED');
      },
    };
    advance(MAX_AGE_SECONDS);
    expect((await live(unreachable))?.user.roles).toEqual(['singer']);
    expect((await live(unreachable))?.user.roles).toEqual(['singer']);
    expect(calls).toBe(1);
    advance(RENEWAL_CLAIM_SECONDS);
    await live(unreachable);
    expect(calls).toBe(2);
    advance(MAX_AGE_SECONDS * STALE_ROLES_LIMIT);
    expect(await live(unreachable)).toBeNull();
  });

  it('asks the provider once when many requests find the roles due together', async () => {
    const { auth, advance, live } = await clocked();
    advance(MAX_AGE_SECONDS);
    const sessions = await Promise.all(Array.from({ length: 10 }, () => live()));
    expect(sessions.every((session) => session !== null)).toBe(true);
    expect(auth.refreshes).toHaveLength(1);
  });
});
