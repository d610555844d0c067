import * as z from 'zod';
import type { Actor } from '#lib/actor';
import { decodeCursor, encodeCursor } from '#lib/cursor';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  UnprocessableContentError,
} from '#lib/errors';
import { type EntityTag, ifMatchAllows } from '#lib/if-match';
import {
  type AddItem,
  type CreatePlaylist,
  type CreateShare,
  MAX_ITEMS,
  type Member,
  type PageQuery,
  type PlacedItem,
  type Playlist,
  type PlaylistSummary,
  type PlaylistsPage,
  type Role,
  type Share,
  type SharesPage,
  type SharesQuery,
  type UpdatePlaylist,
} from './contract.ts';
import { accessOf, allows, maySharePermission, type PlaylistAction } from './domain/access.ts';
import { placeAt } from './domain/positions.ts';
import type { LockedPlaylist, PlaylistRow, PlaylistStore } from './repo.ts';

type IfMatch = '*' | EntityTag[] | undefined;

export interface PlaylistsService {
  create(actor: Actor, fields: CreatePlaylist): Promise<Playlist>;
  list(actor: Actor, query: PageQuery): Promise<PlaylistsPage>;
  get(actor: Actor, id: string): Promise<Playlist>;
  /** Owner only; a 412 unless `ifMatch` allows the playlist's current version. */
  update(actor: Actor, id: string, patch: UpdatePlaylist, ifMatch: IfMatch): Promise<Playlist>;
  remove(actor: Actor, id: string, ifMatch: IfMatch): Promise<void>;
  addItem(actor: Actor, id: string, item: AddItem): Promise<PlacedItem>;
  removeItem(actor: Actor, id: string, itemId: string): Promise<void>;
  moveItem(actor: Actor, id: string, itemId: string, position: number): Promise<PlacedItem>;
  setMember(
    actor: Actor,
    id: string,
    userId: string,
    role: Role,
  ): Promise<{ member: Member; created: boolean }>;
  removeMember(actor: Actor, id: string, userId: string): Promise<void>;
  createShare(actor: Actor, share: CreateShare): Promise<Share>;
  shares(actor: Actor, query: SharesQuery): Promise<SharesPage>;
  /** The sharer, or the user it was shared with (declining it), may remove a share; answers what it removed. */
  removeShare(actor: Actor, id: string): Promise<Share>;
  downloadGrant(userId: string, songId: string): Promise<boolean>;
}

const Before = z.object({ before: z.int().positive() });
const etagValue = (version: number) => String(version);

const summaryOf = (row: PlaylistRow, access: PlaylistSummary['access']): PlaylistSummary => ({
  id: row.id,
  ownerId: row.ownerId,
  name: row.name,
  description: row.description,
  version: row.version,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  itemCount: row.itemCount,
  access,
});

function page<T>(rows: T[], limit: number, total: number, seqOf: (row: T) => number) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    total,
    cursor: rows.length > limit && last ? encodeCursor({ before: seqOf(last) }) : null,
  };
}

/** A position past the end of the list as it is now: the request conflicts with the list, not the schema. */
const outOfRange = (field: string, max: number) =>
  new ConflictError('The position is past the end of the list.', {
    details: { issues: [{ path: field, message: `must be 0…${max}` }] },
  });

