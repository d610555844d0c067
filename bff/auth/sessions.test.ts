import { describe, expect, it } from 'vitest';
import { type KeyValueStore, memoryKeyValueStore } from './kv.ts';
import { aesGcmSealer } from './sealed.ts';
import { createPendingLoginStore, createSessionStore, remainingSeconds } from './sessions.ts';

const user = { id: 'u-1', name: 'Singer 1', email: 's1@karaoke.test', roles: ['singer' as const] };
const other = { id: 'u-2', name: 'Singer 2', roles: ['singer' as const] };
const tokens = { idToken: 'id-token-in-clear', refreshToken: 'refresh-token-in-clear' };
const sealer = aesGcmSealer(Buffer.alloc(32, 1));
const timeouts = { idleSeconds: 60, absoluteSeconds: 300 };

function clockedStores() {
  let now = Date.parse('2026-05-01T20:00:00Z');
  const written: string[] = [];
  const memory = memoryKeyValueStore(() => now);
  const kv: KeyValueStore = {
    ...memory,
    async set(key, value, ttl) {
      written.push(key, value);
      await memory.set(key, value, ttl);
    },
  };
  return {
    kv,
    written,
    sessions: createSessionStore(kv, sealer, timeouts, () => now),
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
  };
}

describe('session lifetime', () => {
  it('is the idle timeout, cut short by the absolute one', () => {
    const createdAt = 0;
    expect(remainingSeconds(createdAt, 0, timeouts)).toBe(60);
    expect(remainingSeconds(createdAt, 270_000, timeouts)).toBe(30);
    expect(remainingSeconds(createdAt, 300_000, timeouts)).toBe(0);
  });
});

