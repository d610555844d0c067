import { describe, expect, it } from 'vitest';
import { checkDemoPassword, createLocalOidcProvider, DEMO_USERS, uuidV5 } from './oidc-provider.ts';

describe('local OpenID provider', () => {
  it('derives name-based UUIDs as RFC 9562 version 5', () => {
    // The RFC's DNS namespace example.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('seeds kj, curator, admin and nine singers, each with a stable subject and its group', () => {
    expect(DEMO_USERS.map((user) => user.username)).toEqual([
      'kj',
      'curator',
      'admin',
      ...Array.from({ length: 9 }, (_, index) => `singer${index + 1}`),
    ]);
    expect(new Set(DEMO_USERS.map((user) => user.sub)).size).toBe(DEMO_USERS.length);
    expect(DEMO_USERS.find((user) => user.username === 'singer3')).toMatchObject({
      sub: uuidV5('singer3', '0b1c7a52-4a3e-4f0e-9d57-7d3f4b6f2a10'),
      email: 'singer3@karaoke.test',
      groups: ['singer'],
    });
    expect(DEMO_USERS.find((user) => user.username === 'kj')?.groups).toEqual(['kj']);
  });

  it('accepts a demo user with the user name as password, and nothing else', () => {
    expect(checkDemoPassword('singer1', 'singer1')?.username).toBe('singer1');
    expect(checkDemoPassword('singer1', 'singer2')).toBeUndefined();
    expect(checkDemoPassword('nobody', 'nobody')).toBeUndefined();
  });

  it('refuses to start outside the local stage', async () => {
    await expect(
      createLocalOidcProvider({
        stage: 'prod',
        issuer: 'https://idp.example/oidc',
        audience: 'karaoke-api',
        bffClient: {
          clientId: 'bff',
          clientSecret: 'secret',
          redirectUri: 'https://bff.example/auth/callback',
          postLogoutRedirectUri: 'https://bff.example/',
        },
      }),
    ).rejects.toThrow(/only with STAGE=local/);
  });
});
