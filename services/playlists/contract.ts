import { createRoute, z } from '@hono/zod-openapi';
import { PageCursor } from '#lib/cursor';
import { jsonBody, jsonResponse } from '#lib/openapi';
import { storable } from '#lib/text';

/**
 * What callers may know of the playlists service: its internal routes and the shapes that cross
 * them. Every route acts for the user the BFF names (`#lib/actor`) and decides per record what
 * that user may do: the owner everything, an editor the items, a viewer (or a user the playlist
 * is shared with) reading. User ids are the identity provider's `sub`; song ids the catalog's.
 * Each table's outbox rows (`playlist`, `playlist_item`, `playlist_member`, `share`) are the
 * change events of this service.
 */
export const basePath = '/internal/playlists';

export const PLAYLIST_NAME_MAX = 100;
export const DESCRIPTION_MAX = 2000;
export const MAX_ITEMS = 1000;

const characters = (value: string) => [...value].length;

const PlaylistName = storable(
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .refine((value) => characters(value) <= PLAYLIST_NAME_MAX, `at most ${PLAYLIST_NAME_MAX} characters`),
).openapi({
  description: `1–${PLAYLIST_NAME_MAX} characters, trimmed`,
  example: 'Friday warm-up',
  maxLength: PLAYLIST_NAME_MAX,
});

/** Free text of a few paragraphs: line breaks allowed, other control characters not. */
const LongText = storable(
  z.string().refine((value) => characters(value) <= DESCRIPTION_MAX, `at most ${DESCRIPTION_MAX} characters`),
  { lineBreaks: true },
).openapi({ maxLength: DESCRIPTION_MAX });

export const Role = z.enum(['viewer', 'editor']).openapi({
  description: 'viewer: reads the playlist; editor: also adds, moves and removes items',
});
export type Role = z.infer<typeof Role>;

/** How the caller stands to a playlist: `shared` when it was shared with them, not made a member. */
export const Access = z.enum(['owner', 'editor', 'viewer', 'shared']);
export type Access = z.infer<typeof Access>;

export const CreatePlaylist = z
  .object({ name: PlaylistName, description: LongText.nullable().optional() })
  .strict()
  .openapi('CreatePlaylist');
export type CreatePlaylist = z.infer<typeof CreatePlaylist>;

export const UpdatePlaylist = z
  .object({ name: PlaylistName, description: LongText.nullable() })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one field to change')
  .openapi('UpdatePlaylist', { minProperties: 1 });
export type UpdatePlaylist = z.infer<typeof UpdatePlaylist>;

const Position = z
  .number()
  .int('must be a whole number')
  .min(0, 'at least 0')
  .max(MAX_ITEMS, `at most ${MAX_ITEMS}`)
  .openapi({ description: 'Index in the list, 0 first' });

export const AddItem = z
  .object({
    songId: z.uuid({ error: 'must be a song id (uuid)' }),
    position: Position.optional().openapi({
      description: 'Where the song goes: before the item now at this index; omitted or the length: last',
    }),
  })
  .strict()
  .openapi('AddPlaylistItem');
export type AddItem = z.infer<typeof AddItem>;

export const MoveItem = z
  .object({ position: Position.openapi({ description: "The item's index once moved, 0 first" }) })
  .strict()
  .openapi('MovePlaylistItem');
export type MoveItem = z.infer<typeof MoveItem>;

export const PlaylistItem = z
  .object({
    itemId: z.uuid(),
    songId: z.uuid(),
    addedBy: z.uuid(),
    addedAt: z.string(),
  })
  .openapi('PlaylistItemRef');
export type PlaylistItem = z.infer<typeof PlaylistItem>;

/** A placed item: where it is now, and the playlist's version after the write. */
export const PlacedItem = PlaylistItem.extend({
  position: z.number().int(),
  playlistVersion: z.number().int(),
}).openapi('PlacedPlaylistItem');
export type PlacedItem = z.infer<typeof PlacedItem>;

export const Member = z.object({ userId: z.uuid(), role: Role }).openapi('PlaylistMember');
export type Member = z.infer<typeof Member>;

export const SetMember = z.object({ role: Role }).strict().openapi('SetPlaylistMember');
export type SetMember = z.infer<typeof SetMember>;

export const Playlist = z
  .object({
    id: z.uuid(),
    ownerId: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    /** From the global change sequence; changes with the playlist, its items and its members (the ETag). */
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    /** In order. */
    items: z.array(PlaylistItem),
    members: z.array(Member),
    /** How the caller stands to it. */
    access: Access,
  })
  .openapi('PlaylistRecord');
