import { z } from '@hono/zod-openapi';
import * as catalog from '#services/catalog/contract';
import * as performances from '#services/performances/contract';
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
export const { OpenEvent, MoveSinger, KeyChange } = rotations;
export const { StageName, UpdateSinger, FavouritesQuery } = singers;
export const { PerformancesQuery } = performances;

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

export const SongSearchResult = catalog.SearchResult.pick(only('total', 'cursor', 'facets'))
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
  .extend({ nowPerforming: Turn.nullable(), upNext: z.array(Turn) })
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
