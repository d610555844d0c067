import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { SESSION_COOKIE } from './cookies.ts';
import { ROLES } from './principal.ts';

/** RFC 9457 problem details, as every error response of the API carries them. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
  })
  .openapi('Problem');

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The error responses of a route behind `requireAuth()` / `requireRole()`, for its `responses`. */
export const authErrorResponses = {
  401: problem('Not signed in, or the Bearer token was refused'),
  403: problem('Signed in without a role this route needs, or a cross-site request'),
} as const;

/** Security requirement of a route open to a browser session or a Bearer access token. */
export const signedIn: Record<string, string[]>[] = [{ session: [] }, { bearer: [] }];

export const UserSchema = z
  .object({
    id: z.string().openapi({ description: "The identity provider's subject; also the singer id" }),
    name: z.string().nullable(),
    email: z.string().nullable(),
    roles: z.array(z.enum(ROLES)),
  })
  .openapi('User');

/** Declares the two ways to authenticate in the OpenAPI document. */
export function registerSecuritySchemes<E extends Env>(app: OpenAPIHono<E>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'Browser session set by /auth/callback. Unsafe methods must come from an allowed Origin.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: "An access token from the identity provider, for the API's audience.",
  });
}
