import { SINGERS_BASE_PATH } from '#services/singers/app';
import type {
  ClaimsProfile,
  Favourite,
  FavouritesPage,
  Singer,
  UpdateSinger,
} from '#services/singers/schema';
import type { CallContext, ServiceClient } from './service-client.ts';

export interface FavouritesPageQuery {
  limit?: number;
  cursor?: string;
}

/** The singers service as the BFF sees it. Singer ids are the users' `sub`. */
export interface SingersClient {
  /** Creates the singer from the user's claims, or refreshes it; idempotent. */
  upsert(context: CallContext, id: string, claims: ClaimsProfile): Promise<Singer>;
  get(context: CallContext, id: string): Promise<Singer>;
  update(context: CallContext, id: string, patch: UpdateSinger): Promise<Singer>;
  favourites(context: CallContext, id: string, query: FavouritesPageQuery): Promise<FavouritesPage>;
  addFavourite(context: CallContext, id: string, songId: string): Promise<Favourite>;
  removeFavourite(context: CallContext, id: string, songId: string): Promise<void>;
}

export function singersClient(client: ServiceClient): SingersClient {
  const one = (id: string) => `${SINGERS_BASE_PATH}/singers/${encodeURIComponent(id)}`;
  const favourite = (id: string, songId: string) => `${one(id)}/favourites/${encodeURIComponent(songId)}`;
  return {
    upsert: (context, id, claims) => client.call(context, { method: 'PUT', path: one(id), body: claims }),
    get: (context, id) => client.call(context, { method: 'GET', path: one(id) }),
    update: (context, id, patch) => client.call(context, { method: 'PATCH', path: one(id), body: patch }),
    favourites: (context, id, query) =>
      client.call(context, {
        method: 'GET',
        path: `${one(id)}/favourites`,
        query: { limit: query.limit, cursor: query.cursor },
      }),
    addFavourite: (context, id, songId) =>
      client.call(context, { method: 'PUT', path: favourite(id, songId) }),
    removeFavourite: (context, id, songId) =>
      client.call(context, { method: 'DELETE', path: favourite(id, songId) }),
  };
}
