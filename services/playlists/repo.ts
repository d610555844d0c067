import { type Db, type Params, type Queryable, sql } from '#lib/db/port';
import type { CreatePlaylist, Member, PlaylistItem, Role, Share, UpdatePlaylist } from './contract.ts';

export type PlaylistRow = {
  id: string;
  ownerId: string;
  name: string;
  description: string | null;
  itemCount: number;
  /** Creation order: listings go newest first by it. */
  createdSeq: number;
  version: number;
  createdAt: string;
  updatedAt: string;
};

export type RankedItem = {
  itemId: string;
  rank: string;
};

const PLAYLIST_COLUMNS = `
  p.id, p.owner_id AS "ownerId", p.name, p.description, p.item_count AS "itemCount",
  p.created_seq AS "createdSeq", p.version, p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;
const ITEM_COLUMNS = 'id AS "itemId", song_id AS "songId", added_by AS "addedBy", added_at AS "addedAt"';
const SHARE_COLUMNS = `
  id, song_id AS "songId", playlist_id AS "playlistId", from_user_id AS "fromUserId",
  to_user_id AS "toUserId", permission, message, created_at AS "createdAt", version`;

/** How a user stands to a playlist, as stored: their membership and whether it is shared with them. */
export interface StoredAccess {
  membership: Role | null;
  shared: boolean;
}

/** One playlist with its row locked until the surrounding transaction ends. */
export interface LockedPlaylist {
  readonly row: PlaylistRow;
  access(userId: string): Promise<StoredAccess>;
  /** Every item's rank, in order. */
  ranks(): Promise<RankedItem[]>;
  insertItem(songId: string, rank: string, addedBy: string): Promise<PlaylistItem>;
  /** Writes new ranks for items of this playlist. */
  rerank(items: readonly RankedItem[]): Promise<void>;
  item(itemId: string): Promise<PlaylistItem | null>;
  removeItem(itemId: string): Promise<boolean>;
  update(patch: UpdatePlaylist): Promise<PlaylistRow>;
  /** Records that items or members changed: a new version (and ETag), the item count kept true. */
  touch(): Promise<PlaylistRow>;
  remove(): Promise<void>;
  setMember(userId: string, role: Role): Promise<{ member: Member; created: boolean; changed: boolean }>;
  removeMember(userId: string): Promise<boolean>;
}

/** SQL for playlists, their items and members, and shares. Every write fires the outbox trigger. */
export interface PlaylistStore {
  create(ownerId: string, fields: CreatePlaylist): Promise<PlaylistRow>;
  /** Runs `work` with the playlist locked (writes to one playlist take turns); null when there is none. */
  locked<T>(id: string, work: (playlist: LockedPlaylist) => Promise<T>): Promise<T | { missing: true }>;
  /** The playlist, its items in order and its members, read in one snapshot; null when there is none. */
  read(
    id: string,
    userId: string,
  ): Promise<{ row: PlaylistRow; items: PlaylistItem[]; members: Member[]; access: StoredAccess } | null>;
  /** The user's own playlists and those they are a member of, newest first, older than `before`. */
  listFor(
    userId: string,
    limit: number,
    before: number | null,
  ): Promise<Array<PlaylistRow & { membership: Role | null }>>;
  countFor(userId: string): Promise<number>;
  createShare(share: Omit<Share, 'id' | 'createdAt' | 'version'>): Promise<Share>;
  share(id: string): Promise<Share | null>;
  removeShare(id: string): Promise<boolean>;
  shares(
    userId: string,
    direction: 'received' | 'sent',
    limit: number,
    before: number | null,
  ): Promise<Share[]>;
  countShares(userId: string, direction: 'received' | 'sent'): Promise<number>;
  /** Whether the song, or a playlist holding it, is shared with the user for download. */
  downloadShared(userId: string, songId: string): Promise<boolean>;
}

const accessQuery = (tx: Queryable, playlistId: string, userId: string) =>
  tx
    .query<{ membership: Role | null; shared: boolean }>(
      `SELECT (SELECT role FROM playlist_members WHERE playlist_id = :playlistId AND user_id = :userId) AS membership,
              EXISTS (SELECT 1 FROM shares WHERE playlist_id = :playlistId AND to_user_id = :userId) AS shared`,
      { playlistId: sql.uuid(playlistId), userId: sql.uuid(userId) },
    )
    .then(([row]) => ({ membership: row?.membership ?? null, shared: row?.shared ?? false }));

function lockedPlaylist(tx: Queryable, row: PlaylistRow): LockedPlaylist {
  const id = sql.uuid(row.id);
  const playlistRow = async (statement: string, params: Params = {}) => {
    const [updated] = await tx.query<PlaylistRow>(statement, { id, ...params });
    if (!updated) throw new Error(`playlist ${row.id} vanished while locked`);
    return updated;
  };
  return {
    row,
    access: (userId) => accessQuery(tx, row.id, userId),
    ranks: () =>
      tx.query<RankedItem>(
        'SELECT id AS "itemId", rank FROM playlist_items WHERE playlist_id = :id ORDER BY rank',
        { id },
      ),
    async insertItem(songId, rank, addedBy) {
      const [item] = await tx.query<PlaylistItem>(
        `INSERT INTO playlist_items (playlist_id, song_id, rank, added_by)
         VALUES (:id, :songId, :rank, :addedBy) RETURNING ${ITEM_COLUMNS}`,
        { id, songId: sql.uuid(songId), rank, addedBy: sql.uuid(addedBy) },
      );
      if (!item) throw new Error('item not inserted');
      return item;
    },
    async rerank(items) {
      if (items.length === 0) return;
      await tx.batch(
        'UPDATE playlist_items SET rank = :rank WHERE id = :itemId AND playlist_id = :id',
        items.map((item) => ({ id, itemId: sql.uuid(item.itemId), rank: item.rank })),
      );
    },
    async item(itemId) {
      const [item] = await tx.query<PlaylistItem>(
        `SELECT ${ITEM_COLUMNS} FROM playlist_items WHERE id = :itemId AND playlist_id = :id`,
        { id, itemId: sql.uuid(itemId) },
      );
      return item ?? null;
    },
    async removeItem(itemId) {
      const removed = await tx.execute(
        'DELETE FROM playlist_items WHERE id = :itemId AND playlist_id = :id',
        {
          id,
          itemId: sql.uuid(itemId),
        },
      );
      return removed > 0;
    },
    update(patch) {
      const params: Params = {};
      const assignments: string[] = [];
      if (patch.name !== undefined) {
        params.name = patch.name;
        assignments.push('name = :name');
      }
      if (patch.description !== undefined) {
        params.description = patch.description;
        assignments.push('description = :description');
      }
      return playlistRow(
        `UPDATE playlists p SET ${assignments.join(', ')} WHERE id = :id RETURNING ${PLAYLIST_COLUMNS}`,
        params,
      );
    },
    touch: () =>
      playlistRow(
        `UPDATE playlists p SET item_count = (SELECT count(*) FROM playlist_items WHERE playlist_id = :id)
         WHERE id = :id RETURNING ${PLAYLIST_COLUMNS}`,
      ),
    async remove() {
      // Shares and members go with it by cascade; each deletion still writes its outbox row.
      await tx.execute('DELETE FROM playlists WHERE id = :id', { id });
    },
    async setMember(userId, role) {
      const key = { id, userId: sql.uuid(userId), role };
      const [written] = await tx.query<Member & { created: boolean }>(
        `INSERT INTO playlist_members AS m (playlist_id, user_id, role) VALUES (:id, :userId, :role)
         ON CONFLICT (playlist_id, user_id) DO UPDATE SET role = EXCLUDED.role WHERE m.role <> EXCLUDED.role
         RETURNING user_id AS "userId", role, xmax::text = '0' AS created`,
        key,
      );
      if (written) {
        const { created, ...member } = written;
        return { member, created, changed: true };
      }
      return { member: { userId, role }, created: false, changed: false };
    },
    async removeMember(userId) {
      const removed = await tx.execute(
        'DELETE FROM playlist_members WHERE playlist_id = :id AND user_id = :userId',
        { id, userId: sql.uuid(userId) },
      );
      return removed > 0;
    },
  };
}

export function pgPlaylistStore(db: Db): PlaylistStore {
  const direction = { received: 'to_user_id', sent: 'from_user_id' } as const;
  return {
    async create(ownerId, fields) {
      const [row] = await db.query<PlaylistRow>(
        `INSERT INTO playlists AS p (owner_id, name, description) VALUES (:ownerId, :name, :description)
         RETURNING ${PLAYLIST_COLUMNS}`,
        { ownerId: sql.uuid(ownerId), name: fields.name, description: fields.description ?? null },
      );
      if (!row) throw new Error('playlist not inserted');
      return row;
    },

    locked(id, work) {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<PlaylistRow>(
          `SELECT ${PLAYLIST_COLUMNS} FROM playlists p WHERE id = :id FOR UPDATE`,
          { id: sql.uuid(id) },
        );
        if (!row) return { missing: true as const };
        return work(lockedPlaylist(tx, row));
      });
    },

    read(id, userId) {
      // One transaction: the items and members belong to the version read with them.
      return db.transaction(async (tx) => {
        const [row] = await tx.query<PlaylistRow>(
          `SELECT ${PLAYLIST_COLUMNS} FROM playlists p WHERE id = :id`,
          {
            id: sql.uuid(id),
          },
        );
        if (!row) return null;
        const [items, members, access] = [
          await tx.query<PlaylistItem>(
            `SELECT ${ITEM_COLUMNS} FROM playlist_items WHERE playlist_id = :id ORDER BY rank`,
            { id: sql.uuid(id) },
          ),
          await tx.query<Member>(
            `SELECT user_id AS "userId", role FROM playlist_members WHERE playlist_id = :id ORDER BY added_at, user_id`,
            { id: sql.uuid(id) },
          ),
          await accessQuery(tx, id, userId),
        ];
        return { row, items, members, access };
      });
    },

    listFor(userId, limit, before) {
      return db.query<PlaylistRow & { membership: Role | null }>(
        `SELECT ${PLAYLIST_COLUMNS}, m.role AS membership FROM playlists p
         LEFT JOIN playlist_members m ON m.playlist_id = p.id AND m.user_id = :userId
         WHERE (p.owner_id = :userId OR m.user_id IS NOT NULL)
           AND (CAST(:before AS bigint) IS NULL OR p.created_seq < :before)
         ORDER BY p.created_seq DESC LIMIT :limit`,
        { userId: sql.uuid(userId), before, limit },
      );
    },

    async countFor(userId) {
      const [row] = await db.query<{ total: number }>(
        `SELECT count(*)::int AS total FROM playlists p
         WHERE p.owner_id = :userId
            OR EXISTS (SELECT 1 FROM playlist_members m WHERE m.playlist_id = p.id AND m.user_id = :userId)`,
        { userId: sql.uuid(userId) },
      );
      return row?.total ?? 0;
    },

    async createShare(share) {
      const [created] = await db.query<Share>(
        `INSERT INTO shares (song_id, playlist_id, from_user_id, to_user_id, permission, message)
         VALUES (:songId, :playlistId, :fromUserId, :toUserId, :permission, :message)
         RETURNING ${SHARE_COLUMNS}`,
        {
          songId: sql.uuid(share.songId),
          playlistId: sql.uuid(share.playlistId),
          fromUserId: sql.uuid(share.fromUserId),
          toUserId: sql.uuid(share.toUserId),
          permission: share.permission,
          message: share.message,
        },
      );
      if (!created) throw new Error('share not inserted');
      return created;
    },

    async share(id) {
      const [share] = await db.query<Share>(`SELECT ${SHARE_COLUMNS} FROM shares WHERE id = :id`, {
        id: sql.uuid(id),
      });
      return share ?? null;
    },

    async removeShare(id) {
      return (await db.execute('DELETE FROM shares WHERE id = :id', { id: sql.uuid(id) })) > 0;
    },

    shares(userId, which, limit, before) {
      return db.query<Share>(
        `SELECT ${SHARE_COLUMNS} FROM shares WHERE ${direction[which]} = :userId
           AND (CAST(:before AS bigint) IS NULL OR version < :before)
         ORDER BY version DESC LIMIT :limit`,
        { userId: sql.uuid(userId), before, limit },
      );
    },

    async countShares(userId, which) {
      const [row] = await db.query<{ total: number }>(
        `SELECT count(*)::int AS total FROM shares WHERE ${direction[which]} = :userId`,
        { userId: sql.uuid(userId) },
      );
      return row?.total ?? 0;
    },

    async downloadShared(userId, songId) {
      const [row] = await db.query<{ allowed: boolean }>(
        `SELECT EXISTS (
           SELECT 1 FROM shares s WHERE s.to_user_id = :userId AND s.permission = 'download'
             AND (s.song_id = :songId
                  OR EXISTS (SELECT 1 FROM playlist_items i WHERE i.playlist_id = s.playlist_id AND i.song_id = :songId))
         ) AS allowed`,
        { userId: sql.uuid(userId), songId: sql.uuid(songId) },
      );
      return row?.allowed ?? false;
    },
  };
}