export type Playlist = z.infer<typeof Playlist>;

export const PlaylistSummary = Playlist.pick({
  id: true,
  ownerId: true,
  name: true,
  description: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  access: true,
})
  .extend({ itemCount: z.number().int() })
  .openapi('PlaylistSummaryRecord');
export type PlaylistSummary = z.infer<typeof PlaylistSummary>;

export const PlaylistsPage = z
  .object({
    /** Newest first: the caller's own and those they are a member of. */
    items: z.array(PlaylistSummary),
    total: z.number().int(),
    cursor: z.string().nullable(),
  })
  .openapi('PlaylistsPageRecord');
export type PlaylistsPage = z.infer<typeof PlaylistsPage>;

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100, 'at most 100 per page').default(20),
  cursor: PageCursor.optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const Permission = z.enum(['stream', 'download']).openapi({
  description: 'stream: play it; download: also save its audio files',
});
export type Permission = z.infer<typeof Permission>;

export const CreateShare = z
  .object({
    songId: z.uuid({ error: 'must be a song id (uuid)' }).optional(),
    playlistId: z.uuid({ error: 'must be a playlist id (uuid)' }).optional(),
    userId: z.uuid({ error: 'must be a user id (uuid)' }),
    permission: Permission,
    message: LongText.optional(),
  })
  .strict()
  .refine((share) => (share.songId === undefined) !== (share.playlistId === undefined), {
    message: 'share either a songId or a playlistId',
    path: ['songId'],
  })
  .openapi('CreateShare', { oneOf: [{ required: ['songId'] }, { required: ['playlistId'] }] });
export type CreateShare = z.infer<typeof CreateShare>;

export const Share = z
  .object({
    id: z.uuid(),
    songId: z.uuid().nullable(),
    playlistId: z.uuid().nullable(),
    fromUserId: z.uuid(),
    toUserId: z.uuid(),
    permission: Permission,
    message: z.string().nullable(),
    createdAt: z.string(),
    version: z.number().int(),
  })
  .openapi('ShareRecord');
export type Share = z.infer<typeof Share>;

export const SharesQuery = PageQuery.extend({
  direction: z.enum(['received', 'sent']).default('received'),
});
export type SharesQuery = z.infer<typeof SharesQuery>;

export const SharesPage = z
  .object({
    /** Newest first. */
    items: z.array(Share),
    total: z.number().int(),
    cursor: z.string().nullable(),
  })
  .openapi('SharesPageRecord');
export type SharesPage = z.infer<typeof SharesPage>;

export const DownloadGrant = z.object({ allowed: z.boolean() }).openapi('DownloadGrant');
export type DownloadGrant = z.infer<typeof DownloadGrant>;

const PlaylistId = z.object({ id: z.uuid({ error: 'must be a playlist id (uuid)' }) });
const ItemKey = PlaylistId.extend({ itemId: z.uuid({ error: 'must be an item id (uuid)' }) });
const MemberKey = PlaylistId.extend({ userId: z.uuid({ error: 'must be a user id (uuid)' }) });
const ShareId = z.object({ id: z.uuid({ error: 'must be a share id (uuid)' }) });
const GrantKey = z.object({
  userId: z.uuid({ error: 'must be a user id (uuid)' }),
  songId: z.uuid({ error: 'must be a song id (uuid)' }),
});
const IfMatch = z.object({ 'if-match': z.string().max(200).optional() });