describe('session store', () => {
  it('gives each session a new unguessable id and returns what was stored', async () => {
    const { sessions } = clockedStores();
    const first = await sessions.create(user, tokens);
    const second = await sessions.create(user, tokens);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    expect(await sessions.read(first)).toMatchObject({ user, tokens });
  });

  it('never writes the session id itself to the store', async () => {
    const { sessions, written } = clockedStores();
    const id = await sessions.create(user, tokens);
    expect(written.join(' ')).not.toContain(id);
  });

  it('keeps a session alive while it is used within the idle timeout', async () => {
    const { sessions, advance } = clockedStores();
    const id = await sessions.create(user, tokens);
    for (let use = 0; use < 4; use++) {
      advance(50);
      expect(await sessions.read(id)).not.toBeNull();
    }
  });

  it('ends a session left idle longer than the idle timeout', async () => {
    const { sessions, advance } = clockedStores();
    const id = await sessions.create(user, tokens);
    advance(61);
    expect(await sessions.read(id)).toBeNull();
  });

  it('ends a busy session at the absolute timeout', async () => {
    const { sessions, advance } = clockedStores();
    const id = await sessions.create(user, tokens);
    for (let step = 0; step < 5; step++) {
      advance(59);
      expect(await sessions.read(id)).not.toBeNull();
    }
    advance(10);
    expect(await sessions.read(id)).toBeNull();
  });

  it('forgets a revoked session at once', async () => {
    const { sessions } = clockedStores();
    const id = await sessions.create(user, tokens);
    await sessions.revoke(id);
    expect(await sessions.read(id)).toBeNull();
  });

  it('treats a tampered or malformed id as no session', async () => {
    const { sessions } = clockedStores();
    const id = await sessions.create(user, tokens);
    const flipped = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    expect(await sessions.read(flipped)).toBeNull();
    expect(await sessions.read(`${id}; admin=1`)).toBeNull();
    expect(await sessions.read('')).toBeNull();
  });

  it('keeps the provider tokens only sealed: nothing written holds them in clear', async () => {
    const { sessions, written } = clockedStores();
    const id = await sessions.create(user, tokens);
    expect(written.join(' ')).not.toContain('in-clear');
    expect((await sessions.read(id))?.tokens).toEqual(tokens);
  });

  it('reads a record sealed under another key as no session', async () => {
    const { kv, sessions, written } = clockedStores();
    const id = await sessions.create(user, tokens);
    const otherKeys = createSessionStore(kv, aesGcmSealer(Buffer.alloc(32, 2)), timeouts);
    expect(await otherKeys.read(id)).toBeNull();
    expect(await kv.get(written[0] as string)).toBeNull();
  });

  it("does not open one session's sealed tokens pasted into another's record", async () => {
    const { kv, sessions, written } = clockedStores();
    const victim = await sessions.create(user, tokens);
    const victimRecord = JSON.parse(written[1] as string) as { sealedTokens: string };
    const attacker = await sessions.create(other, {});
    const attackerKey = written[2] as string;
    const attackerRecord = JSON.parse(written[3] as string) as Record<string, unknown>;
    await kv.set(
      attackerKey,
      JSON.stringify({ ...attackerRecord, sealedTokens: victimRecord.sealedTokens }),
      60,
    );
    expect(await sessions.read(attacker)).toBeNull();
    expect(await sessions.read(victim)).not.toBeNull();
  });

  it("ends every session of a user at once, and nobody else's", async () => {
    const { sessions } = clockedStores();
    const phone = await sessions.create(user, tokens);
    const laptop = await sessions.create(user, tokens);
    const someoneElse = await sessions.create(other, tokens);
    expect(await sessions.revokeAllOf(user.id)).toBe(2);
    expect(await sessions.read(phone)).toBeNull();
    expect(await sessions.read(laptop)).toBeNull();
    expect(await sessions.read(someoneElse)).not.toBeNull();
    expect(await sessions.revokeAllOf(user.id)).toBe(0);
  });

  it('counts only live sessions when ending them: signed-out and expired ones are gone already', async () => {
    const { sessions, advance } = clockedStores();
    const signedOut = await sessions.create(user, tokens);
    await sessions.revoke(signedOut);
    await sessions.create(user, tokens);
    advance(61);
    const fresh = await sessions.create(user, tokens);
    expect(await sessions.revokeAllOf(user.id)).toBe(1);
    expect(await sessions.read(fresh)).toBeNull();
  });

  it('prunes expired sessions from the user index at the next sign-in', async () => {
    const { kv, sessions, advance } = clockedStores();
    await sessions.create(user, tokens);
    await sessions.create(user, tokens);
    advance(61);
    await sessions.create(user, tokens);
    expect(await kv.members(`sessions:user:${user.id}`)).toHaveLength(1);
  });

  it('renews user, roles and tokens, and never brings a revoked session back', async () => {
    const { sessions, advance } = clockedStores();
    const id = await sessions.create(user, tokens);
    advance(30);
    const promoted = { ...user, roles: ['singer' as const, 'kj' as const] };
    expect(await sessions.renew(id, promoted, { refreshToken: 'r2', idToken: 'i2' })).toBe(true);
    const renewed = await sessions.read(id);
    expect(renewed).toMatchObject({ user: promoted, tokens: { refreshToken: 'r2', idToken: 'i2' } });
    expect((renewed?.rolesReadAt ?? 0) - (renewed?.createdAt ?? 0)).toBe(30_000);

    await sessions.revokeAllOf(user.id);
    expect(await sessions.renew(id, promoted, tokens)).toBe(false);
    expect(await sessions.read(id)).toBeNull();
  });

  it('refuses to renew a session as another user', async () => {
    const { sessions } = clockedStores();
    const id = await sessions.create(user, tokens);
    expect(await sessions.renew(id, { ...other, roles: ['admin'] }, tokens)).toBe(false);
    expect((await sessions.read(id))?.user).toEqual(user);
  });

  it('lets one caller at a time renew a session', async () => {
    const { sessions, advance } = clockedStores();
    const id = await sessions.create(user, tokens);
    expect(await sessions.claimRenewal(id, 30)).toBe(true);
    expect(await sessions.claimRenewal(id, 30)).toBe(false);
    advance(31);
    expect(await sessions.claimRenewal(id, 30)).toBe(true);
    expect(await sessions.claimRenewal('not an id', 30)).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['oversized', 'A'.repeat(10_000)],
    ['of the wrong alphabet', `${'A'.repeat(42)}=`],
    ['with a cookie attribute', `${'A'.repeat(43)}; Domain=evil.example`],
  ])('ignores an id that is %s, for every operation', async (_case, id) => {
    const { sessions } = clockedStores();
    await sessions.create(user, tokens);
    expect(await sessions.read(id)).toBeNull();
    expect(await sessions.renew(id, user, tokens)).toBe(false);
    await sessions.revoke(id);
    expect(await sessions.revokeAllOf(user.id)).toBe(1);
  });

  it('drops a stored entry that is not a session instead of failing', async () => {
    const { kv, sessions, written } = clockedStores();
    const id = await sessions.create(user, tokens);
    const key = written[0] as string;
    await kv.set(key, '{"user":', 60);
    expect(await sessions.read(id)).toBeNull();
    expect(await kv.get(key)).toBeNull();
  });
});

describe('pending sign-ins', () => {
  it('can be taken once only', async () => {
    const logins = createPendingLoginStore(memoryKeyValueStore());
    const id = await logins.save({ codeVerifier: 'v', state: 's', nonce: 'n', returnTo: '/songs' });
    expect(await logins.take(id)).toEqual({ codeVerifier: 'v', state: 's', nonce: 'n', returnTo: '/songs' });
    expect(await logins.take(id)).toBeNull();
  });

  it('expire after ten minutes', async () => {
    let now = 0;
    const logins = createPendingLoginStore(memoryKeyValueStore(() => now));
    const id = await logins.save({ codeVerifier: 'v', state: 's', nonce: 'n', returnTo: '/' });
    now += 10 * 60 * 1000;
    expect(await logins.take(id)).toBeNull();
  });
});
