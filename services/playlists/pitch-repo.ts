import { type Db, sql } from '#lib/db/port';
import type { LinkActivity, Pitch, PitchRecipient } from './contract.ts';

export type PitchRow = Omit<Pitch, 'songIds' | 'recipients'> & { createdSeq: number };

export interface NewPitch {
  ownerId: string;
  playlistId: string;
  title: string;
  message: string | null;
  expiresAt: string | null;
  allowDownload: boolean;
  passwordHash: string | null;
  songIds: readonly string[];
  /** `recipientKey`: the recipient's keyed hash (`recipientHash`), the only name usage events give them. */
  recipients: ReadonlyArray<{ email: string; name: string | null; tokenHash: string; recipientKey: string }>;
}

/** A link as a lookup by its token's hash finds it: enough to decide what the request may do. */
export interface LinkRecord {
  pitch: PitchRow & { songIds: string[] };
  recipientId: string;
  /** For the recipient's keyed hash in usage events; never leaves the service. */
  email: string;
  linkRevoked: boolean;
  passwordHash: string | null;
}

/** What an e-mail to a recipient says, read under their row lock. */
export type DeliveryFacts = {
  pitchId: string;
  email: string;
  name: string | null;
  title: string;
  message: string | null;
  expiresAt: string | null;
};

const PITCH_COLUMNS = `
  p.id, p.owner_id AS "ownerId", p.playlist_id AS "playlistId", p.title, p.message,
  p.expires_at AS "expiresAt", p.allow_download AS "allowDownload", p.has_password AS "hasPassword",
  p.revoked_at IS NOT NULL AS revoked, p.created_seq AS "createdSeq", p.version, p.created_at AS "createdAt"`;

/** SQL for pitches. Recipients' addresses and every secret stay in tables the outbox never sees. */
export interface PitchStore {
  create(pitch: NewPitch): Promise<string>;
  get(id: string): Promise<Pitch | null>;
  listFor(ownerId: string, limit: number, before: number | null): Promise<PitchRow[]>;
  revoke(id: string): Promise<void>;
  revokeRecipient(id: string, recipientId: string): Promise<boolean>;
  /** Gives the recipient a new token hash, so the old link stops working; its e-mail is pending again. */
  replaceLink(id: string, recipientId: string, tokenHash: string): Promise<boolean>;
  byTokenHash(tokenHash: string): Promise<LinkRecord | null>;
  /** Counts the activity on the recipient and writes it as a row of `pitch_activity` (a usage event). */
  record(pitchId: string, recipientId: string, recipientKey: string, activity: LinkActivity): Promise<void>;
  /**
   * One e-mail attempt for the recipient's link whose token hashes to `tokenHash`, under the
   * recipient's row lock: `skipped` (nothing sent) when it is already `sent`, the link was replaced
   * or revoked, or the pitch was revoked or has expired; otherwise `send` runs and its answer is
   * recorded as `sent` or `failed`, with the attempt counted.
   */
  deliver(
    recipientId: string,
    tokenHash: string,
    now: Date,
    send: (facts: DeliveryFacts) => Promise<boolean>,
  ): Promise<'sent' | 'failed' | 'skipped'>;
}

