import { describe, expect, it } from 'vitest';
import { type KeyValueStore, memoryKeyValueStore } from './kv.ts';
import { createPendingLoginStore, createSessionStore, remainingSeconds } from './sessions.ts';

const user = { id: 'u-1', name: 'Singer 1', email: 's1@karaoke.test', roles: ['singer' as const] };
const tokens = { accessToken: 'access-token', idToken: 'id-token' };
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
    sessions: createSessionStore(kv, timeouts, () => now),
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
