import type { Actor } from '#lib/actor';
import * as playlists from '#services/playlists/contract';
import { type CallContext, requestLine, type ServiceClient } from './service-client.ts';

/**
 * The playlists service (playlists, their items and members, shares) as the BFF sees it. Every
 * call says whom it is made for; the service decides per record what that user may do.
 */
export interface PlaylistsClient {
  create(context: CallContext, actor: Actor, body: playlists.CreatePlaylist): Promise<playlists.Playlist>;
  list(
    context: CallContext,
    actor: Actor,
    query: Partial<playlists.PageQuery>,
  ): Promise<playlists.PlaylistsPage>;
  get(context: CallContext, actor: Actor, id: string): Promise<playlists.Playlist>;
  update(
    context: CallContext,
    actor: Actor,
    id: string,
    patch: playlists.UpdatePlaylist,
    ifMatch?: string,
  ): Promise<playlists.Playlist>;
  remove(context: CallContext, actor: Actor, id: string, ifMatch?: string): Promise<void>;
  addItem(
    context: CallContext,
    actor: Actor,
    id: string,
    item: playlists.AddItem,
  ): Promise<playlists.PlacedItem>;
  removeItem(context: CallContext, actor: Actor, id: string, itemId: string): Promise<void>;
  moveItem(
    context: CallContext,
    actor: Actor,
    id: string,
    itemId: string,
    move: playlists.MoveItem,
  ): Promise<playlists.PlacedItem>;
  setMember(
    context: CallContext,
    actor: Actor,
    id: string,
    userId: string,
    body: playlists.SetMember,
  ): Promise<playlists.Member>;
  removeMember(context: CallContext, actor: Actor, id: string, userId: string): Promise<void>;
  createShare(context: CallContext, actor: Actor, share: playlists.CreateShare): Promise<playlists.Share>;
  shares(
    context: CallContext,
    actor: Actor,
    query: Partial<playlists.SharesQuery>,
  ): Promise<playlists.SharesPage>;
  /** Answers the share as it was, so the caller knows what the removal changed. */
  removeShare(context: CallContext, actor: Actor, id: string): Promise<playlists.Share>;
  /** Whether a share lets the user download the song. */
  downloadGrant(context: CallContext, userId: string, songId: string): Promise<boolean>;
}

export function playlistsClient(client: ServiceClient): PlaylistsClient {
  const { routes, basePath } = playlists;
  const line = (route: (typeof routes)[keyof typeof routes], params: Record<string, string> = {}) =>
    requestLine(basePath, route, params);
  const ifMatchOf = (ifMatch: string | undefined) => (ifMatch === undefined ? {} : { ifMatch });
  return {
    create: (context, actor, body) => client.call(context, { ...line(routes.create), body, actor }),
    list: (context, actor, query) =>
      client.call(context, {
        ...line(routes.list),
        query: { limit: query.limit, cursor: query.cursor },
        actor,
      }),
    get: (context, actor, id) => client.call(context, { ...line(routes.get, { id }), actor }),
    update: (context, actor, id, patch, ifMatch) =>
      client.call(context, { ...line(routes.update, { id }), body: patch, actor, ...ifMatchOf(ifMatch) }),
    remove: (context, actor, id, ifMatch) =>
      client.call(context, { ...line(routes.remove, { id }), actor, ...ifMatchOf(ifMatch) }),
    addItem: (context, actor, id, item) =>
      client.call(context, { ...line(routes.addItem, { id }), body: item, actor }),
    removeItem: (context, actor, id, itemId) =>
      client.call(context, { ...line(routes.removeItem, { id, itemId }), actor }),
    moveItem: (context, actor, id, itemId, move) =>
      client.call(context, { ...line(routes.moveItem, { id, itemId }), body: move, actor }),
    setMember: (context, actor, id, userId, body) =>
      client.call(context, { ...line(routes.setMember, { id, userId }), body, actor }),
    removeMember: (context, actor, id, userId) =>
      client.call(context, { ...line(routes.removeMember, { id, userId }), actor }),
    createShare: (context, actor, share) =>
      client.call(context, { ...line(routes.createShare), body: share, actor }),
    shares: (context, actor, query) =>
      client.call(context, {
        ...line(routes.listShares),
        query: { direction: query.direction, limit: query.limit, cursor: query.cursor },
        actor,
      }),
    removeShare: (context, actor, id) => client.call(context, { ...line(routes.removeShare, { id }), actor }),
    downloadGrant: async (context, userId, songId) =>
      (await client.call<playlists.DownloadGrant>(context, line(routes.downloadGrant, { userId, songId })))
        .allowed,
  };
}

/** Pitches, kept by the playlists service: the owner's side, and what a recipient's token opens. */
export interface PitchesClient {
  create(context: CallContext, actor: Actor, pitch: playlists.CreatePitch): Promise<playlists.IssuedLinks>;
  list(
    context: CallContext,
    actor: Actor,
    query: Partial<playlists.PageQuery>,
  ): Promise<playlists.PitchesPage>;
  get(context: CallContext, actor: Actor, id: string): Promise<playlists.Pitch>;
  revoke(context: CallContext, actor: Actor, id: string): Promise<playlists.Pitch>;
  removeRecipient(context: CallContext, actor: Actor, id: string, recipientId: string): Promise<void>;
  newLink(
    context: CallContext,
    actor: Actor,
    id: string,
    recipientId: string,
  ): Promise<playlists.IssuedLinks>;
  resolve(context: CallContext, link: playlists.ResolveLink): Promise<playlists.LinkView>;
}

export function pitchesClient(client: ServiceClient): PitchesClient {
  const { pitchRoutes: routes, basePath } = playlists;
  const line = (route: (typeof routes)[keyof typeof routes], params: Record<string, string> = {}) =>
    requestLine(basePath, route, params);
  return {
    create: (context, actor, body) => client.call(context, { ...line(routes.create), body, actor }),
    list: (context, actor, query) =>
      client.call(context, {
        ...line(routes.list),
        query: { limit: query.limit, cursor: query.cursor },
        actor,
      }),
    get: (context, actor, id) => client.call(context, { ...line(routes.get, { id }), actor }),
    revoke: (context, actor, id) => client.call(context, { ...line(routes.revoke, { id }), actor }),
    removeRecipient: (context, actor, id, recipientId) =>
      client.call(context, { ...line(routes.removeRecipient, { id, recipientId }), actor }),
    newLink: (context, actor, id, recipientId) =>
      client.call(context, { ...line(routes.newLink, { id, recipientId }), actor }),
    resolve: (context, body) => client.call(context, { ...line(routes.resolve), body }),
  };
}
