import type { Context } from 'hono';
import { z } from 'zod';
import { UnauthorizedError } from './errors.ts';

/**
 * The user on whose behalf the BFF calls a service. Services are reachable only by the BFF (IAM
 * auth on their internal routes), which authenticates the user, so they trust these headers and
 * use them for per-record rules the BFF cannot check alone ("the KJ of this event", "the singer
 * who made this request").
 */
export interface Actor {
  /** The user's `sub`, which is also their singer id. */
  id: string;
  roles: readonly string[];
}

const ACTOR_ID_HEADER = 'x-actor-id';
const ACTOR_ROLES_HEADER = 'x-actor-roles';

export function actorHeaders(actor: Actor): Record<string, string> {
  return { [ACTOR_ID_HEADER]: actor.id, [ACTOR_ROLES_HEADER]: actor.roles.join(',') };
}

const ActorHeaders = z.object({
  id: z.uuid(),
  roles: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/)).max(20),
});

/** The actor a service call carries; a 401 when it carries none (a call that did not come through the BFF). */
export function actorOf(c: Context): Actor {
  const roles = c.req.header(ACTOR_ROLES_HEADER);
  const parsed = ActorHeaders.safeParse({
    id: c.req.header(ACTOR_ID_HEADER),
    roles: roles ? roles.split(',') : [],
  });
  if (!parsed.success) throw new UnauthorizedError('This call must say whom it is made for (x-actor-id).');
  return parsed.data;
}

export const hasRole = (actor: Actor, ...roles: string[]) => roles.some((role) => actor.roles.includes(role));
