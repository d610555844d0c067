import { type Actor, hasRole } from '#lib/actor';
import { ForbiddenError, ValidationError } from '#lib/errors';
import type { PageStart, PerformanceStore } from './repo.ts';
import type { PerformanceRecord, PerformancesPage, PerformancesQuery } from './schema.ts';

export interface PerformancesService {
  /**
   * A singer's history, newest first: all of it for the singer themself (and admins); for a KJ,
   * the performances at nights they ran; anyone else gets a 403.
   */
  list(actor: Actor, singerId: string, query: PerformancesQuery): Promise<PerformancesPage>;
  /** Idempotent: false when this performance was recorded before. */
  record(performance: PerformanceRecord): Promise<boolean>;
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\|([0-9a-f-]{36})$/;

export const encodePerformancesCursor = (start: PageStart) =>
  Buffer.from(`${start.endedAt}|${start.requestId}`).toString('base64url');

export function decodePerformancesCursor(cursor: string): PageStart {
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2] || Number.isNaN(Date.parse(match[1]))) {
    throw new ValidationError('The request is not valid; see issues for each field.', [
      { path: 'cursor', message: 'not a cursor from a previous page' },
    ]);
  }
  return { endedAt: match[1], requestId: match[2] };
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
