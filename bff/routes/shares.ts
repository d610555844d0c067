import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cacheTags } from '#lib/cache-tags';
import { NotFoundError, UnprocessableContentError } from '#lib/errors';
import { jsonBody, jsonResponse } from '#lib/openapi';
import { requireAuth, signedInPrincipal } from '../auth/middleware.ts';
import { authErrorResponses, signedIn } from '../auth/openapi.ts';
import { actorOf } from '../auth/principal.ts';
import { invalidateAfterWrite } from '../cache/http.ts';
import type { BffEnv } from '../env.ts';
import type { DownloadGrant } from './media.ts';
import { userPlaylistsTag } from './playlists.ts';
import { CreateShare, Share, SharesPage, SharesQuery } from './shapes.ts';

const ShareId = z.object({ id: z.uuid({ error: 'must be a share id (uuid)' }) });
const guarded = { 401: authErrorResponses[401], 403: authErrorResponses[403] };
const signedInOnly = { tags: ['shares'], security: signedIn, middleware: requireAuth() };

const routes = {
  create: createRoute({
    ...signedInOnly,
    method: 'post',
    path: '/shares',
    summary: 'Share a song or a playlist with another user, to stream or to download',
    description:
      'Anyone may share a song for streaming; a playlist only its owner. Sharing for download hands on the ' +
      'right to download, so only curators and admins may. A playlist shared with a user lets them read it; ' +
      'shared for download, also download its songs.',
    request: { body: jsonBody(CreateShare) },
    responses: {
      201: jsonResponse(Share, 'The share'),
      ...guarded,
      404: { description: 'No such playlist' },
      422: { description: 'No such song in the catalog, or a share with yourself' },
    },
  }),
  list: createRoute({
    ...signedInOnly,
    method: 'get',
    path: '/shares',
    summary: 'Shares you received (default) or sent, newest first',
    request: { query: SharesQuery },
    responses: { 200: jsonResponse(SharesPage, 'A page of shares'), ...guarded },
  }),
  remove: createRoute({
    ...signedInOnly,
    method: 'delete',
    path: '/shares/{id}',
    summary: 'Withdraw a share you made, or decline one made to you',
    request: { params: ShareId },
    responses: { 204: { description: 'Removed' }, ...guarded },
  }),
};

type ShareContext = Context<BffEnv>;

/** What a share changed: the `/api/me` of both sides, and who may read a shared playlist. */
async function afterShareWrite(
  c: ShareContext,
  share: { fromUserId: string; toUserId: string; playlistId: string | null },
) {
  await invalidateAfterWrite(c, [
    userPlaylistsTag(share.fromUserId),
    userPlaylistsTag(share.toUserId),
    ...(share.playlistId ? [cacheTags.entity('playlist', share.playlistId)] : []),
  ]);
}

/** `/api/shares…`, mounted at `/api`. */
export function shareRoutes() {
  const actor = (c: ShareContext) => actorOf(signedInPrincipal(c));
  return new OpenAPIHono<BffEnv>()
    .openapi(routes.create, async (c) => {
      const { catalog, playlists } = c.get('deps');
      const body = c.req.valid('json');
      const share = {
        ...body,
        userId: body.userId.toLowerCase(),
        ...(body.songId ? { songId: body.songId.toLowerCase() } : {}),
        ...(body.playlistId ? { playlistId: body.playlistId.toLowerCase() } : {}),
      };
      if (share.songId) {
        await catalog.get(c.var, share.songId).catch((error: unknown) => {
          if (error instanceof NotFoundError) {
            throw new UnprocessableContentError('No such song in the catalog.', {
              details: { issues: [{ path: 'songId', message: 'no such song' }] },
            });
          }
          throw error;
        });
      }
      const created = await playlists.createShare(c.var, actor(c), share);
      await afterShareWrite(c, created);
      c.header('cache-control', 'no-store');
      return c.json(created, 201);
    })
    .openapi(routes.list, async (c) => {
      const page = await c.get('deps').playlists.shares(c.var, actor(c), c.req.valid('query'));
      c.header('cache-control', 'no-store');
      return c.json(page, 200);
    })
    .openapi(routes.remove, async (c) => {
      const removed = await c
        .get('deps')
        .playlists.removeShare(c.var, actor(c), c.req.valid('param').id.toLowerCase());
      await afterShareWrite(c, removed);
      return c.body(null, 204);
    });
}

/** Downloads for users a song, or a playlist holding it, is shared with for download. */
export const shareDownloadGrant: DownloadGrant = (c, principal, songId) =>
  c.get('deps').playlists.downloadGrant(c.var, principal.id, songId);
