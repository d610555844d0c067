import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { jsonBody, jsonResponse } from '#lib/openapi';
import type { IssuedLinks } from '#services/playlists/contract';
import { requireAuth, signedInPrincipal } from '../auth/middleware.ts';
import { authErrorResponses, signedIn } from '../auth/openapi.ts';
import { actorOf } from '../auth/principal.ts';
import type { BffEnv } from '../env.ts';
import { CreatePitch, Pitch, PitchesPage, PlaylistsQuery, SentPitch } from './shapes.ts';

const PitchId = z.object({ id: z.uuid({ error: 'must be a pitch id (uuid)' }) });
const RecipientKey = PitchId.extend({ recipientId: z.uuid({ error: 'must be a recipient id (uuid)' }) });
const guarded = { 401: authErrorResponses[401], 403: authErrorResponses[403] };
const signedInOnly = { tags: ['pitches'], security: signedIn, middleware: requireAuth() };

const routes = {
  create: createRoute({
    ...signedInOnly,
    method: 'post',
    path: '/pitches',
    summary: "Pitch your playlist's songs, as they are now, to people without an account",
    description:
      'Each recipient (1–50, one per address) gets a link of their own, shown in this answer only: it opens ' +
      'the pitch page, with a password if you set one, until it expires or you revoke it.',
    request: { body: jsonBody(CreatePitch) },
    responses: {
      201: jsonResponse(SentPitch, "The pitch and each recipient's link"),
      ...guarded,
      404: { description: 'No such playlist' },
      422: { description: 'The expiry is already past' },
    },
  }),
  list: createRoute({
    ...signedInOnly,
    method: 'get',
    path: '/pitches',
    summary: 'Your pitches, newest first',
    request: { query: PlaylistsQuery },
    responses: { 200: jsonResponse(PitchesPage, 'A page of pitches'), ...guarded },
  }),
  get: createRoute({
    ...signedInOnly,
    method: 'get',
    path: '/pitches/{id}',
    summary: 'A pitch you sent, with opens, plays, downloads and last activity per recipient',
    request: { params: PitchId },
    responses: { 200: jsonResponse(Pitch, 'The pitch'), ...guarded },
  }),
  revoke: createRoute({
    ...signedInOnly,
    method: 'post',
    path: '/pitches/{id}/revoke',
    summary: 'Revoke a pitch: every link answers 410 from now on',
    request: { params: PitchId },
    responses: { 200: jsonResponse(Pitch, 'The pitch, revoked'), ...guarded },
  }),
  removeRecipient: createRoute({
    ...signedInOnly,
    method: 'delete',
    path: '/pitches/{id}/recipients/{recipientId}',
    summary: "Revoke one recipient's link",
    request: { params: RecipientKey },
    responses: { 204: { description: 'The link answers 410 from now on' }, ...guarded },
  }),
  newLink: createRoute({
    ...signedInOnly,
    method: 'post',
    path: '/pitches/{id}/recipients/{recipientId}/link',
    summary: 'Give a recipient a new link; the old one stops working',
    request: { params: RecipientKey },
    responses: { 200: jsonResponse(SentPitch, 'The new link, shown in this answer only'), ...guarded },
  }),
};

type PitchContext = Context<BffEnv>;

/** Links as recipients open them: the BFF's public address and the token, nothing else. */
function withLinks(c: PitchContext, issued: IssuedLinks) {
  const base = c.get('deps').config.PUBLIC_BASE_URL.replace(/\/$/, '');
  return {
    pitch: issued.pitch,
    links: issued.links.map(({ recipientId, email, token }) => ({
      recipientId,
      email,
      link: `${base}/p/${token}`,
    })),
  };
}

/** `/api/pitches…`, mounted at `/api`: a pitch is its sender's alone. Answers are never cached. */
export function pitchRoutes() {
  const actor = (c: PitchContext) => actorOf(signedInPrincipal(c));
  const noStore = (c: PitchContext) => c.header('cache-control', 'no-store');
  return new OpenAPIHono<BffEnv>()
    .openapi(routes.create, async (c) => {
      const issued = await c.get('deps').pitches.create(c.var, actor(c), c.req.valid('json'));
      noStore(c);
      return c.json(withLinks(c, issued), 201);
    })
    .openapi(routes.list, async (c) => {
      noStore(c);
      return c.json(await c.get('deps').pitches.list(c.var, actor(c), c.req.valid('query')), 200);
    })
    .openapi(routes.get, async (c) => {
      noStore(c);
      return c.json(
        await c.get('deps').pitches.get(c.var, actor(c), c.req.valid('param').id.toLowerCase()),
        200,
      );
    })
    .openapi(routes.revoke, async (c) => {
      noStore(c);
      return c.json(
        await c.get('deps').pitches.revoke(c.var, actor(c), c.req.valid('param').id.toLowerCase()),
        200,
      );
    })
    .openapi(routes.removeRecipient, async (c) => {
      const { id, recipientId } = c.req.valid('param');
      await c
        .get('deps')
        .pitches.removeRecipient(c.var, actor(c), id.toLowerCase(), recipientId.toLowerCase());
      return c.body(null, 204);
    })
    .openapi(routes.newLink, async (c) => {
      const { id, recipientId } = c.req.valid('param');
      const issued = await c
        .get('deps')
        .pitches.newLink(c.var, actor(c), id.toLowerCase(), recipientId.toLowerCase());
      noStore(c);
      return c.json(withLinks(c, issued), 200);
    });
}