export const routes = {
  create: createRoute({
    method: 'post',
    path: '/playlists',
    request: { body: jsonBody(CreatePlaylist) },
    responses: { 201: jsonResponse(Playlist, 'The new playlist, owned by the caller') },
  }),
  list: createRoute({
    method: 'get',
    path: '/playlists',
    request: { query: PageQuery },
    responses: { 200: jsonResponse(PlaylistsPage, "The caller's playlists and those they are a member of") },
  }),
  get: createRoute({
    method: 'get',
    path: '/playlists/{id}',
    request: { params: PlaylistId },
    responses: { 200: jsonResponse(Playlist, 'The playlist, its items in order and its members') },
  }),
  update: createRoute({
    method: 'patch',
    path: '/playlists/{id}',
    request: { params: PlaylistId, headers: IfMatch, body: jsonBody(UpdatePlaylist) },
    responses: { 200: jsonResponse(Playlist, 'The playlist as changed') },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/playlists/{id}',
    request: { params: PlaylistId, headers: IfMatch },
    responses: { 204: { description: 'Deleted, with its items, members and shares' } },
  }),
  addItem: createRoute({
    method: 'post',
    path: '/playlists/{id}/items',
    request: { params: PlaylistId, body: jsonBody(AddItem) },
    responses: { 201: jsonResponse(PlacedItem, 'The new item and where it is') },
  }),
  removeItem: createRoute({
    method: 'delete',
    path: '/playlists/{id}/items/{itemId}',
    request: { params: ItemKey },
    responses: { 204: { description: 'Removed' } },
  }),
  moveItem: createRoute({
    method: 'post',
    path: '/playlists/{id}/items/{itemId}/move',
    request: { params: ItemKey, body: jsonBody(MoveItem) },
    responses: { 200: jsonResponse(PlacedItem, 'The item where it is now') },
  }),
  setMember: createRoute({
    method: 'put',
    path: '/playlists/{id}/members/{userId}',
    request: { params: MemberKey, body: jsonBody(SetMember) },
    responses: {
      200: jsonResponse(Member, 'The member, role changed or unchanged'),
      201: jsonResponse(Member, 'The new member'),
    },
  }),
  removeMember: createRoute({
    method: 'delete',
    path: '/playlists/{id}/members/{userId}',
    request: { params: MemberKey },
    responses: { 204: { description: 'Not a member (any more)' } },
  }),
  createShare: createRoute({
    method: 'post',
    path: '/shares',
    request: { body: jsonBody(CreateShare) },
    responses: { 201: jsonResponse(Share, 'The share') },
  }),
  listShares: createRoute({
    method: 'get',
    path: '/shares',
    request: { query: SharesQuery },
    responses: { 200: jsonResponse(SharesPage, 'Shares the caller received or sent, newest first') },
  }),
  removeShare: createRoute({
    method: 'delete',
    path: '/shares/{id}',
    request: { params: ShareId },
    responses: { 200: jsonResponse(Share, 'The share as it was before its removal') },
  }),
  downloadGrant: createRoute({
    method: 'get',
    path: '/users/{userId}/download-grants/{songId}',
    description:
      'Whether a share lets the user download the song: the song, or a playlist holding it, shared with them for download.',
    request: { params: GrantKey },
    responses: { 200: jsonResponse(DownloadGrant, 'Allowed or not') },
  }),
};

export const MAX_RECIPIENTS = 50;

/** The unlock rule the BFF enforces (wrong passwords per link in a window), as the domain states it. */
export { mayTryUnlock, UNLOCK_ATTEMPTS, UNLOCK_WINDOW_MS } from './domain/pitch-links.ts';
/** Longest password a pitch may have; an unlock attempt with a longer one is refused unchecked. */
export const PASSWORD_MAX = 200;

const Recipient = z
  .object({
    email: storable(z.string().trim().max(254))
      .pipe(z.email({ error: 'must be an e-mail address' }))
      .openapi({ pattern: z.regexes.email.source }),
    name: storable(z.string().trim().min(1).max(100)).optional(),
  })
  .strict();

export const CreatePitch = z
  .object({
    playlistId: z.uuid({ error: 'must be a playlist id (uuid)' }),
    title: storable(z.string().trim().min(1).max(200)).optional(),
    message: LongText.optional(),
    recipients: z
      .array(Recipient)
      .min(1, 'at least one recipient')
      .max(MAX_RECIPIENTS, `at most ${MAX_RECIPIENTS} recipients`),
    expiresAt: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 instant' })
      .optional()
      .openapi({ description: 'When every link stops working; an instant already past is a 422' }),
    password: storable(z.string().min(1).max(PASSWORD_MAX)).optional(),
    allowDownload: z.boolean(),
  })
  .strict()
  .openapi('CreatePitch');
export type CreatePitch = z.infer<typeof CreatePitch>;

export const DeliveryStatus = z.enum(['pending', 'sent', 'failed']);

export const PitchRecipient = z
  .object({
    recipientId: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    deliveryStatus: DeliveryStatus,
    revoked: z.boolean(),
    opens: z.number().int(),
    firstOpenedAt: z.string().nullable(),
    lastOpenedAt: z.string().nullable(),
    plays: z.record(z.string(), z.number().int()),
    downloads: z.number().int(),
  })
  .openapi('PitchRecipientRecord');
export type PitchRecipient = z.infer<typeof PitchRecipient>;

export const Pitch = z
  .object({
    id: z.uuid(),
    ownerId: z.uuid(),
    playlistId: z.uuid().nullable(),
    title: z.string(),
    message: z.string().nullable(),
    expiresAt: z.string().nullable(),
    allowDownload: z.boolean(),
    hasPassword: z.boolean(),
    revoked: z.boolean(),
    songIds: z.array(z.uuid()),
    version: z.number().int(),
    createdAt: z.string(),
    recipients: z.array(PitchRecipient),
  })
  .openapi('PitchRecord');
