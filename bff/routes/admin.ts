import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { DependencyError } from '#lib/errors';
import { jsonResponse } from '#lib/openapi';
import { requireRole, signedInPrincipal } from '../auth/middleware.ts';
import { authErrorResponses, ProblemSchema, signedIn } from '../auth/openapi.ts';
import type { BffEnv } from '../env.ts';

const RevokedSessions = z
  .object({ revoked: z.number().int().openapi({ description: 'How many live sessions were ended' }) })
  .openapi('RevokedSessions');

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

const routes = {
  revokeSessions: createRoute({
    security: signedIn,
    middleware: requireRole('admin'),
    tags: ['admin'],
    method: 'delete',
    path: '/admin/users/{userId}/sessions',
    summary: 'End every browser session of a user (their cookies get 401 from the next request on)',
    description:
      "Ends the BFF's sessions only: Bearer access tokens the user holds stay valid until they expire, " +
      'and the identity provider may still sign them in again (disable the user there to stop that).',
    request: {
      params: z.object({ userId: z.uuid({ error: "must be a user id (the provider's sub, a uuid)" }) }),
    },
    responses: {
      200: jsonResponse(RevokedSessions, 'The sessions are ended (0 when the user had none)'),
      400: { description: 'The user id is malformed', content: problemContent },
      401: authErrorResponses[401],
      403: authErrorResponses[403],
      503: { description: 'The session store is unavailable', content: problemContent },
    },
  }),
};

/** `/api/admin/…`, mounted at `/api`: what only an admin may do. */
export function adminRoutes() {
  return new OpenAPIHono<BffEnv>().openapi(routes.revokeSessions, async (c) => {
    const { userId } = c.req.valid('param');
    const revoked = await c
      .get('deps')
      .auth.sessions.revokeAllOf(userId)
      .catch((error: unknown) => {
        throw new DependencyError('The session store is unavailable right now.', { cause: error });
      });
    c.get('log').info("ended a user's sessions", {
      'user.id': userId,
      'session.count': revoked,
      'admin.id': signedInPrincipal(c).id,
    });
    c.header('cache-control', 'no-store');
    return c.json({ revoked }, 200);
  });
}
