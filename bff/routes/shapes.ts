import { z } from '@hono/zod-openapi';
import * as catalog from '#services/catalog/contract';
import * as performances from '#services/performances/contract';
import * as playlists from '#services/playlists/contract';
import * as rotations from '#services/rotations/contract';
import * as singers from '#services/singers/contract';

/**
 * The shapes of the public API that come from the services, each chosen here field by field from
 * its service's contract (`pick`), so a field a service adds stays internal until it is named here.
 * Requests are forwarded as they come and checked again by the service, so the contracts' request
 * schemas are the public ones.
 */

const only = <K extends string>(...names: K[]) =>
  Object.fromEntries(names.map((name) => [name, true])) as { [P in K]: true };

export const { CreateSong, UpdateSong, SearchParams, MediaUploadRequest } = catalog;
export const { OpenEvent, MoveSinger, KeyChange, ChangeKey } = rotations;
export const { StageName, UpdateSinger, FavouritesQuery } = singers;
export const { PerformancesQuery } = performances;
export const { CreatePlaylist, UpdatePlaylist, AddItem, MoveItem, SetMember, CreateShare, SharesQuery } =
  playlists;
export const PlaylistsQuery = playlists.PageQuery;

export const Song = catalog.Song.pick(
  only(
    'id',
    'title',
    'artist',
    'album',
    'durationMs',
    'year',
    'genre',
    'bpm',
    'musicalKey',
    'explicit',
    'language',
    'isrc',
    'tags',
    'firstWeek',
    'peak',
    'weeks',
    'hasAudio',
    'version',
    'createdAt',
    'updatedAt',
  ),
).openapi('Song');

export const SongSearchResult = catalog.SearchResult.pick(only('total', 'totalExact', 'cursor', 'facets'))
  .extend({
    items: z.array(
      Song.pick(
        only('id', 'title', 'artist', 'year', 'genre', 'durationMs', 'explicit', 'hasAudio', 'version'),
      ),
    ),
  })
  .openapi('SongSearchResult');

export const MediaUpload = catalog.MediaUpload.pick(only('mediaId', 'upload', 'expiresAt')).openapi(
  'MediaUpload',
);

export const Media = catalog.Media.pick(
  only(
    'mediaId',
    'status',
    'reason',
    'format',
    'codec',
    'durationMs',
    'bitrate',
    'sampleRate',
    'channels',
    'sizeBytes',
    'sha256',
    'createdAt',
  ),
).openapi('Media');

export const MediaList = z.object({ items: z.array(Media) }).openapi('MediaList');

export const KaraokeEvent = rotations.KaraokeEvent.pick(
  only('id', 'name', 'kjId', 'fairness', 'maxQueuedPerSinger', 'publicDisplay', 'closed', 'version'),
).openapi('KaraokeEvent');

export const RequestReceipt = rotations.RequestReceipt.pick(
  only('requestId', 'eventId', 'singerId', 'songId', 'keyChange', 'version'),
).openapi('RequestReceipt');

const Turn = rotations.Turn.pick(
  only('requestId', 'singerId', 'stageName', 'songId', 'title', 'artist', 'keyChange', 'estimatedStartAt'),
).openapi('Turn');

export const Rotation = rotations.Rotation.pick(only('eventId', 'version', 'singers'))
  // A union, not `.nullable()`: on a named schema that gives `allOf: [Turn, {type: [object, null]}]`,
  // which no null satisfies; the union describes it as `anyOf: [Turn, null]`.
  .extend({ nowPerforming: z.union([Turn, z.null()]), upNext: z.array(Turn) })
  .openapi('Rotation');

export const UpcomingTurn = rotations.UpcomingTurn.pick(only('eventId', 'eventName', 'position'))
  .extend({ turn: Turn })
  .openapi('UpcomingTurn');

export const Performance = performances.Performance.pick(
  only('requestId', 'singerId', 'eventId', 'songId', 'title', 'artist', 'keyChange', 'startedAt', 'endedAt'),
).openapi('Performance');

export const PerformancesPage = performances.PerformancesPage.pick(only('cursor'))
  .extend({ items: z.array(Performance) })
  .openapi('PerformancesPage');

export const Singer = singers.Singer.pick(
  only('id', 'stageName', 'givenName', 'familyName', 'email', 'version', 'createdAt', 'updatedAt'),
).openapi('Singer');

export const Favourite = singers.Favourite.pick(only('songId', 'addedAt')).openapi('Favourite');

export const FavouritesPage = singers.FavouritesPage.pick(only('total', 'cursor'))
  .extend({ items: z.array(Favourite) })
  .openapi('FavouritesPage');

/** A playlist item with its song as the catalog has it now; a song gone from the catalog is unavailable. */
export const PlaylistItem = playlists.PlaylistItem.pick(only('itemId', 'songId', 'addedBy', 'addedAt'))
  .extend({
    title: z.string().nullable(),
    artist: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    hasAudio: z.boolean(),
    available: z.boolean().openapi({ description: 'false: the song is no longer in the catalog' }),
  })
  .openapi('PlaylistItem');

export const PlaylistMember = playlists.Member.pick(only('userId', 'role')).openapi('PlaylistMember');

export const Playlist = playlists.Playlist.pick(
  only('id', 'ownerId', 'name', 'description', 'version', 'createdAt', 'updatedAt', 'access'),
)
  .extend({ items: z.array(PlaylistItem), members: z.array(PlaylistMember) })
  .openapi('Playlist');

export const PlaylistSummary = playlists.PlaylistSummary.pick(
  only('id', 'ownerId', 'name', 'description', 'version', 'itemCount', 'access', 'createdAt', 'updatedAt'),
).openapi('PlaylistSummary');

export const PlaylistsPage = playlists.PlaylistsPage.pick(only('total', 'cursor'))
  .extend({ items: z.array(PlaylistSummary) })
  .openapi('PlaylistsPage');

export const PlacedItem = PlaylistItem.extend(
  playlists.PlacedItem.pick(only('position', 'playlistVersion')).shape,
).openapi('PlacedPlaylistItem');

export const Share = playlists.Share.pick(
  only('id', 'songId', 'playlistId', 'fromUserId', 'toUserId', 'permission', 'message', 'createdAt'),
).openapi('Share');

export const SharesPage = playlists.SharesPage.pick(only('total', 'cursor'))
  .extend({ items: z.array(Share) })
  .openapi('SharesPage');

export const { CreatePitch } = playlists;

export const PitchRecipient = playlists.PitchRecipient.pick(
  only(
    'recipientId',
    'email',
    'name',
    'deliveryStatus',
    'revoked',
    'opens',
    'firstOpenedAt',
    'lastOpenedAt',
    'plays',
    'downloads',
  ),
).openapi('PitchRecipient');

const PITCH_FIELDS = only(
  'id',
  'playlistId',
  'title',
  'message',
  'expiresAt',
  'allowDownload',
  'hasPassword',
  'revoked',
  'createdAt',
);

export const Pitch = playlists.Pitch.pick({ ...PITCH_FIELDS, ...only('songIds') })
  .extend({ recipients: z.array(PitchRecipient) })
  .openapi('Pitch');

export const PitchesPage = playlists.PitchesPage.pick(only('cursor'))
  .extend({ items: z.array(playlists.PitchSummary.pick(PITCH_FIELDS).openapi('PitchSummary')) })
  .openapi('PitchesPage');

/** A pitch as sent: each recipient's link, shown in this answer only. */
export const SentPitch = z
  .object({
    pitch: Pitch,
    links: z.array(z.object({ recipientId: z.uuid(), email: z.string(), link: z.string() })),
  })
  .openapi('SentPitch');
