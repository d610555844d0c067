import type { Actor } from '#lib/actor';
/** The roles the API knows. Identity-provider groups with other names grant nothing here. */
export const ROLES = ['singer', 'kj', 'curator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, however they proved it; `null` in `c.var.principal` means anonymous. */
export interface Principal {
  /** The identity provider's `sub`: also the singer id. */
  id: string;
  roles: Role[];
  name?: string;
  email?: string;
  via: 'session' | 'bearer';
}

/** The user as kept in a session and shown by `/auth/session` and `/api/me`. */
export interface UserProfile {
  id: string;
  roles: Role[];
  name?: string;
  email?: string;
}

/**
 * Roles from token claims: `groups` (the local provider, Okta) or `cognito:groups` (Cognito user
 * pools). Both are lists of group names.
 */
export function rolesFromClaims(claims: Record<string, unknown>): Role[] {
  const groups = [claims.groups, claims['cognito:groups']].flatMap((value) =>
    Array.isArray(value) ? value : [],
  );
  return ROLES.filter((role) => groups.includes(role));
}

/** A profile from ID token or access token claims; name falls back to the user name. */
export function profileFromClaims(claims: Record<string, unknown>): UserProfile {
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
  if (!text(claims.sub)) throw new TypeError('token claims carry no subject');
  const name = text(claims.name) ?? text(claims.preferred_username) ?? text(claims['cognito:username']);
  const email = text(claims.email);
  return {
    id: claims.sub as string,
    roles: rolesFromClaims(claims),
    ...(name ? { name } : {}),
    ...(email ? { email } : {}),
  };
}

/** True when the principal holds one of the roles. `admin` passes every role check. */
export function hasAnyRole(principal: Pick<Principal, 'roles'>, roles: readonly Role[]): boolean {
  return principal.roles.some((role) => role === 'admin' || roles.includes(role));
}

/** Whom the BFF acts for when it calls a service that authorises per record (see `#lib/actor`). */
export const actorOf = (principal: Principal): Actor => ({ id: principal.id, roles: principal.roles });
