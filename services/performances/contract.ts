import { createRoute, z } from '@hono/zod-openapi';
import { PageCursor } from '#lib/cursor';
import { jsonResponse } from '#lib/openapi';

/** What callers may know of the performances service: its internal route and what it answers. */
export const basePath = '/internal/performances';

export const Performance = z
  .object({
    requestId: z.uuid(),
    singerId: z.uuid(),
    eventId: z.uuid(),
    songId: z.uuid(),
    /** Title and artist as they were when the song was requested. */
    title: z.string(),
    artist: z.string(),
    keyChange: z.number().int(),
    startedAt: z.string(),
    endedAt: z.string(),
  })
  .openapi('Performance');
export type Performance = z.infer<typeof Performance>;

export const PerformancesPage = z
  .object({
    /** Newest first. */
    items: z.array(Performance),
    /** Pass as `cursor` for the next page; null on the last page. */
    cursor: z.string().nullable(),
  })
  .openapi('PerformancesPage');
export type PerformancesPage = z.infer<typeof PerformancesPage>;

export const PerformancesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50, 'at most 50 performances per page').default(20),
  cursor: PageCursor.optional(),
});
export type PerformancesQuery = z.infer<typeof PerformancesQuery>;

export const routes = {
  list: createRoute({
    method: 'get',
    path: '/singers/{id}/performances',
    request: {
      params: z.object({ id: z.uuid({ error: 'must be a singer id (uuid)' }) }),
      query: PerformancesQuery,
    },
    responses: { 200: jsonResponse(PerformancesPage, 'Performances, newest first') },
  }),
};