export function pgPitchStore(db: Db): PitchStore {
  const songIdsOf = async (id: string) =>
    (
      await db.query<{ songId: string }>(
        'SELECT song_id AS "songId" FROM pitch_items WHERE pitch_id = :id ORDER BY position',
        { id: sql.uuid(id) },
      )
    ).map((row) => row.songId);

  return {
    create(pitch) {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<{ id: string }>(
          `INSERT INTO pitches (owner_id, playlist_id, title, message, expires_at, allow_download, has_password)
           VALUES (:ownerId, :playlistId, :title, :message, :expiresAt, :allowDownload, :hasPassword) RETURNING id`,
          {
            ownerId: sql.uuid(pitch.ownerId),
            playlistId: sql.uuid(pitch.playlistId),
            title: pitch.title,
            message: pitch.message,
            expiresAt: sql.timestamp(pitch.expiresAt),
            allowDownload: pitch.allowDownload,
            hasPassword: pitch.passwordHash !== null,
          },
        );
        if (!row) throw new Error('pitch not inserted');
        const id = sql.uuid(row.id);
        if (pitch.passwordHash !== null) {
          await tx.execute('INSERT INTO pitch_secrets (pitch_id, password_hash) VALUES (:id, :hash)', {
            id,
            hash: pitch.passwordHash,
          });
        }
        if (pitch.songIds.length > 0) {
          await tx.batch(
            'INSERT INTO pitch_items (pitch_id, position, song_id) VALUES (:id, :position, :songId)',
            pitch.songIds.map((songId, position) => ({ id, position, songId: sql.uuid(songId) })),
          );
        }
        await tx.batch(
          'INSERT INTO pitch_recipients (pitch_id, email, name, token_hash) VALUES (:id, :email, :name, :tokenHash)',
          pitch.recipients.map(({ email, name, tokenHash }) => ({ id, email, name, tokenHash })),
        );
        // Each recipient's pitch.sent usage event, through the outbox like their opens and plays.
        await tx.batch(
          `INSERT INTO pitch_activity (pitch_id, recipient_id, recipient_key, kind)
           SELECT :id, r.id, :recipientKey, 'sent' FROM pitch_recipients r WHERE r.pitch_id = :id AND r.token_hash = :tokenHash`,
          pitch.recipients.map(({ tokenHash, recipientKey }) => ({ id, tokenHash, recipientKey })),
        );
        return row.id;
      });
    },

    async get(id) {
      const [row] = await db.query<PitchRow>(`SELECT ${PITCH_COLUMNS} FROM pitches p WHERE id = :id`, {
        id: sql.uuid(id),
      });
      if (!row) return null;
      const recipients = await db.query<Omit<PitchRecipient, 'plays'>>(
        `SELECT id AS "recipientId", email, name, delivery_status AS "deliveryStatus",
                revoked_at IS NOT NULL AS revoked, opens, first_opened_at AS "firstOpenedAt",
                last_opened_at AS "lastOpenedAt", downloads
         FROM pitch_recipients WHERE pitch_id = :id ORDER BY created_at, email`,
        { id: sql.uuid(id) },
      );
      const plays = await db.query<{ recipientId: string; songId: string; plays: number }>(
        `SELECT pl.recipient_id AS "recipientId", pl.song_id AS "songId", pl.plays FROM pitch_plays pl
         JOIN pitch_recipients r ON r.id = pl.recipient_id WHERE r.pitch_id = :id`,
        { id: sql.uuid(id) },
      );
      const { createdSeq: _seq, ...pitch } = row;
      return {
        ...pitch,
        songIds: await songIdsOf(id),
        recipients: recipients.map((recipient) => ({
          ...recipient,
          plays: Object.fromEntries(
            plays
              .filter((play) => play.recipientId === recipient.recipientId)
              .map((play) => [play.songId, play.plays]),
          ),
        })),
      };
    },

    listFor(ownerId, limit, before) {
      return db.query<PitchRow>(
        `SELECT ${PITCH_COLUMNS} FROM pitches p WHERE owner_id = :ownerId
           AND (CAST(:before AS bigint) IS NULL OR created_seq < :before)
         ORDER BY created_seq DESC LIMIT :limit`,
        { ownerId: sql.uuid(ownerId), before, limit },
      );
    },

    async revoke(id) {
      await db.execute('UPDATE pitches SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL', {
        id: sql.uuid(id),
      });
    },

    async revokeRecipient(id, recipientId) {
      const changed = await db.execute(
        `UPDATE pitch_recipients SET revoked_at = COALESCE(revoked_at, now())
         WHERE id = :recipientId AND pitch_id = :id`,
        { id: sql.uuid(id), recipientId: sql.uuid(recipientId) },
      );
      return changed > 0;
    },

    async replaceLink(id, recipientId, tokenHash) {
      const changed = await db.execute(
        `UPDATE pitch_recipients SET token_hash = :tokenHash, revoked_at = NULL, delivery_status = 'pending'
         WHERE id = :recipientId AND pitch_id = :id`,
        { id: sql.uuid(id), recipientId: sql.uuid(recipientId), tokenHash },
      );
      return changed > 0;
    },

    async byTokenHash(tokenHash) {
      const [found] = await db.query<
        PitchRow & { recipientId: string; email: string; linkRevoked: boolean; passwordHash: string | null }
      >(
        `SELECT ${PITCH_COLUMNS}, r.id AS "recipientId", r.email, r.revoked_at IS NOT NULL AS "linkRevoked",
                s.password_hash AS "passwordHash"
         FROM pitch_recipients r JOIN pitches p ON p.id = r.pitch_id
         LEFT JOIN pitch_secrets s ON s.pitch_id = p.id
         WHERE r.token_hash = :tokenHash`,
        { tokenHash },
      );
      if (!found) return null;
      const { recipientId, email, linkRevoked, passwordHash, ...pitch } = found;
      return {
        pitch: { ...pitch, songIds: await songIdsOf(pitch.id) },
        recipientId,
        email,
        linkRevoked,
        passwordHash,
      };
    },

    async record(pitchId, recipientId, recipientKey, activity) {
      const { kind } = activity;
      await db.transaction(async (tx) => {
        const key = {
          pitchId: sql.uuid(pitchId),
          recipientId: sql.uuid(recipientId),
          songId: sql.uuid(activity.kind === 'open' ? null : activity.songId),
        };
        await tx.execute(
          `INSERT INTO pitch_activity (pitch_id, recipient_id, recipient_key, kind, song_id)
           VALUES (:pitchId, :recipientId, :recipientKey, :kind, :songId)`,
          { ...key, recipientKey, kind },
        );
        if (kind === 'open') {
          await tx.execute(
            `UPDATE pitch_recipients SET opens = opens + 1, first_opened_at = COALESCE(first_opened_at, now()),
               last_opened_at = now() WHERE id = :recipientId`,
            key,
          );
        } else if (kind === 'download') {
          await tx.execute(
            'UPDATE pitch_recipients SET downloads = downloads + 1, last_opened_at = now() WHERE id = :recipientId',
            key,
          );
        } else {
          await tx.execute(
            `INSERT INTO pitch_plays (recipient_id, song_id, plays) VALUES (:recipientId, :songId, 1)
             ON CONFLICT (recipient_id, song_id) DO UPDATE SET plays = pitch_plays.plays + 1`,
            key,
          );
          await tx.execute('UPDATE pitch_recipients SET last_opened_at = now() WHERE id = :recipientId', key);
        }
      });
    },
    deliver(recipientId, tokenHash, now, send) {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<
          DeliveryFacts & { status: string; tokenHash: string; gone: boolean; expiresAt: string | null }
        >(
          `SELECT r.pitch_id AS "pitchId", r.email, r.name, p.title, p.message, p.expires_at AS "expiresAt",
                  r.delivery_status AS status, r.token_hash AS "tokenHash",
                  (r.revoked_at IS NOT NULL OR p.revoked_at IS NOT NULL) AS gone
           FROM pitch_recipients r JOIN pitches p ON p.id = r.pitch_id
           WHERE r.id = :recipientId FOR UPDATE OF r`,
          { recipientId: sql.uuid(recipientId) },
        );
        if (
          !row ||
          row.status === 'sent' ||
          row.tokenHash !== tokenHash ||
          row.gone ||
          (row.expiresAt !== null && Date.parse(row.expiresAt) <= now.getTime())
        ) {
          return 'skipped' as const;
        }
        const { status: _status, tokenHash: _hash, gone: _gone, ...facts } = row;
        const sent = await send(facts);
        await tx.execute(
          `UPDATE pitch_recipients SET delivery_status = :status, delivery_attempts = delivery_attempts + 1
           WHERE id = :recipientId`,
          { recipientId: sql.uuid(recipientId), status: sent ? 'sent' : 'failed' },
        );
        return sent ? ('sent' as const) : ('failed' as const);
      });
    },
  };
}
