import type { Actor } from '#lib/actor';
import { PERFORMANCES_BASE_PATH } from '#services/performances/app';
import type { PerformancesPage } from '#services/performances/schema';
import type { CallContext, ServiceClient } from './service-client.ts';

/** The performances service as the BFF sees it: who may read whose history is the service's rule. */
export interface PerformancesClient {
  list(
    context: CallContext,
    actor: Actor,
    singerId: string,
    query: { limit?: number; cursor?: string },
  ): Promise<PerformancesPage>;
}

export function performancesClient(client: ServiceClient): PerformancesClient {
  return {
    list: (context, actor, singerId, query) =>
      client.call(context, {
        method: 'GET',
        path: `${PERFORMANCES_BASE_PATH}/singers/${encodeURIComponent(singerId)}/performances`,
        query: { limit: query.limit, cursor: query.cursor },
        actor,
      }),
  };
}
