import { describe, expect, it } from 'vitest';
import { hasAnyRole, profileFromClaims, rolesFromClaims } from './principal.ts';

describe('roles from token claims', () => {
  it('reads the groups claim of the local provider and Okta', () => {
    expect(rolesFromClaims({ groups: ['singer', 'kj'] })).toEqual(['singer', 'kj']);
  });

  it('reads the cognito:groups claim of a Cognito user pool', () => {
    expect(rolesFromClaims({ 'cognito:groups': ['curator'] })).toEqual(['curator']);
  });

  it('grants nothing for groups the API does not know, or for a claim that is not a list', () => {
    expect(rolesFromClaims({ groups: ['Admins', 'everyone'] })).toEqual([]);
    expect(rolesFromClaims({ groups: 'admin' })).toEqual([]);
  });
});

describe('profile from token claims', () => {
  it('takes id, name, email and roles', () => {
    expect(
      profileFromClaims({ sub: 'u-1', name: 'Ada', email: 'ada@example.com', groups: ['singer'] }),
    ).toEqual({ id: 'u-1', name: 'Ada', email: 'ada@example.com', roles: ['singer'] });
  });

  it('falls back to the user name when there is no display name', () => {
    expect(profileFromClaims({ sub: 'u-1', preferred_username: 'ada' }).name).toBe('ada');
    expect(profileFromClaims({ sub: 'u-1', 'cognito:username': 'ada' }).name).toBe('ada');
  });

  it('refuses claims without a subject', () => {
    expect(() => profileFromClaims({ name: 'nobody' })).toThrow(TypeError);
  });
});

describe('role checks', () => {
  it('pass with any one of the roles asked for', () => {
    expect(hasAnyRole({ roles: ['kj'] }, ['kj', 'curator'])).toBe(true);
    expect(hasAnyRole({ roles: ['singer'] }, ['kj', 'curator'])).toBe(false);
  });

  it('always pass for an admin', () => {
    expect(hasAnyRole({ roles: ['admin'] }, ['curator'])).toBe(true);
  });
});
