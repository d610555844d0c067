import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DependencyError, UnauthorizedError } from '#lib/errors';
import { type BearerVerifier, jwtBearerVerifier, KEY_WITHDRAWAL_SECONDS, remoteJwks } from './bearer.ts';

const ISSUER = 'https://idp.example/oidc';
const AUDIENCE = 'karaoke-api';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let issuerKey: KeyPair;
let otherKey: KeyPair;
let verifier: BearerVerifier;

const now = () => Math.floor(Date.now() / 1000);
const base = (): JWTPayload => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'user-1',
  iat: now(),
  exp: now() + 300,
  groups: ['singer'],
});

async function sign(payload: JWTPayload, key: KeyPair = issuerKey, kid = 'issuer-key'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).sign(key.privateKey);
}

const unsigned = (payload: JWTPayload) =>
  `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

beforeAll(async () => {
  issuerKey = await generateKeyPair('RS256', { extractable: true });
  otherKey = await generateKeyPair('RS256');
  const publicJwk = { ...(await exportJWK(issuerKey.publicKey)), kid: 'issuer-key', alg: 'RS256' };
  verifier = jwtBearerVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: createLocalJWKSet({ keys: [publicJwk] }),
  });
});

describe('Bearer access tokens', () => {
  it('verify into a principal with the roles of the groups claim', async () => {
    expect(await verifier.verify(await sign(base()))).toEqual({
      id: 'user-1',
      roles: ['singer'],
      via: 'bearer',
    });
  });

  it('accept a Cognito access token: no aud, client_id is the audience, cognito:groups are the roles', async () => {
    const { aud: _aud, groups: _groups, ...rest } = base();
    const token = await sign({ ...rest, client_id: AUDIENCE, token_use: 'access', 'cognito:groups': ['kj'] });
    expect(await verifier.verify(token)).toMatchObject({ id: 'user-1', roles: ['kj'] });
  });

  const refused: [string, () => Promise<string>][] = [
    ['unsigned (alg none)', async () => unsigned(base())],
    [
      'signed with HS256 using the public key as secret',
      async () => {
        const secret = new TextEncoder().encode(JSON.stringify(await exportJWK(issuerKey.publicKey)));
        return new SignJWT(base()).setProtectedHeader({ alg: 'HS256', kid: 'issuer-key' }).sign(secret);
      },
    ],
    ['from another issuer', () => sign({ ...base(), iss: 'https://evil.example/oidc' })],
    ['for another audience', () => sign({ ...base(), aud: 'someone-else' })],
    ['expired', () => sign({ ...base(), iat: now() - 600, exp: now() - 60 })],
    ['signed by another key under the issuer key id', () => sign(base(), otherKey)],
    ['signed by a key the issuer does not have', () => sign(base(), otherKey, 'unknown-key')],
    [
      'without an expiry',
      async () => {
        const { exp: _exp, ...rest } = base();
        return sign(rest);
      },
    ],
    ['an ID token whose aud is the audience', () => sign({ ...base(), token_use: 'id' })],
    ['not a JWT at all', async () => 'opaque-token-value'],
  ];

  it.each(refused)('are refused with 401 when %s', async (_case, token) => {
    await expect(verifier.verify(await token())).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('report an unreachable key set as an outage, not as a bad token', async () => {
    const offline = jwtBearerVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(offline.verify(await sign(base()))).rejects.toBeInstanceOf(DependencyError);
  });
});

describe('Bearer tokens remembered once verified', () => {
  let publicJwk: Record<string, unknown>;
  beforeAll(async () => {
    publicJwk = { ...(await exportJWK(issuerKey.publicKey)), kid: 'issuer-key', alg: 'RS256' };
  });

  /** A verifier on a settable clock that counts how often it looks up the issuer's keys. */
  function countingVerifier(options: { rememberTokens?: number; rememberSeconds?: number } = {}) {
    const clock = { ms: Date.now() };
    const localKeys = createLocalJWKSet({ keys: [publicJwk] });
    const lookups = { count: 0 };
    const counted = jwtBearerVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: (header, token) => {
        lookups.count++;
        return localKeys(header, token);
      },
      now: () => clock.ms,
      ...options,
    });
    return { verifier: counted, clock, lookups };
  }

  it('checks a token in full once, then answers from memory', async () => {
    const { verifier: remembering, lookups } = countingVerifier();
    const token = await sign(base());
    const first = await remembering.verify(token);
    expect(await remembering.verify(token)).toBe(first);
    expect(lookups.count).toBe(1);
  });

  it('refuses a remembered token once it has expired', async () => {
    const { verifier: remembering, clock } = countingVerifier();
    const token = await sign({ ...base(), exp: now() + 60 });
    await remembering.verify(token);
    clock.ms += 120_000;
    await expect(remembering.verify(token)).rejects.toThrow('The access token has expired.');
  });

  it('checks again after rememberSeconds, so a withdrawn key stops counting', async () => {
    const { verifier: remembering, clock, lookups } = countingVerifier({ rememberSeconds: 30 });
    const token = await sign(base());
    await remembering.verify(token);
    clock.ms += 31_000;
    await remembering.verify(token);
    expect(lookups.count).toBe(2);
  });

  it('verifies any other text in full: a tampered copy of a remembered token is refused', async () => {
    const { verifier: remembering } = countingVerifier();
    const token = await sign(base());
    await remembering.verify(token);
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ ...base(), groups: ['admin'] })).toString('base64url');
    await expect(remembering.verify(`${header}.${payload}.${signature}`)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });

  it('forgets the oldest token beyond its capacity, and remembers nothing with capacity 0', async () => {
    const { verifier: small, lookups } = countingVerifier({ rememberTokens: 2 });
    const tokens = await Promise.all(['a', 'b', 'c'].map((sub) => sign({ ...base(), sub })));
    for (const token of tokens) await small.verify(token);
    await small.verify(tokens[2] as string);
    expect(lookups.count).toBe(3);
    await small.verify(tokens[0] as string);
    expect(lookups.count).toBe(4);

    const { verifier: none, lookups: noneLookups } = countingVerifier({ rememberTokens: 0 });
    const token = await sign(base());
    await none.verify(token);
    await none.verify(token);
    expect(noneLookups.count).toBe(2);
  });
});

describe('a signing key withdrawn from the issuer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it(`stops being accepted within ${KEY_WITHDRAWAL_SECONDS} s, remembered tokens and the cached key set included`, async () => {
    const publicJwk = { ...(await exportJWK(issuerKey.publicKey)), kid: 'issuer-key', alg: 'RS256' };
    let published: unknown[] = [publicJwk];
    let fetched = 0;
    const server = createServer((_, response) => {
      fetched++;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      vi.useFakeTimers({ toFake: ['Date'] });
      const withdrawable = jwtBearerVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks(async () => new URL(`http://127.0.0.1:${port}/jwks`)),
      });
      const token = await sign({ ...base(), exp: now() + 3600 });
      await withdrawable.verify(token);
      published = [];
      vi.advanceTimersByTime(60_000);
      // Within the budget it may still count: the remembered token answers without a fetch.
      await withdrawable.verify(token);
      expect(fetched).toBe(1);
      vi.advanceTimersByTime(KEY_WITHDRAWAL_SECONDS * 1000 - 60_000 + 1000);
      await expect(withdrawable.verify(token)).rejects.toBeInstanceOf(UnauthorizedError);
      const fresh = await sign({ ...base(), exp: now() + 3600, sub: 'user-2' });
      await expect(withdrawable.verify(fresh)).rejects.toBeInstanceOf(UnauthorizedError);
      expect(fetched).toBeGreaterThan(1);
    } finally {
      server.close();
    }
  });
});
