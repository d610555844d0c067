import { generateKeyPairSync } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { actorOf } from './actor.ts';
import {
  ACTOR_TOKEN_HEADER,
  ACTOR_TOKEN_ISSUER,
  ACTOR_TOKEN_LIFETIME_SECONDS,
  actorKeyId,
  actorTokenSigner,
  actorTokenVerifier,
} from './actor-token.ts';
import { createLogger } from './log.ts';
import { createServiceApp } from './service-app.ts';

const keyPair = () =>
  generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const bff = keyPair();
const stranger = keyPair();
const actor = { id: '0d8f7c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5', roles: ['singer', 'kj'] };

/** A service app with one route that says whom the call was for, and one that counts the bodies it read. */
function serviceApp(now: () => number = Date.now) {
  const reads: unknown[] = [];
  const app = createServiceApp({
    basePath: '/internal/rotations',
    log: createLogger({ serviceName: 'test', level: 'SILENT', environment: 'test' }),
    maxBodyBytes: 1024,
    callers: actorTokenVerifier([bff.publicKey], now),
  });
  app.get('/whoami', (c) => c.json(actorOf(c)));
  app.get('/anyone', (c) => c.json({ actor: c.get('actor') ?? null }));
  app.post('/writes', async (c) => {
    reads.push(await c.req.json());
    return c.json({}, 201);
  });
  return { app, reads };
}

const call = (app: ReturnType<typeof serviceApp>['app'], path: string, headers: Record<string, string>) =>
  app.request(`/internal/rotations${path}`, { headers });

describe('a service app admits only calls carrying an actor token of the BFF for it', () => {
  const signer = actorTokenSigner(bff.privateKey);

  it('takes the actor from a valid token, and from nothing else', async () => {
    const { app } = serviceApp();
    const token = await signer.sign('rotations', actor);
    const response = await call(app, '/whoami', {
      [ACTOR_TOKEN_HEADER]: token,
      'x-actor-id': '11111111-1111-4111-8111-111111111111',
      'x-actor-roles': 'admin',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(actor);
  });

  it('admits a call on nobody’s behalf, which routes that need an actor refuse', async () => {
    const { app } = serviceApp();
    const headers = { [ACTOR_TOKEN_HEADER]: await signer.sign('rotations') };
    expect(await (await call(app, '/anyone', headers)).json()).toEqual({ actor: null });
    expect((await call(app, '/whoami', headers)).status).toBe(401);
  });

  it('refuses forged actor headers without a token (401 problem)', async () => {
    const { app } = serviceApp();
    const response = await call(app, '/whoami', { 'x-actor-id': actor.id, 'x-actor-roles': 'admin' });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 401 });
  });

  it('refuses a token for another service', async () => {
    const { app } = serviceApp();
    const headers = { [ACTOR_TOKEN_HEADER]: await signer.sign('playlists', actor) };
    expect((await call(app, '/whoami', headers)).status).toBe(401);
  });

  it('refuses an expired token, and accepts one just inside the clock skew', async () => {
    const issued = Date.now();
    const old = await actorTokenSigner(bff.privateKey, () => issued).sign('rotations', actor);
    const headers = { [ACTOR_TOKEN_HEADER]: old };
    const later = (seconds: number) => serviceApp(() => issued + seconds * 1000).app;
    expect((await call(later(ACTOR_TOKEN_LIFETIME_SECONDS + 3), '/whoami', headers)).status).toBe(200);
    expect((await call(later(ACTOR_TOKEN_LIFETIME_SECONDS + 10), '/whoami', headers)).status).toBe(401);
  });

  it('refuses a token signed with another key, even one naming the BFF key id', async () => {
    const { app } = serviceApp();
    const other = await actorTokenSigner(stranger.privateKey).sign('rotations', actor);
    expect((await call(app, '/whoami', { [ACTOR_TOKEN_HEADER]: other })).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const impostor = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256', kid: actorKeyId(bff.publicKey) })
      .setIssuer(ACTOR_TOKEN_ISSUER)
      .setAudience('rotations')
      .setSubject(actor.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 10)
      .sign(await importPKCS8(stranger.privateKey, 'ES256'));
    expect((await call(app, '/whoami', { [ACTOR_TOKEN_HEADER]: impostor })).status).toBe(401);
  });

  it('refuses a tampered payload, an unsigned token and garbage', async () => {
    const { app } = serviceApp();
    const [header, , signature] = (await signer.sign('rotations', actor)).split('.');
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: ACTOR_TOKEN_ISSUER,
      aud: 'rotations',
      sub: actor.id,
      roles: ['admin'],
      iat: now,
      exp: now + 10,
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    for (const token of [
      `${header}.${payload}.${signature}`,
      none,
      'not-a-token',
      'a.b.c',
      'x'.repeat(10_000),
    ]) {
      expect((await call(app, '/whoami', { [ACTOR_TOKEN_HEADER]: token })).status, token.slice(0, 30)).toBe(
        401,
      );
    }
  });

  it('refuses a token that lives longer than the BFF ever signs, even correctly signed', async () => {
    const { app } = serviceApp();
    const now = Math.floor(Date.now() / 1000);
    const longLived = await new SignJWT({ roles: ['singer'] })
      .setProtectedHeader({ alg: 'ES256', kid: actorKeyId(bff.publicKey) })
      .setIssuer(ACTOR_TOKEN_ISSUER)
      .setAudience('rotations')
      .setSubject(actor.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(await importPKCS8(bff.privateKey, 'ES256'));
    expect((await call(app, '/whoami', { [ACTOR_TOKEN_HEADER]: longLived })).status).toBe(401);
  });

  it('reads no body of a call without a valid token', async () => {
    const { app, reads } = serviceApp();
    const response = await app.request('/internal/rotations/writes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-actor-id': actor.id },
      body: JSON.stringify({ write: true }),
    });
    expect(response.status).toBe(401);
    expect(reads).toEqual([]);
  });

  it('accepts tokens of either key while a key is rotated', async () => {
    const next = keyPair();
    const verifier = actorTokenVerifier([bff.publicKey, next.publicKey]);
    for (const privateKey of [bff.privateKey, next.privateKey]) {
      const token = await actorTokenSigner(privateKey).sign('rotations', actor);
      await expect(verifier.verify(token, 'rotations')).resolves.toEqual({ actor });
    }
  });
});
