import { CATALOG_BASE_PATH } from '#services/catalog/app';
import type { CreateSong, Song, UpdateSong } from '#services/catalog/schema';
import type { SongSearchResult } from '#services/catalog/search/port';
import type { CallContext, ServiceClient } from './service-client.ts';

export type SearchQueryString = Record<string, string | number | boolean | undefined>;

/** The catalog service as the BFF sees it. */
export interface CatalogClient {
  search(context: CallContext, query: SearchQueryString): Promise<SongSearchResult>;
  get(context: CallContext, id: string): Promise<Song>;
  create(context: CallContext, song: CreateSong): Promise<Song>;
  update(context: CallContext, id: string, patch: UpdateSong): Promise<Song>;
  remove(context: CallContext, id: string): Promise<void>;
}

export function catalogClient(client: ServiceClient): CatalogClient {
  const songs = `${CATALOG_BASE_PATH}/songs`;
  const one = (id: string) => `${songs}/${encodeURIComponent(id)}`;
  return {
    search: (context, query) => client.call(context, { method: 'GET', path: `${songs}/search`, query }),
    get: (context, id) => client.call(context, { method: 'GET', path: one(id) }),
    create: (context, song) => client.call(context, { method: 'POST', path: songs, body: song }),
    update: (context, id, patch) => client.call(context, { method: 'PATCH', path: one(id), body: patch }),
    remove: (context, id) => client.call(context, { method: 'DELETE', path: one(id) }),
  };
}
