import type { Context } from 'hono';
import { UnauthorizedError } from './errors.ts';

/**
 * The user on whose behalf the BFF calls a service. The BFF authenticates the user and says who it
 * is in a signed actor token (`./actor-token.ts`), which every service app verifies before any
 * route runs (`createServiceApp`); services use it for per-record rules the BFF cannot check alone
 * ("the KJ of this event", "the singer who made this request").
 */
export interface Actor {
  /** The user's `sub`, which is also their singer id. */
  id: string;
  roles: readonly string[];
}

/** What a service's `c.var` holds of its caller once the actor token is verified. */
export interface CallerVariables {
  /** The user the BFF acts for; undefined when the BFF calls on nobody's behalf (an anonymous read). */
  actor: Actor | undefined;
}

/** The actor a service call is made for; a 401 when it is made for nobody. */
export function actorOf(c: Context): Actor {
  const actor = c.get('actor') as Actor | undefined;
  if (!actor)
    throw new UnauthorizedError('This call must say whom it is made for (an actor token with a subject).');
  return actor;
}

export const hasRole = (actor: Actor, ...roles: string[]) => roles.some((role) => actor.roles.includes(role));
