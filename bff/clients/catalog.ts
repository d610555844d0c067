import * as catalog from '#services/catalog/contract';
import { type CallContext, requestLine, type ServiceClient } from './service-client.ts';

export type SearchQueryString = Record<string, string | number | boolean | undefined>;

/** The catalog service as the BFF sees it. */
export interface CatalogClient {
  search(context: CallContext, query: SearchQueryString): Promise<catalog.SearchResult>;
  get(context: CallContext, id: string): Promise<catalog.Song>;
  /** The songs of these ids that exist (at most `MAX_LOOKUP_IDS`), in one call. */
  lookup(context: CallContext, ids: readonly string[]): Promise<catalog.SongLookupResult>;
  create(context: CallContext, song: catalog.CreateSong): Promise<catalog.Song>;
  update(context: CallContext, id: string, patch: catalog.UpdateSong): Promise<catalog.Song>;
  remove(context: CallContext, id: string): Promise<void>;
  mediaUpload(
    context: CallContext,
    id: string,
    request: catalog.MediaUploadRequest,
  ): Promise<catalog.MediaUpload>;
  mediaList(context: CallContext, id: string, status: 'ready' | 'all'): Promise<catalog.MediaList>;
  mediaRemove(context: CallContext, id: string, mediaId: string): Promise<void>;
  /** A short-lived link that plays the song's newest ready media. */
  mediaStream(context: CallContext, id: string): Promise<catalog.MediaLink>;
  /** A short-lived link that saves it as `Artist - Title.ext`. */
  mediaDownload(context: CallContext, id: string): Promise<catalog.MediaLink>;
}

export function catalogClient(client: ServiceClient): CatalogClient {
  const { routes } = catalog;
  const line = (
    route: (typeof routes)[keyof typeof routes],
    id?: string,
    more: Record<string, string> = {},
  ) => requestLine(catalog.basePath, route, id === undefined ? more : { id, ...more });
  return {
    search: (context, query) => client.call(context, { ...line(routes.search), query }),
    get: (context, id) => client.call(context, line(routes.get, id)),
    lookup: (context, ids) => client.call(context, { ...line(routes.lookup), body: { ids: [...ids] } }),
    create: (context, song) => client.call(context, { ...line(routes.create), body: song }),
    update: (context, id, patch) => client.call(context, { ...line(routes.update, id), body: patch }),
    remove: (context, id) => client.call(context, line(routes.remove, id)),
    mediaUpload: (context, id, request) =>
      client.call(context, { ...line(routes.mediaUpload, id), body: request }),
    mediaList: (context, id, status) =>
      client.call(context, { ...line(routes.mediaList, id), query: { status } }),
    mediaRemove: (context, id, mediaId) => client.call(context, line(routes.mediaRemove, id, { mediaId })),
    mediaStream: (context, id) => client.call(context, line(routes.mediaStream, id)),
    mediaDownload: (context, id) => client.call(context, line(routes.mediaDownload, id)),
  };
}
