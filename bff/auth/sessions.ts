import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { KeyValueStore } from './kv.ts';
import { ROLES, type UserProfile } from './principal.ts';

/** Tokens from the identity provider. They stay on the server; the browser only holds the session id. */
export interface SessionTokens {
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  /** Epoch seconds when the access token expires, when the provider said. */
  accessTokenExpiresAt?: number;
}

export interface Session {
  user: UserProfile;
  tokens: SessionTokens;
  /** Epoch milliseconds of the sign-in; the absolute timeout counts from here. */
  createdAt: number;
}

/** Server-side browser sessions, addressed by an opaque random id that only the cookie carries. */
export interface SessionStore {
  /** Starts a session under a new id and returns that id. */
  create(user: UserProfile, tokens: SessionTokens): Promise<string>;
  /** The live session for this id, sliding its idle timeout; null when unknown or expired. */
  read(id: string): Promise<Session | null>;
  /** Ends the session now: the id is worthless afterwards. */
  revoke(id: string): Promise<void>;
}

/** What the callback needs to finish a sign-in that `/auth/login` started. */
export interface PendingLogin {
  codeVerifier: string;
  state: string;
  nonce: string;
  /** Path on the BFF's public URL to land on after sign-in. */
  returnTo: string;
}

/** Sign-ins in progress, each usable once. */
export interface PendingLoginStore {
  save(login: PendingLogin): Promise<string>;
  take(id: string): Promise<PendingLogin | null>;
}

export interface SessionTimeouts {
  idleSeconds: number;
  absoluteSeconds: number;
}

/** How long a pending sign-in may take, login form included. */
export const PENDING_LOGIN_SECONDS = 10 * 60;

/** 256 random bits, base64url: the only form a session or login id ever has. */
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const newOpaqueId = () => randomBytes(32).toString('base64url');
export const isOpaqueId = (value: string) => ID_PATTERN.test(value);

/**
 * Keys hold a hash of the id, not the id, so whoever can read Redis still cannot present a
 * session cookie.
 */
const keyFor = (prefix: string, id: string) =>
  `${prefix}:${createHash('sha256').update(id).digest('base64url')}`;

/**
 * Seconds a session may still live: the idle timeout, cut short by the absolute one. Zero or less
 * means it has ended.
 */
export function remainingSeconds(createdAt: number, now: number, timeouts: SessionTimeouts): number {
  const untilAbsolute = Math.floor((createdAt + timeouts.absoluteSeconds * 1000 - now) / 1000);
  return Math.min(timeouts.idleSeconds, untilAbsolute);
}

const storedSession = z.object({
  user: z.object({
    id: z.string(),
    roles: z.array(z.enum(ROLES)),
    name: z.string().optional(),
    email: z.string().optional(),
  }),
  tokens: z.object({
    accessToken: z.string(),
    idToken: z.string().optional(),
    refreshToken: z.string().optional(),
    accessTokenExpiresAt: z.number().optional(),
  }),
  createdAt: z.number(),
});

const storedLogin = z.object({
  codeVerifier: z.string(),
  state: z.string(),
  nonce: z.string(),
  returnTo: z.string(),
});

/** A stored value in the expected shape, or null for anything else (never a thrown parse error). */
function parseStored<T>(schema: z.ZodType<T>, raw: string): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Sessions on a key-value store. The entry's expiry is the idle timeout, renewed on every read but
 * never beyond the absolute timeout, so the store itself forgets sessions that have ended.
 */
export function createSessionStore(
  kv: KeyValueStore,
  timeouts: SessionTimeouts,
  now: () => number = Date.now,
): SessionStore {
  return {
    async create(user, tokens) {
      const id = newOpaqueId();
      const session: Session = { user, tokens, createdAt: now() };
      await kv.set(
        keyFor('session', id),
        JSON.stringify(session),
        remainingSeconds(session.createdAt, now(), timeouts),
      );
      return id;
    },
    async read(id) {
      if (!isOpaqueId(id)) return null;
      const key = keyFor('session', id);
      const raw = await kv.get(key);
      if (raw === null) return null;
      const session = parseStored(storedSession, raw);
      const remaining = session ? remainingSeconds(session.createdAt, now(), timeouts) : 0;
      if (!session || remaining <= 0) {
        await kv.delete(key);
        return null;
      }
      await kv.expire(key, remaining);
      return session;
    },
    async revoke(id) {
      if (isOpaqueId(id)) await kv.delete(keyFor('session', id));
    },
  };
}

export function createPendingLoginStore(kv: KeyValueStore): PendingLoginStore {
  return {
    async save(login) {
      const id = newOpaqueId();
      await kv.set(keyFor('login', id), JSON.stringify(login), PENDING_LOGIN_SECONDS);
      return id;
    },
    async take(id) {
      if (!isOpaqueId(id)) return null;
      const raw = await kv.take(keyFor('login', id));
      return raw === null ? null : parseStored(storedLogin, raw);
    },
  };
}
