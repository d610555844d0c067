import { type Db, type Queryable, sql } from '#lib/db/port';
import type { Media, MediaContentType, MediaStatus } from '../contract.ts';
import type { AudioFacts } from './inspect.ts';

/** A media row with what only the catalog needs: the object's ETag, the declared size. */
export interface MediaRecord extends Media {
  contentType: MediaContentType;
  declaredSizeBytes: number;
  etag: string | null;
}

export interface NewMedia {
  id: string;
  songId: string;
  fileName: string;
  contentType: MediaContentType;
  declaredSizeBytes: number;
}

/** The song a link is for, and its newest ready media. */
export interface PlayableMedia {
  media: MediaRecord;
  song: { title: string; artist: string };
}

/** What became of an inspection's verdict. */
export type Recorded = 'recorded' | 'unchanged' | 'song-gone';

/** SQL for media rows. Marking a media ready also updates its song, in the same transaction. */
export interface MediaStore {
  /** Adds a pending media for a live song; null when there is no such song. */
  createPending(media: NewMedia): Promise<MediaRecord | null>;
  get(mediaId: string): Promise<MediaRecord | null>;
  /** A song's media, newest first. */
  list(songId: string, statuses: 'ready' | 'all'): Promise<MediaRecord[]>;
  newestReady(songId: string): Promise<PlayableMedia | null>;
  /**
   * Records a ready media of the object with `etag` and marks its song as having audio (and its
   * duration, when the song has none). `unchanged` when that object was already recorded (a
   * redelivered event) or the media is gone or rejected; `song-gone` when the song was deleted
   * meanwhile (nothing is written).
   */
  markReady(mediaId: string, etag: string, facts: AudioFacts): Promise<Recorded>;
  /** Records a rejection; `unchanged` when it was already recorded for that object. */
  markRejected(mediaId: string, etag: string | null, reason: string): Promise<Recorded>;
  /** Deletes the row; the song loses `hasAudio` with its last ready media. False when there was none. */
  remove(songId: string, mediaId: string): Promise<boolean>;
}

const MEDIA_SELECT = `m.id AS "mediaId", m.song_id AS "songId", m.status, m.reason, m.file_name AS "fileName",
  m.content_type AS "contentType", m.declared_size_bytes AS "declaredSizeBytes",
  COALESCE(m.size_bytes, m.declared_size_bytes) AS "sizeBytes", m.etag, m.format, m.codec,
  m.duration_ms AS "durationMs", m.bitrate, m.sample_rate AS "sampleRate", m.channels, m.sha256,
  m.created_at AS "createdAt"`;

type Row = Omit<MediaRecord, 'reason'> & { reason: string | null; status: MediaStatus };

const toRecord = ({ reason, ...row }: Row): MediaRecord => ({
  ...row,
  ...(reason === null ? {} : { reason }),
});

