import * as singers from '#services/singers/contract';
import { type CallContext, requestLine, type ServiceClient } from './service-client.ts';

export interface FavouritesPageQuery {
  limit?: number;
  cursor?: string;
}

/** The singers service as the BFF sees it. Singer ids are the users' `sub`. */
export interface SingersClient {
  /** Creates the singer from the user's claims, or refreshes it; idempotent. */
  upsert(context: CallContext, id: string, claims: singers.ClaimsProfile): Promise<singers.Singer>;
  get(context: CallContext, id: string): Promise<singers.Singer>;
  update(context: CallContext, id: string, patch: singers.UpdateSinger): Promise<singers.Singer>;
  favourites(context: CallContext, id: string, query: FavouritesPageQuery): Promise<singers.FavouritesPage>;
  addFavourite(context: CallContext, id: string, songId: string): Promise<singers.Favourite>;
  removeFavourite(context: CallContext, id: string, songId: string): Promise<void>;
}

export function singersClient(client: ServiceClient): SingersClient {
  const { routes, basePath } = singers;
  return {
    upsert: (context, id, claims) =>
      client.call(context, { ...requestLine(basePath, routes.upsert, { id }), body: claims }),
    get: (context, id) => client.call(context, requestLine(basePath, routes.get, { id })),
    update: (context, id, patch) =>
      client.call(context, { ...requestLine(basePath, routes.update, { id }), body: patch }),
    favourites: (context, id, query) =>
      client.call(context, {
        ...requestLine(basePath, routes.favourites, { id }),
        query: { limit: query.limit, cursor: query.cursor },
      }),
    addFavourite: (context, id, songId) =>
      client.call(context, requestLine(basePath, routes.addFavourite, { id, songId })),
    removeFavourite: (context, id, songId) =>
      client.call(context, requestLine(basePath, routes.removeFavourite, { id, songId })),
  };
}
