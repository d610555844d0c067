import { generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_USERS, generateSigningKey } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';

/**
 * The local server's provider signs with a key this test chose, so the test can mint tokens that
 * differ from a genuine one in exactly one respect.
 */
describe('Bearer access tokens over HTTP on the local stack', () => {
  let server: LocalServer;
  let signingKey: JWK;
  let sign: (payload: JWTPayload, header?: Record<string, string>) => Promise<string>;

  beforeAll(async () => {
    signingKey = await generateSigningKey();
    server = await startLocalServer(inject('localEnv'), await freePort(), { oidcSigningKey: signingKey });
    const privateKey = await importJWK(signingKey, 'RS256');
    sign = (payload, header = {}) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid ?? '', ...header })
        .sign(privateKey);
  });

  afterAll(async () => {
    await server?.close();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const genuine = (): JWTPayload => ({
    iss: server.oidcIssuer,
    aud: inject('localEnv').OIDC_AUDIENCE,
    sub: DEMO_USERS[0]?.sub,
    iat: now(),
    exp: now() + 300,
    groups: ['kj'],
  });
  const me = (token: string) =>
    fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });

  it('accepts a token the provider issued to a user who signed in, with the roles of the user', async () => {
    for (const [username, role] of [
      ['singer8', 'singer'],
      ['kj', 'kj'],
      ['curator', 'curator'],
      ['admin', 'admin'],
    ] as const) {
      const response = await me(await issueLocalAccessToken(server.oidcIssuer, username));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        id: DEMO_USERS.find((user) => user.username === username)?.sub,
        roles: [role],
      });
    }
  });

  it('accepts a token that differs from a genuine one in nothing (the baseline of the attacks below)', async () => {
    expect((await me(await sign(genuine()))).status).toBe(200);
  });

  const unsigned = (payload: JWTPayload) =>
    `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

  const attacks: [string, () => Promise<string>][] = [
    ['alg none (unsigned)', async () => unsigned(genuine())],
    ['a wrong issuer', () => sign({ ...genuine(), iss: 'http://127.0.0.1:1/oidc' })],
    ['a wrong audience', () => sign({ ...genuine(), aud: 'another-api' })],
    ['an expired token', () => sign({ ...genuine(), iat: now() - 3600, exp: now() - 60 })],
    [
      'a signature by another key under the provider key id',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT(genuine())
          .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid ?? '' })
          .sign(privateKey);
      },
    ],
    [
      'HS256 keyed with the public key',
      async () => {
        const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = signingKey;
        const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
        return new SignJWT(genuine())
          .setProtectedHeader({ alg: 'HS256', kid: signingKey.kid ?? '' })
          .sign(secret);
      },
    ],
    ['a garbled token', async () => `${await sign(genuine())}x`],
  ];

  it.each(attacks)('refuses %s with a 401 problem', async (_attack, forge) => {
    const response = await me(await forge());
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses the ID token the BFF receives at sign-in: it is not meant for the API', async () => {
    const idToken = await sign({ ...genuine(), aud: inject('localEnv').OIDC_CLIENT_ID, nonce: 'n' });
    expect((await me(idToken)).status).toBe(401);
  });
});

describe('the local provider outside the local stage', () => {
  it('is not mounted: /oidc is just an unknown route', async () => {
    const server = await startLocalServer(
      {
        ...inject('localEnv'),
        STAGE: 'dev',
        OIDC_ISSUER: 'https://idp.invalid/oidc',
        PUBLIC_BASE_URL: 'https://bff.invalid',
      },
      await freePort(),
    );
    try {
      const response = await fetch(`${server.url}/oidc/.well-known/openid-configuration`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('issuer');
    } finally {
      await server.close();
    }
  });
});
