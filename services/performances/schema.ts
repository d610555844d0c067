import { z } from '@hono/zod-openapi';

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
  cursor: z.string().max(200).optional(),
});
export type PerformancesQuery = z.infer<typeof PerformancesQuery>;

/** A performance as the rotations service logs it (`PerformanceCompleted`), inside its outbox row. */
export const PerformanceCompletedRow = z.object({
  event_id: z.uuid(),
  seq: z.number().int().positive(),
  type: z.literal('PerformanceCompleted'),
  data: z.object({
    requestId: z.uuid(),
    singerId: z.uuid(),
    eventId: z.uuid(),
    kjId: z.uuid(),
    songId: z.uuid(),
    title: z.string().min(1).max(500),
    artist: z.string().min(1).max(500),
    keyChange: z.number().int().min(-6).max(6),
    startedAt: z.iso.datetime({ offset: true }),
    at: z.iso.datetime({ offset: true }),
  }),
});

/** A performance with the KJ of its night, as stored. */
export type PerformanceRecord = Performance & { kjId: string };