export type Pitch = z.infer<typeof Pitch>;

/** The answer to creating a pitch or a new link: each recipient's token, in this answer only. */
export const IssuedLinks = z
  .object({
    pitch: Pitch,
    links: z.array(z.object({ recipientId: z.uuid(), email: z.string(), token: z.string() })),
  })
  .openapi('IssuedPitchLinks');
export type IssuedLinks = z.infer<typeof IssuedLinks>;

export const PitchSummary = Pitch.omit({ recipients: true, songIds: true }).openapi('PitchSummaryRecord');
export const PitchesPage = z
  .object({ items: z.array(PitchSummary), cursor: z.string().nullable() })
  .openapi('PitchesPageRecord');
export type PitchesPage = z.infer<typeof PitchesPage>;

/** What a link opens, as the recipient page needs it; `state` by the rule of `domain/pitch-links.ts`. */
export const LinkView = z
  .object({
    state: z.enum(['open', 'locked', 'gone']),
    pitchId: z.uuid(),
    recipientId: z.uuid(),
    title: z.string(),
    message: z.string().nullable(),
    allowDownload: z.boolean(),
    songIds: z.array(z.uuid()),
  })
  .openapi('PitchLinkView');
export type LinkView = z.infer<typeof LinkView>;

/**
 * What the recipient did with the link, recorded when (and only when) the link is open and allows
 * it: an open (a page view that shows the tracks), a play (a stream link handed out) or a download
 * of a song of the pitch. Each becomes a `pitch.opened` / `pitch.played` / `pitch.downloaded`
 * usage event through the outbox.
 */
export const LinkActivity = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('open') }).strict(),
  z
    .object({ kind: z.enum(['play', 'download']), songId: z.uuid({ error: 'must be a song id (uuid)' }) })
    .strict(),
]);
export type LinkActivity = z.infer<typeof LinkActivity>;

export const ResolveLink = z
  .object({
    token: z.string().max(100),
    password: z.string().max(PASSWORD_MAX).optional(),
    /**
     * The recipient the caller has already seen unlock this link (the BFF's signed unlock cookie):
     * the link counts as unlocked when it belongs to this recipient.
     */
    unlockedFor: z.uuid().optional(),
    activity: LinkActivity.optional(),
  })
  .strict()
  .openapi('ResolvePitchLink');
export type ResolveLink = z.infer<typeof ResolveLink>;

const PitchId = z.object({ id: z.uuid({ error: 'must be a pitch id (uuid)' }) });
const RecipientKey = PitchId.extend({ recipientId: z.uuid({ error: 'must be a recipient id (uuid)' }) });

export const pitchRoutes = {
  create: createRoute({
    method: 'post',
    path: '/pitches',
    request: { body: jsonBody(CreatePitch) },
    responses: { 201: jsonResponse(IssuedLinks, "The pitch and each recipient's token (only here)") },
  }),
  list: createRoute({
    method: 'get',
    path: '/pitches',
    request: { query: PageQuery },
    responses: { 200: jsonResponse(PitchesPage, "The caller's pitches, newest first") },
  }),
  get: createRoute({
    method: 'get',
    path: '/pitches/{id}',
    request: { params: PitchId },
    responses: { 200: jsonResponse(Pitch, 'The pitch with each recipient’s activity') },
  }),
  revoke: createRoute({
    method: 'post',
    path: '/pitches/{id}/revoke',
    request: { params: PitchId },
    responses: { 200: jsonResponse(Pitch, 'The pitch, every link gone') },
  }),
  removeRecipient: createRoute({
    method: 'delete',
    path: '/pitches/{id}/recipients/{recipientId}',
    request: { params: RecipientKey },
    responses: { 204: { description: "The recipient's link is gone" } },
  }),
  newLink: createRoute({
    method: 'post',
    path: '/pitches/{id}/recipients/{recipientId}/link',
    request: { params: RecipientKey },
    responses: { 200: jsonResponse(IssuedLinks, 'A new link for the recipient; the old one is gone') },
  }),
  resolve: createRoute({
    method: 'post',
    path: '/links/resolve',
    description: 'What a token opens (the token travels in the body, so no access log holds it).',
    request: { body: jsonBody(ResolveLink) },
    responses: { 200: jsonResponse(LinkView, 'The link and what it may do now') },
  }),
};
