import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { KeyValueStore } from './kv.ts';
import { ROLES, type UserProfile } from './principal.ts';
import type { Sealer } from './sealed.ts';

/**
 * What a session keeps of the provider's tokens: the refresh token, to read the roles again, and
 * the ID token, as the hint that ends the provider's session at sign-out. The access token is never
 * kept: the BFF calls nothing with it. Both are sealed ({@link Sealer}) in the store.
 */
export interface ProviderTokens {
  idToken?: string;
  refreshToken?: string;
}

export interface Session {
  user: UserProfile;
  tokens: ProviderTokens;
  /** Epoch milliseconds of the sign-in; the absolute timeout counts from here. */
  createdAt: number;
  /** Epoch milliseconds when the provider last said who the user is and what roles they hold. */
  rolesReadAt: number;
}

/**
 * Server-side browser sessions, addressed by an opaque random id that only the cookie carries, and
 * indexed by user so that all of a user's sessions can be ended at once.
 */
export interface SessionStore {
  /** Starts a session under a new id and returns that id. */
  create(user: UserProfile, tokens: ProviderTokens): Promise<string>;
  /** The live session for this id, sliding its idle timeout; null when unknown or expired. */
  read(id: string): Promise<Session | null>;
  /**
   * Stores what the provider said again (user, roles, tokens) and restarts the roles' age; false,
   * with nothing written, when the session ended meanwhile (a revocation is never undone).
   */
  renew(id: string, user: UserProfile, tokens: ProviderTokens): Promise<boolean>;
  /**
   * True for the one caller, among all BFF instances, that may ask the provider about this session
   * now; everyone else gets false for the next `seconds` and keeps using the roles they have.
   */
  claimRenewal(id: string, seconds: number): Promise<boolean>;
  /** Ends the session now: the id is worthless afterwards. */
  revoke(id: string): Promise<void>;
  /** Ends every session of the user; returns how many were live. */
  revokeAllOf(userId: string): Promise<number>;
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
const hashOf = (id: string) => createHash('sha256').update(id).digest('base64url');
const keyFor = (prefix: string, id: string) => `${prefix}:${hashOf(id)}`;
const sessionKey = (hash: string) => `session:${hash}`;
const renewalKey = (hash: string) => `session-renewal:${hash}`;
/** The set of a user's session hashes. Members may outlive their sessions (expiry); reads prune them. */
const userIndexKey = (userId: string) => `sessions:user:${userId}`;

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
  /** The sealed JSON of {@link ProviderTokens}. */
  sealedTokens: z.string(),
  createdAt: z.number(),
  rolesReadAt: z.number(),
});
type StoredSession = z.infer<typeof storedSession>;

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

const sealedTokensSchema = z.object({ idToken: z.string().optional(), refreshToken: z.string().optional() });

/**
 * Sessions on a key-value store. The entry's expiry is the idle timeout, renewed on every read but
 * never beyond the absolute timeout, so the store itself forgets sessions that have ended. Each
 * session's hash is also in its user's set, which lives as long as the user's newest session can;
 * members whose session has expired are pruned at the user's next sign-in.
 */
export function createSessionStore(
  kv: KeyValueStore,
  sealer: Sealer,
  timeouts: SessionTimeouts,
  now: () => number = Date.now,
): SessionStore {
  const seal = (tokens: ProviderTokens, hash: string) => sealer.seal(JSON.stringify(tokens), hash);
  const unseal = (stored: StoredSession, hash: string): ProviderTokens | null => {
    const opened = sealer.open(stored.sealedTokens, hash);
    return opened === null ? null : parseStored(sealedTokensSchema, opened);
  };
  const write = (hash: string, stored: StoredSession, how: 'set' | 'replace') => {
    const remaining = remainingSeconds(stored.createdAt, now(), timeouts);
    if (remaining <= 0) return Promise.resolve(false);
    const value = JSON.stringify(stored);
    return how === 'set'
      ? kv.set(sessionKey(hash), value, remaining).then(() => true)
      : kv.replace(sessionKey(hash), value, remaining);
  };
  const forget = async (hash: string, userId: string | undefined) => {
    await kv.delete(sessionKey(hash), renewalKey(hash));
    if (userId !== undefined) await kv.removeFromSet(userIndexKey(userId), hash);
  };
  const pruneIndex = async (userId: string) => {
    const hashes = await kv.members(userIndexKey(userId));
    const alive = await kv.exist(hashes.map(sessionKey));
    await kv.removeFromSet(userIndexKey(userId), ...hashes.filter((_, index) => !alive[index]));
  };

  return {
    async create(user, tokens) {
      const id = newOpaqueId();
      const hash = hashOf(id);
      const at = now();
      const stored: StoredSession = {
        user,
        sealedTokens: seal(tokens, hash),
        createdAt: at,
        rolesReadAt: at,
      };
      await pruneIndex(user.id);
      // Indexed first: a session never exists that "sign out everywhere" cannot find.
      await kv.addToSet(userIndexKey(user.id), hash, timeouts.absoluteSeconds);
      await write(hash, stored, 'set');
      return id;
    },
    async read(id) {
      if (!isOpaqueId(id)) return null;
      const hash = hashOf(id);
      const raw = await kv.get(sessionKey(hash));
      if (raw === null) return null;
      const stored = parseStored(storedSession, raw);
      const tokens = stored ? unseal(stored, hash) : null;
      const remaining = stored ? remainingSeconds(stored.createdAt, now(), timeouts) : 0;
      if (!stored || !tokens || remaining <= 0) {
        await forget(hash, stored?.user.id);
        return null;
      }
      await kv.expire(sessionKey(hash), remaining);
      return { user: stored.user, tokens, createdAt: stored.createdAt, rolesReadAt: stored.rolesReadAt };
    },
    async renew(id, user, tokens) {
      if (!isOpaqueId(id)) return false;
      const hash = hashOf(id);
      const raw = await kv.get(sessionKey(hash));
      const stored = raw === null ? null : parseStored(storedSession, raw);
      if (!stored || stored.user.id !== user.id) return false;
      const renewed = await write(
        hash,
        { ...stored, user, sealedTokens: seal(tokens, hash), rolesReadAt: now() },
        'replace',
      );
      // The roles' age starts again here; the next renewal need not wait for this claim to lapse.
      if (renewed) await kv.delete(renewalKey(hash));
      return renewed;
    },
    async claimRenewal(id, seconds) {
      return isOpaqueId(id) && kv.setIfAbsent(renewalKey(hashOf(id)), '1', seconds);
    },
    async revoke(id) {
      if (!isOpaqueId(id)) return;
      const hash = hashOf(id);
      const raw = await kv.get(sessionKey(hash));
      await forget(hash, raw === null ? undefined : parseStored(storedSession, raw)?.user.id);
    },
    async revokeAllOf(userId) {
      const hashes = await kv.members(userIndexKey(userId));
      const live = await kv.exist(hashes.map(sessionKey));
      await kv.delete(...hashes.flatMap((hash) => [sessionKey(hash), renewalKey(hash)]));
      await kv.delete(userIndexKey(userId));
      return live.filter(Boolean).length;
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
