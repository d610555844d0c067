import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cacheTags } from '#lib/cache-tags';
import { ForbiddenError } from '#lib/errors';
import { jsonBody, jsonResponse } from '#lib/openapi';
import { requireAuth, requireRole, signedInPrincipal } from '../auth/middleware.ts';
import { authErrorResponses, signedIn } from '../auth/openapi.ts';
import { hasAnyRole, type Principal } from '../auth/principal.ts';
import { invalidateAfterWrite } from '../cache/http.ts';
import type { BffEnv } from '../env.ts';
import { recordUsage } from '../usage/middleware.ts';
import { MediaList, MediaUpload, MediaUploadRequest } from './shapes.ts';

const SongId = z.object({ id: z.uuid({ error: 'must be a song id (uuid)' }) });
const MediaOfSong = SongId.extend({ mediaId: z.uuid({ error: 'must be a media id (uuid)' }) });
const songIdOf = (param: { id: string }) => param.id.toLowerCase();
const CURATORS = ['curator', 'admin'] as const;
const guarded = { 401: authErrorResponses[401], 403: authErrorResponses[403] };
const redirect = (description: string) => ({
  description,
  headers: z.object({ location: z.string().openapi({ description: 'A presigned S3 URL, valid 5 minutes' }) }),
});

const routes = {
  upload: createRoute({
    method: 'post',
    path: '/songs/{id}/media/uploads',
    tags: ['media'],
    summary: 'Ask to upload an audio file for a song (curators)',
    description:
      'Answers an S3 presigned POST valid 15 minutes: send `upload.fields` and then the file as ' +
      'multipart/form-data to `upload.url`. The policy pins the object key, the declared content type and ' +
      'the size; the file is then inspected and its media becomes `ready` or `rejected` with a reason.',
    security: signedIn,
    middleware: requireRole(...CURATORS),
    request: { params: SongId, body: jsonBody(MediaUploadRequest) },
    responses: {
      201: jsonResponse(MediaUpload, 'Where to upload the file'),
      ...guarded,
      422: { description: 'The file is larger than this deployment takes' },
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/songs/{id}/media',
    tags: ['media'],
    summary: "A song's media, newest first (curators see every status, others the ready ones)",
    request: { params: SongId },
    responses: { 200: jsonResponse(MediaList, "The song's media") },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/songs/{id}/media/{mediaId}',
    tags: ['media'],
    summary: 'Remove a media: its file and its record (curators)',
    security: signedIn,
    middleware: requireRole(...CURATORS),
    request: { params: MediaOfSong },
    responses: { 204: { description: 'Removed' }, ...guarded },
  }),
  stream: createRoute({
    method: 'get',
    path: '/songs/{id}/media/stream',
    tags: ['media'],
    summary: "Play the song's audio: a redirect to a short-lived link (signed in)",
    description: 'Works as `<audio src>` with the session cookie. S3 answers `Range` requests with 206.',
    security: signedIn,
    middleware: requireAuth(),
    request: { params: SongId },
    responses: {
      302: redirect('To the newest ready media'),
      ...guarded,
      409: { description: 'The song has no playable audio yet' },
    },
  }),
  download: createRoute({
    method: 'get',
    path: '/songs/{id}/media/download',
    tags: ['media'],
    summary: "Save the song's audio as `Artist - Title.ext`: a redirect to a short-lived link",
    description: 'For curators and admins, and for users the track is shared with for download.',
    security: signedIn,
    middleware: requireAuth(),
    request: { params: SongId },
    responses: {
      302: redirect('To the newest ready media, as an attachment'),
      ...guarded,
      409: { description: 'The song has no playable audio yet' },
    },
  }),
};

/**
 * Whether someone who is neither curator nor admin may download a song: the seam where shares
 * (a track shared with a user for download) decide. Until shares exist, nobody else may.
 */
export type DownloadGrant = (c: Context<BffEnv>, principal: Principal, songId: string) => Promise<boolean>;
const noShares: DownloadGrant = async () => false;

/**
 * Media routes, mounted at `/api`. Links are never cached (by the read cache, a browser or a
 * proxy): each answer is `Cache-Control: no-store`, and every stream and download is logged as a
 * usage event.
 */
export function mediaRoutes(options: { downloadGrant?: DownloadGrant } = {}) {
  const downloadGrant = options.downloadGrant ?? noShares;
  const usage = (
    c: Context<BffEnv>,
    type: 'media.streamed' | 'media.downloaded',
    principal: Principal,
    songId: string,
    mediaId: string,
  ) =>
    recordUsage(c, {
      type,
      occurredAt: new Date().toISOString(),
      actor: { kind: 'user', id: principal.id },
      subject: { kind: 'media', id: mediaId },
      props: { songId, mediaId },
    });
  return new OpenAPIHono<BffEnv>()
    .openapi(routes.upload, async (c) => {
      const upload = await c
        .get('deps')
        .catalog.mediaUpload(c.var, songIdOf(c.req.valid('param')), c.req.valid('json'));
      c.header('cache-control', 'no-store');
      return c.json(upload, 201);
    })
    .openapi(routes.list, async (c) => {
      const principal = c.get('principal');
      const status = principal && hasAnyRole(principal, CURATORS) ? 'all' : 'ready';
      const list = await c.get('deps').catalog.mediaList(c.var, songIdOf(c.req.valid('param')), status);
      c.header('cache-control', 'no-store');
      return c.json(
        {
          items: list.items.map(({ songId: _song, fileName: _name, contentType: _type, ...media }) => media),
        },
        200,
      );
    })
    .openapi(routes.remove, async (c) => {
      const { id, mediaId } = c.req.valid('param');
      const songId = id.toLowerCase();
      await c.get('deps').catalog.mediaRemove(c.var, songId, mediaId.toLowerCase());
      // The song may have lost its audio: its author reads that back at once, as after a song write.
      await invalidateAfterWrite(c, [cacheTags.song(songId), cacheTags.songSearch]);
      return c.body(null, 204);
    })
    .openapi(routes.stream, async (c) => {
      const principal = signedInPrincipal(c);
      const songId = songIdOf(c.req.valid('param'));
      const link = await c.get('deps').catalog.mediaStream(c.var, songId);
      usage(c, 'media.streamed', principal, songId, link.mediaId);
      c.header('cache-control', 'no-store');
      return c.redirect(link.url, 302);
    })
    .openapi(routes.download, async (c) => {
      const principal = signedInPrincipal(c);
      const songId = songIdOf(c.req.valid('param'));
      if (!hasAnyRole(principal, CURATORS) && !(await downloadGrant(c, principal, songId))) {
        throw new ForbiddenError(
          'Downloads are for curators, and for users a track is shared with for download.',
        );
      }
      const link = await c.get('deps').catalog.mediaDownload(c.var, songId);
      usage(c, 'media.downloaded', principal, songId, link.mediaId);
      c.header('cache-control', 'no-store');
      return c.redirect(link.url, 302);
    });
}