export function createPlaylistsService(deps: { store: PlaylistStore }): PlaylistsService {
  const { store } = deps;
  const notFound = (id: string) => new NotFoundError(`No playlist with id ${id}.`);

  /** Runs `work` on the locked playlist once the actor is allowed `action` on it. */
  async function onPlaylist<T>(
    actor: Actor,
    id: string,
    action: PlaylistAction,
    work: (playlist: LockedPlaylist) => Promise<T>,
  ): Promise<T> {
    const result = await store.locked(id, async (playlist) => {
      const stored = await playlist.access(actor.id);
      const access = accessOf(playlist.row, actor.id, stored.membership, stored.shared);
      if (!allows(access, action)) {
        throw new ForbiddenError(
          action === 'read' || access === null
            ? 'This playlist is not yours, and nobody shared it with you.'
            : action === 'edit-items'
              ? "Only the playlist's owner and editors may change its items."
              : "Only the playlist's owner may do that.",
        );
      }
      return work(playlist);
    });
    if (typeof result === 'object' && result !== null && 'missing' in result) throw notFound(id);
    return result as T;
  }

  const checkIfMatch = (ifMatch: IfMatch, row: PlaylistRow) => {
    if (!ifMatchAllows(ifMatch, etagValue(row.version))) {
      throw new PreconditionFailedError(
        `The playlist changed since you read it (now version ${row.version}); read it again.`,
      );
    }
  };

  async function get(actor: Actor, id: string): Promise<Playlist> {
    const read = await store.read(id, actor.id);
    if (!read) throw notFound(id);
    const access = accessOf(read.row, actor.id, read.access.membership, read.access.shared);
    if (!access || !allows(access, 'read')) {
      throw new ForbiddenError('This playlist is not yours, and nobody shared it with you.');
    }
    const { itemCount: _count, createdSeq: _seq, ...row } = read.row;
    return { ...row, items: read.items, members: read.members, access };
  }

  return {
    async create(actor, fields) {
      const { itemCount: _count, createdSeq: _seq, ...row } = await store.create(actor.id, fields);
      return { ...row, items: [], members: [], access: 'owner' };
    },

    async list(actor, query) {
      const before = query.cursor === undefined ? null : decodeCursor(query.cursor, Before).before;
      const [rows, total] = await Promise.all([
        store.listFor(actor.id, query.limit + 1, before),
        store.countFor(actor.id),
      ]);
      const result = page(rows, query.limit, total, (row) => row.createdSeq);
      return {
        ...result,
        items: result.items.map((row) =>
          summaryOf(row, row.ownerId === actor.id ? 'owner' : (row.membership ?? 'viewer')),
        ),
      };
    },

    get,

    async update(actor, id, patch, ifMatch) {
      await onPlaylist(actor, id, 'manage', async (playlist) => {
        checkIfMatch(ifMatch, playlist.row);
        await playlist.update(patch);
      });
      return get(actor, id);
    },

    async remove(actor, id, ifMatch) {
      await onPlaylist(actor, id, 'manage', async (playlist) => {
        checkIfMatch(ifMatch, playlist.row);
        await playlist.remove();
      });
    },

    addItem(actor, id, { songId, position }) {
      return onPlaylist(actor, id, 'edit-items', async (playlist) => {
        const ranked = await playlist.ranks();
        if (ranked.length >= MAX_ITEMS) {
          throw new ConflictError(`A playlist holds at most ${MAX_ITEMS} items.`, {
            details: { issues: [{ path: 'songId', message: `the playlist already has ${MAX_ITEMS} items` }] },
          });
        }
        const index = position ?? ranked.length;
        if (index > ranked.length) throw outOfRange('position', ranked.length);
        const placement = placeAt(
          ranked.map((item) => item.rank),
          index,
        );
        await playlist.rerank(
          placement.respread.map(({ index: at, rank }) => ({
            itemId: (ranked[at] as { itemId: string }).itemId,
            rank,
          })),
        );
        const item = await playlist.insertItem(songId, placement.rank, actor.id);
        const touched = await playlist.touch();
        return { ...item, position: index, playlistVersion: touched.version };
      });
    },

    async removeItem(actor, id, itemId) {
      await onPlaylist(actor, id, 'edit-items', async (playlist) => {
        if (!(await playlist.removeItem(itemId))) {
          throw new NotFoundError(`No item ${itemId} in playlist ${id}.`);
        }
        await playlist.touch();
      });
    },

    moveItem(actor, id, itemId, position) {
      return onPlaylist(actor, id, 'edit-items', async (playlist) => {
        const item = await playlist.item(itemId);
        if (!item) throw new NotFoundError(`No item ${itemId} in playlist ${id}.`);
        const others = (await playlist.ranks()).filter((ranked) => ranked.itemId !== itemId);
        if (position > others.length) throw outOfRange('position', others.length);
        const placement = placeAt(
          others.map((ranked) => ranked.rank),
          position,
        );
        await playlist.rerank([
          ...placement.respread.map(({ index, rank }) => ({
            itemId: (others[index] as { itemId: string }).itemId,
            rank,
          })),
          { itemId, rank: placement.rank },
        ]);
        const touched = await playlist.touch();
        return { ...item, position, playlistVersion: touched.version };
      });
    },

    setMember(actor, id, userId, role) {
      return onPlaylist(actor, id, 'manage', async (playlist) => {
        if (userId === playlist.row.ownerId) {
          throw new ConflictError('The owner is no member of their own playlist.', {
            details: { issues: [{ path: 'userId', message: 'is the owner' }] },
          });
        }
        const { member, created, changed } = await playlist.setMember(userId, role);
        if (changed) await playlist.touch();
        return { member, created };
      });
    },

    async removeMember(actor, id, userId) {
      await onPlaylist(actor, id, 'manage', async (playlist) => {
        if (await playlist.removeMember(userId)) await playlist.touch();
      });
    },

    async createShare(actor, share) {
      if (share.userId === actor.id) {
        throw new UnprocessableContentError('Share with someone else.', {
          details: { issues: [{ path: 'userId', message: 'is you' }] },
        });
      }
      if (!maySharePermission(actor.roles, share.permission)) {
        throw new ForbiddenError('Only curators and admins may share for download; share for streaming.');
      }
      if (share.playlistId !== undefined) {
        // Only the owner shares a playlist. Checked first, written after: the share's foreign key
        // would wait for the lock the check holds. A playlist deleted in between fails the insert.
        await onPlaylist(actor, share.playlistId, 'manage', async () => {});
      }
      return createShareRow(actor, share);
    },

    async shares(actor, query) {
      const before = query.cursor === undefined ? null : decodeCursor(query.cursor, Before).before;
      const [rows, total] = await Promise.all([
        store.shares(actor.id, query.direction, query.limit + 1, before),
        store.countShares(actor.id, query.direction),
      ]);
      return page(rows, query.limit, total, (row) => row.version);
    },

    async removeShare(actor, id) {
      const share = await store.share(id);
      if (!share) throw new NotFoundError(`No share with id ${id}.`);
      if (share.fromUserId !== actor.id && share.toUserId !== actor.id) {
        throw new ForbiddenError('Only who shared it, and whom it was shared with, may remove a share.');
      }
      await store.removeShare(id);
      return share;
    },

    downloadGrant: (userId, songId) => store.downloadShared(userId, songId),
  };

  function createShareRow(actor: Actor, share: CreateShare) {
    return store.createShare({
      songId: share.songId ?? null,
      playlistId: share.playlistId ?? null,
      fromUserId: actor.id,
      toUserId: share.userId,
      permission: share.permission,
      message: share.message ?? null,
    });
  }
}