export function pgMediaStore(db: Db): MediaStore {
  return {
    async createPending(media) {
      const [row] = await db.query<Row>(
        `WITH created AS (
           INSERT INTO media (id, song_id, file_name, content_type, declared_size_bytes)
           SELECT :id, id, :fileName, :contentType, :declaredSizeBytes FROM songs
           WHERE id = :songId AND deleted_at IS NULL
           RETURNING *
         )
         SELECT ${MEDIA_SELECT} FROM created m`,
        {
          id: sql.uuid(media.id),
          songId: sql.uuid(media.songId),
          fileName: media.fileName,
          contentType: media.contentType,
          declaredSizeBytes: media.declaredSizeBytes,
        },
      );
      return row ? toRecord(row) : null;
    },

    async get(mediaId) {
      const [row] = await db.query<Row>(`SELECT ${MEDIA_SELECT} FROM media m WHERE m.id = :id`, {
        id: sql.uuid(mediaId),
      });
      return row ? toRecord(row) : null;
    },

    async list(songId, statuses) {
      const rows = await db.query<Row>(
        `SELECT ${MEDIA_SELECT} FROM media m
         WHERE m.song_id = :songId AND (:all OR m.status = 'ready')
         ORDER BY m.created_at DESC, m.id`,
        { songId: sql.uuid(songId), all: statuses === 'all' },
      );
      return rows.map(toRecord);
    },

    async newestReady(songId) {
      const [row] = await db.query<Row & { title: string; artist: string }>(
        `SELECT ${MEDIA_SELECT}, s.title, s.artist FROM media m JOIN songs s ON s.id = m.song_id
         WHERE m.song_id = :songId AND m.status = 'ready' AND s.deleted_at IS NULL
         ORDER BY m.inspected_at DESC, m.created_at DESC LIMIT 1`,
        { songId: sql.uuid(songId) },
      );
      if (!row) return null;
      const { title, artist, ...media } = row;
      return { media: toRecord(media), song: { title, artist } };
    },

    markReady(mediaId, etag, facts) {
      return db.transaction(async (tx) => {
        const media = await lockMedia(tx, mediaId);
        if (!media || media.status === 'rejected' || media.etag === etag) return 'unchanged';
        const [song] = await tx.query<{ live: boolean }>(
          'SELECT deleted_at IS NULL AS live FROM songs WHERE id = :id FOR UPDATE',
          { id: sql.uuid(media.songId) },
        );
        if (!song?.live) return 'song-gone';
        await tx.execute(
          `UPDATE media SET status = 'ready', reason = NULL, etag = :etag, size_bytes = :sizeBytes,
             format = :format, codec = :codec, duration_ms = :durationMs, bitrate = :bitrate,
             sample_rate = :sampleRate, channels = :channels, sha256 = :sha256, tags = :tags::jsonb,
             inspected_at = now()
           WHERE id = :id`,
          {
            id: sql.uuid(mediaId),
            etag,
            sizeBytes: facts.sizeBytes,
            format: facts.format,
            codec: facts.codec,
            durationMs: facts.durationMs,
            bitrate: facts.bitrate,
            sampleRate: facts.sampleRate,
            channels: facts.channels,
            sha256: facts.sha256,
            tags: sql.json(facts.tags),
          },
        );
        // Only a real change touches the song: each write is an outbox message and a reindex.
        await tx.execute(
          `UPDATE songs SET has_audio = true, duration_ms = COALESCE(duration_ms, :durationMs)
           WHERE id = :id AND (NOT has_audio OR duration_ms IS NULL)`,
          { id: sql.uuid(media.songId), durationMs: facts.durationMs },
        );
        return 'recorded';
      });
    },

    markRejected(mediaId, etag, reason) {
      return db.transaction(async (tx) => {
        const media = await lockMedia(tx, mediaId);
        if (!media || (media.status === 'rejected' && media.etag === etag)) return 'unchanged';
        await tx.execute(
          `UPDATE media SET status = 'rejected', reason = :reason, etag = :etag, inspected_at = now()
           WHERE id = :id`,
          { id: sql.uuid(mediaId), etag, reason },
        );
        if (media.status === 'ready') await refreshHasAudio(tx, media.songId);
        return 'recorded';
      });
    },

    remove(songId, mediaId) {
      return db.transaction(async (tx) => {
        const removed = await tx.execute('DELETE FROM media WHERE id = :id AND song_id = :songId', {
          id: sql.uuid(mediaId),
          songId: sql.uuid(songId),
        });
        if (removed === 0) return false;
        await refreshHasAudio(tx, songId);
        return true;
      });
    },
  };
}

async function lockMedia(tx: Queryable, mediaId: string) {
  const [media] = await tx.query<{ songId: string; status: MediaStatus; etag: string | null }>(
    'SELECT song_id AS "songId", status, etag FROM media WHERE id = :id FOR UPDATE',
    { id: sql.uuid(mediaId) },
  );
  return media ?? null;
}

/** `has_audio` as the song's ready media say, written only when it changes. */
async function refreshHasAudio(tx: Queryable, songId: string): Promise<void> {
  await tx.execute(
    `UPDATE songs SET has_audio = r.ready
     FROM (SELECT EXISTS (SELECT 1 FROM media WHERE song_id = :id AND status = 'ready') AS ready) r
     WHERE id = :id AND has_audio IS DISTINCT FROM r.ready`,
    { id: sql.uuid(songId) },
  );
}
