import * as z from 'zod';
import type { Actor } from '#lib/actor';
import { decodeCursor, encodeCursor } from '#lib/cursor';
import { ForbiddenError, NotFoundError, UnprocessableContentError } from '#lib/errors';
import { recipientHash } from '#services/metrics/contract';
import type {
  CreatePitch,
  IssuedLinks,
  LinkActivity,
  LinkView,
  PageQuery,
  Pitch,
  PitchesPage,
  ResolveLink,
} from './contract.ts';
import { accessOf } from './domain/access.ts';
import {
  hashPassword,
  isTokenShaped,
  linkState,
  newToken,
  tokenHash,
  verifyPassword,
} from './domain/pitch-links.ts';
import type { PitchDelivery } from './pitch-mail.ts';
import type { PitchStore } from './pitch-repo.ts';
import type { PlaylistStore } from './repo.ts';

export interface PitchesService {
  /** The playlist's owner pitches its items as they are now; each recipient's token is in this answer only. */
  create(actor: Actor, pitch: CreatePitch): Promise<IssuedLinks>;
  list(actor: Actor, query: PageQuery): Promise<PitchesPage>;
  get(actor: Actor, id: string): Promise<Pitch>;
  revoke(actor: Actor, id: string): Promise<Pitch>;
  removeRecipient(actor: Actor, id: string, recipientId: string): Promise<void>;
  newLink(actor: Actor, id: string, recipientId: string): Promise<IssuedLinks>;
  /**
   * What a presented token opens. Every token takes the same path: a badly shaped one is looked up
   * as the hash of nothing that exists, so unknown and wrong tokens cannot be told apart by time.
   * A password, when sent, is checked and unlocks the answer, as does `unlockedFor` naming the
   * link's recipient. The `activity` asked for is recorded only when the link is open and allows
   * it (a song of the pitch; a download only when the pitch allows downloads).
   */
  resolve(link: ResolveLink, now: Date): Promise<LinkView>;
}

const Before = z.object({ before: z.int().positive() });

/** Whether an open link lets the recipient do `activity`: songs of the pitch only, downloads when allowed. */
function allows(
  pitch: { songIds: readonly string[]; allowDownload: boolean },
  activity: LinkActivity,
): boolean {
  if (activity.kind === 'open') return true;
  if (!pitch.songIds.includes(activity.songId)) return false;
  return activity.kind === 'play' || pitch.allowDownload;
}
const UNKNOWN_LINK = 'No such link.';

