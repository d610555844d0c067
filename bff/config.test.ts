import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '#lib/errors';
import { loadBffConfig } from './config.ts';

const env = {
  STAGE: 'dev',
  AWS_REGION: 'eu-west-1',
  DB_DRIVER: 'data-api',
  DB_CLUSTER_ARN: 'arn:aws:rds:eu-west-1:123456789012:cluster:karaoke',
  DB_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:karaoke',
  DB_NAME: 'karaoke',
  REDIS_URL: 'rediss://cache.example:6379',
  ELASTICSEARCH_URL: 'https://search.example',
  MONITORED_QUEUE_URLS: 'https://sqs.eu-west-1.amazonaws.com/123456789012/search-indexer',
  OIDC_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example/',
  OIDC_CLIENT_ID: 'client-id',
  OIDC_CLIENT_SECRET: 'client-secret',
  OIDC_AUDIENCE: 'client-id',
  SESSION_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
  PUBLIC_BASE_URL: 'https://api.karaoke.example/',
  SERVICES_BASE_URL: 'https://internal.execute-api.eu-west-1.amazonaws.com',
  SERVICE_AUTH: 'iam',
  USAGE_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:usage',
  USAGE_FLUSH: 'end-of-invocation',
  PITCH_COOKIE_KEY: 'a-secret-of-at-least-thirty-two-characters',
  ACTOR_TOKEN_SIGNING_KEY: generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  }).privateKey,
};

describe('BFF configuration', () => {
  it('insists on a PKCS#8 private key to sign actor tokens with', () => {
    const { ACTOR_TOKEN_SIGNING_KEY: _, ...withoutKey } = env;
    expect(() => loadBffConfig(withoutKey)).toThrow(/ACTOR_TOKEN_SIGNING_KEY: required/);
    expect(() => loadBffConfig({ ...env, ACTOR_TOKEN_SIGNING_KEY: 'not a key' })).toThrow(
      /ACTOR_TOKEN_SIGNING_KEY: must be a PKCS#8 PEM private key/,
    );
  });

  it('reads the sign-in settings, with session timeouts defaulted and trailing slashes dropped', () => {
    expect(loadBffConfig(env)).toMatchObject({
      OIDC_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
      PUBLIC_BASE_URL: 'https://api.karaoke.example',
      SESSION_IDLE_SECONDS: 1800,
      SESSION_ABSOLUTE_SECONDS: 43_200,
      CORS_ORIGINS: [],
    });
  });

  it('names every missing sign-in variable', () => {
    const { OIDC_ISSUER: _1, OIDC_CLIENT_SECRET: _2, PUBLIC_BASE_URL: _3, ...partial } = env;
    expect(() => loadBffConfig(partial)).toThrow(
      /OIDC_ISSUER[\s\S]*OIDC_CLIENT_SECRET[\s\S]*PUBLIC_BASE_URL/,
    );
  });

  it('insists on a 32-byte session encryption key, base64 or base64url', () => {
    const { SESSION_ENCRYPTION_KEY: _, ...partial } = env;
    expect(() => loadBffConfig(partial)).toThrow(/SESSION_ENCRYPTION_KEY/);
    for (const key of [Buffer.alloc(16).toString('base64'), 'x'.repeat(44), `${'A'.repeat(43)}!`]) {
      expect(() => loadBffConfig({ ...env, SESSION_ENCRYPTION_KEY: key })).toThrow(
        /SESSION_ENCRYPTION_KEY: must be 32 random bytes/,
      );
    }
    const urlSafe = Buffer.alloc(32, 0xfb).toString('base64url');
    expect(loadBffConfig({ ...env, SESSION_ENCRYPTION_KEY: urlSafe }).SESSION_ENCRYPTION_KEY).toBe(urlSafe);
  });

  it('allows plain http for the local stage on a loopback host only (the session cookie is Secure)', () => {
    const local = { ...env, STAGE: 'local', OIDC_ISSUER: 'http://127.0.0.1:3000/oidc' };
    expect(() => loadBffConfig({ ...local, PUBLIC_BASE_URL: 'http://localhost:3000' })).not.toThrow();
    expect(() => loadBffConfig({ ...local, PUBLIC_BASE_URL: 'http://192.168.1.20:3000' })).toThrow(
      /PUBLIC_BASE_URL: plain http only on a loopback host/,
    );
  });

  it('insists on a service authentication mode instead of guessing one', () => {
    const { SERVICE_AUTH: _, ...partial } = env;
    expect(() => loadBffConfig(partial)).toThrow(/SERVICE_AUTH: 'iam' on AWS, 'none' for the local stack/);
  });

  it('insists on https outside the local stage', () => {
    expect(() => loadBffConfig({ ...env, PUBLIC_BASE_URL: 'http://api.karaoke.example' })).toThrow(
      /PUBLIC_BASE_URL: must be an https URL/,
    );
    expect(() =>
      loadBffConfig({
        ...env,
        STAGE: 'local',
        OIDC_ISSUER: 'http://127.0.0.1:3000/oidc',
        PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
      }),
    ).not.toThrow();
  });

  it('takes CORS_ORIGINS as a list of origins and refuses anything else', () => {
    expect(
      loadBffConfig({ ...env, CORS_ORIGINS: 'https://app.example, http://localhost:5173' }).CORS_ORIGINS,
    ).toEqual(['https://app.example', 'http://localhost:5173']);
    expect(() => loadBffConfig({ ...env, CORS_ORIGINS: 'https://app.example/path' })).toThrow(ConfigError);
  });

  it('refuses an absolute timeout shorter than the idle one', () => {
    expect(() =>
      loadBffConfig({ ...env, SESSION_IDLE_SECONDS: '600', SESSION_ABSOLUTE_SECONDS: '60' }),
    ).toThrow(/SESSION_ABSOLUTE_SECONDS: must be at least SESSION_IDLE_SECONDS/);
  });
});
