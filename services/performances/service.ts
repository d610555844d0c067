import { z } from 'zod';
import { type Actor, hasRole } from '#lib/actor';
import { ForbiddenError, ValidationError } from '#lib/errors';
import type { PageStart, PerformanceStore } from './repo.ts';
import type { PerformancesPage, PerformancesQuery } from './contract.ts';
import type { PerformanceRecord } from './repo.ts';

export interface PerformancesService {
  /**
   * A singer's history, newest first: all of it for the singer themself (and admins); for a KJ,
   * the performances at nights they ran; anyone else gets a 403.
   */
  list(actor: Actor, singerId: string, query: PerformancesQuery): Promise<PerformancesPage>;
  /** Idempotent: false when this performance was recorded before. */
  record(performance: PerformanceRecord): Promise<boolean>;
}

const CursorParts = z.tuple([
  z.iso.datetime().refine((value) => {
    const year = Number(value.slice(0, 4));
    return year >= 2000 && year <= 9999;
  }),
  z.uuid(),
]);

export const encodePerformancesCursor = (start: PageStart) =>
  Buffer.from(`${start.endedAt}|${start.requestId}`).toString('base64url');

/** The page start a cursor stands for; a ValidationError for anything this service did not issue. */
export function decodePerformancesCursor(cursor: string): PageStart {
  const parsed = CursorParts.safeParse(Buffer.from(cursor, 'base64url').toString('utf8').split('|'));
  if (!parsed.success) {
    throw new ValidationError('The request is not valid; see issues for each field.', [
      { path: 'cursor', message: 'not a cursor from a previous page' },
    ]);
  }
  const [endedAt, requestId] = parsed.data;
  return { endedAt, requestId };
}

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