export function createPitchesService(deps: {
  pitches: PitchStore;
  playlists: PlaylistStore;
  /** The key of the recipients' hash in usage events (`recipientHash`): never their address. */
  recipientKey: string;
  /** E-mails each new link to its recipient; without it links are only in the owner's answer. */
  delivery?: PitchDelivery;
  random?: (bytes: number) => Buffer;
  /** The clock an expiry is checked against. */
  now?: () => number;
}): PitchesService {
  const { pitches, playlists } = deps;
  const token = () => (deps.random ? newToken(deps.random) : newToken());

  async function ownPitch(actor: Actor, id: string): Promise<Pitch> {
    const pitch = await pitches.get(id);
    if (!pitch) throw new NotFoundError(`No pitch with id ${id}.`);
    if (pitch.ownerId !== actor.id) throw new ForbiddenError('Only who sent a pitch may see or change it.');
    return pitch;
  }

  return {
    async create(actor, body) {
      if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= (deps.now ?? Date.now)()) {
        throw new UnprocessableContentError('A pitch must expire in the future.', {
          details: { issues: [{ path: 'expiresAt', message: 'must be in the future' }] },
        });
      }
      const playlist = await playlists.read(body.playlistId, actor.id);
      if (!playlist) throw new NotFoundError(`No playlist with id ${body.playlistId}.`);
      const access = accessOf(playlist.row, actor.id, playlist.access.membership, playlist.access.shared);
      if (access !== 'owner') throw new ForbiddenError("Only the playlist's owner may pitch it.");
      // One link per address, compared case-insensitively; the first spelling is kept.
      const seen = new Set<string>();
      const recipients = body.recipients.filter(({ email }) => {
        const key = email.toLowerCase();
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      const tokens = recipients.map(() => token());
      const id = await pitches.create({
        ownerId: actor.id,
        playlistId: body.playlistId,
        title: body.title ?? playlist.row.name,
        message: body.message ?? null,
        expiresAt: body.expiresAt ?? null,
        allowDownload: body.allowDownload,
        passwordHash: body.password === undefined ? null : await hashPassword(body.password),
        songIds: playlist.items.map((item) => item.songId),
        recipients: recipients.map((recipient, index) => ({
          email: recipient.email,
          name: recipient.name ?? null,
          tokenHash: tokenHash(tokens[index] as string),
          recipientKey: recipientHash(deps.recipientKey, recipient.email),
        })),
      });
      const saved = await ownPitch(actor, id);
      const idOf = new Map(saved.recipients.map((one) => [one.email.toLowerCase(), one.recipientId]));
      // In the order they were asked for.
      const links = recipients.map((recipient, index) => ({
        recipientId: idOf.get(recipient.email.toLowerCase()) as string,
        email: recipient.email,
        token: tokens[index] as string,
      }));
      if (!deps.delivery) return { pitch: saved, links };
      await deps.delivery.sendAll(id, links);
      return { pitch: await ownPitch(actor, id), links };
    },

    async list(actor, query) {
      const before = query.cursor === undefined ? null : decodeCursor(query.cursor, Before).before;
      const rows = await pitches.listFor(actor.id, query.limit + 1, before);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(({ createdSeq: _seq, ...pitch }) => pitch),
        cursor: rows.length > query.limit && last ? encodeCursor({ before: last.createdSeq }) : null,
      };
    },

    get: ownPitch,

    async revoke(actor, id) {
      await ownPitch(actor, id);
      await pitches.revoke(id);
      return ownPitch(actor, id);
    },

    async removeRecipient(actor, id, recipientId) {
      await ownPitch(actor, id);
      if (!(await pitches.revokeRecipient(id, recipientId))) {
        throw new NotFoundError(`No recipient ${recipientId} in pitch ${id}.`);
      }
    },

    async newLink(actor, id, recipientId) {
      await ownPitch(actor, id);
      const fresh = token();
      if (!(await pitches.replaceLink(id, recipientId, tokenHash(fresh)))) {
        throw new NotFoundError(`No recipient ${recipientId} in pitch ${id}.`);
      }
      await deps.delivery?.sendAll(id, [{ recipientId, token: fresh }]);
      const pitch = await ownPitch(actor, id);
      const recipient = pitch.recipients.find((one) => one.recipientId === recipientId);
      return { pitch, links: [{ recipientId, email: recipient?.email ?? '', token: fresh }] };
    },

    async resolve({ token: presented, password, unlockedFor, activity }, now) {
      const found = await pitches.byTokenHash(tokenHash(isTokenShaped(presented) ? presented : ''));
      if (!found) throw new NotFoundError(UNKNOWN_LINK);
      const unlocked =
        found.passwordHash !== null &&
        (unlockedFor === found.recipientId ||
          (password !== undefined && (await verifyPassword(password, found.passwordHash))));
      const { pitch } = found;
      const state = linkState(
        {
          expiresAt: pitch.expiresAt === null ? null : new Date(pitch.expiresAt),
          pitchRevoked: pitch.revoked,
          linkRevoked: found.linkRevoked,
          hasPassword: found.passwordHash !== null,
          unlocked,
        },
        now,
      );
      if (state === 'open' && activity && allows(pitch, activity)) {
        await pitches.record(
          pitch.id,
          found.recipientId,
          recipientHash(deps.recipientKey, found.email),
          activity,
        );
      }
      const view = { state, pitchId: pitch.id, recipientId: found.recipientId };
      // A locked or gone link shows nothing of the pitch.
      if (state !== 'open') return { ...view, title: '', message: null, allowDownload: false, songIds: [] };
      return {
        ...view,
        title: pitch.title,
        message: pitch.message,
        allowDownload: pitch.allowDownload,
        songIds: pitch.songIds,
      };
    },
  };
}
