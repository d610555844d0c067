import * as catalog from '#services/catalog/contract';
import { type CallContext, requestLine, type ServiceClient } from './service-client.ts';

export type SearchQueryString = Record<string, string | number | boolean | undefined>;

/** The catalog service as the BFF sees it. */
export interface CatalogClient {
  search(context: CallContext, query: SearchQueryString): Promise<catalog.SearchResult>;
  get(context: CallContext, id: string): Promise<catalog.Song>;
  create(context: CallContext, song: catalog.CreateSong): Promise<catalog.Song>;
  update(context: CallContext, id: string, patch: catalog.UpdateSong): Promise<catalog.Song>;
  remove(context: CallContext, id: string): Promise<void>;
}

export function catalogClient(client: ServiceClient): CatalogClient {
  const { routes } = catalog;
  const line = (route: (typeof routes)[keyof typeof routes], id?: string) =>
    requestLine(catalog.basePath, route, id === undefined ? {} : { id });
  return {
    search: (context, query) => client.call(context, { ...line(routes.search), query }),
    get: (context, id) => client.call(context, line(routes.get, id)),
    create: (context, song) => client.call(context, { ...line(routes.create), body: song }),
    update: (context, id, patch) => client.call(context, { ...line(routes.update, id), body: patch }),
    remove: (context, id) => client.call(context, line(routes.remove, id)),
  };
}
