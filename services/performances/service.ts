import * as z from 'zod';
import { type Actor, hasRole } from '#lib/actor';
import { decodeCursor, encodeCursor } from '#lib/cursor';
import { ForbiddenError } from '#lib/errors';
import type { PerformancesPage, PerformancesQuery } from './contract.ts';
import type { PageStart, PerformanceRecord, PerformanceStore } from './repo.ts';

export interface PerformancesService {
  /**
   * A singer's history, newest first: all of it for the singer themself (and admins); for a KJ,
   * the performances at nights they ran; anyone else gets a 403.
   */
  list(actor: Actor, singerId: string, query: PerformancesQuery): Promise<PerformancesPage>;
  /** Idempotent: false when this performance was recorded before. */
  record(performance: PerformanceRecord): Promise<boolean>;
}

/** Where a page of history starts: the last performance of the page before (newest first). */
const PerformancesCursor = z.object({
  endedAt: z.iso.datetime().refine((value) => {
    const year = Number(value.slice(0, 4));
    return year >= 2000 && year <= 9999;
  }),
  requestId: z.uuid(),
});

export const encodePerformancesCursor = (start: PageStart) =>
  encodeCursor({ endedAt: start.endedAt, requestId: start.requestId });

/** The page start a cursor stands for; a ValidationError for anything this service did not issue. */
export const decodePerformancesCursor = (cursor: string): PageStart =>
  decodeCursor(cursor, PerformancesCursor);

export function createPerformancesService(deps: { performances: PerformanceStore }): PerformancesService {
  const { performances } = deps;
  return {
    async list(actor, singerId, query) {
      const after = query.cursor === undefined ? undefined : decodePerformancesCursor(query.cursor);
      const seesAll = actor.id === singerId || hasRole(actor, 'admin');
      if (!seesAll && !hasRole(actor, 'kj')) {
        throw new ForbiddenError(
          "Only the singer, or a KJ for the nights they ran, can see a singer's performances.",
        );
      }
      const rows = await performances.list(singerId, {
        ...(seesAll ? {} : { kjId: actor.id }),
        limit: query.limit + 1,
        ...(after ? { after } : {}),
      });
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      return {
        items,
        cursor:
          rows.length > query.limit && last
            ? encodePerformancesCursor({ endedAt: last.endedAt, requestId: last.requestId })
            : null,
      };
    },
    record: (performance) => performances.record(performance),
  };
}
