import type { Actor } from '#lib/actor';
import * as performances from '#services/performances/contract';
import { type CallContext, requestLine, type ServiceClient } from './service-client.ts';

/** The performances service as the BFF sees it: who may read whose history is the service's rule. */
export interface PerformancesClient {
  list(
    context: CallContext,
    actor: Actor,
    singerId: string,
    query: { limit?: number; cursor?: string },
  ): Promise<performances.PerformancesPage>;
}

export function performancesClient(client: ServiceClient): PerformancesClient {
  return {
    list: (context, actor, singerId, query) =>
      client.call(context, {
        ...requestLine(performances.basePath, performances.routes.list, { id: singerId }),
        query: { limit: query.limit, cursor: query.cursor },
        actor,
      }),
  };
}
