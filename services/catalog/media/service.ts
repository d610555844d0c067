import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, UnprocessableContentError } from '#lib/errors';
import type { Media, MediaLink, MediaList, MediaUpload, MediaUploadRequest } from '../contract.ts';
import type { SongStore } from '../repo.ts';
import { attachmentDisposition, downloadFileName } from './file-name.ts';
import { type AudioFormat, extensionOf } from './formats.ts';
import { type MediaObjects, mediaKey } from './objects.ts';
import type { MediaRecord, MediaStore } from './repo.ts';

export interface MediaSettings {
  /** The largest file a curator may upload. */
  maxUploadBytes: number;
  /** How long a presigned POST accepts the upload. */
  uploadTtlSeconds: number;
  /** How long a stream or download link works. */
  linkTtlSeconds: number;
}

/** A song's media: uploads, what the inspector found, and the links to play or save the audio. */
export interface MediaService {
  requestUpload(songId: string, request: MediaUploadRequest): Promise<MediaUpload>;
  list(songId: string, statuses: 'ready' | 'all'): Promise<MediaList>;
  remove(songId: string, mediaId: string): Promise<void>;
  streamLink(songId: string): Promise<MediaLink>;
  downloadLink(songId: string): Promise<MediaLink>;
}

export function createMediaService(deps: {
  media: MediaStore;
  songs: Pick<SongStore, 'get'>;
  objects: MediaObjects;
  settings: MediaSettings;
  now?: () => Date;
}): MediaService {
  const { media, songs, objects, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const noSong = (songId: string) => new NotFoundError(`No song with id ${songId}.`);
  const expiresAt = (seconds: number) => new Date(now().getTime() + seconds * 1000).toISOString();

  const playable = async (songId: string) => {
    const found = await media.newestReady(songId);
    if (found) return found;
    if (!(await songs.get(songId))) throw noSong(songId);
    // The song is there; what it lacks is a ready file: a conflict with its state, not a missing song.
    throw new ConflictError('This song has no playable audio yet.');
  };

  return {
    async requestUpload(songId, request) {
      if (request.sizeBytes > settings.maxUploadBytes) {
        // The schema's limit is S3's; a deployment's own, smaller one is a rule of the moment.
        throw new UnprocessableContentError('The file is too large.', {
          details: { issues: [{ path: 'sizeBytes', message: `at most ${settings.maxUploadBytes} bytes` }] },
        });
      }
      const mediaId = randomUUID();
      // Signing is local (no request to S3), so the row is written only once the upload can happen.
      const upload = await objects.presignUpload({
        key: mediaKey(songId, mediaId),
        contentType: request.contentType,
        maxBytes: request.sizeBytes,
        expiresInSeconds: settings.uploadTtlSeconds,
      });
      const created = await media.createPending({
        id: mediaId,
        songId,
        fileName: request.fileName,
        contentType: request.contentType,
        declaredSizeBytes: request.sizeBytes,
      });
      if (!created) throw noSong(songId);
      return { mediaId, upload, expiresAt: expiresAt(settings.uploadTtlSeconds) };
    },

    async list(songId, statuses) {
      const items = await media.list(songId, statuses);
      if (items.length === 0 && !(await songs.get(songId))) throw noSong(songId);
      return { items: items.map(publicMedia) };
    },

    async remove(songId, mediaId) {
      const found = await media.get(mediaId);
      if (!found || found.songId !== songId) throw new NotFoundError(`No media ${mediaId} for this song.`);
      // The object first: a row whose object is gone is removed on the next try, while an object
      // whose row is gone would be left behind for good.
      await objects.remove(mediaKey(songId, mediaId));
      await media.remove(songId, mediaId);
    },

    async streamLink(songId) {
      const { media: found } = await playable(songId);
      const url = await objects.presignGet(mediaKey(songId, found.mediaId), settings.linkTtlSeconds);
      return {
        url,
        expiresAt: expiresAt(settings.linkTtlSeconds),
        mediaId: found.mediaId,
        fileName: found.fileName,
      };
    },

    async downloadLink(songId) {
      const { media: found, song } = await playable(songId);
      const fileName = downloadFileName(
        song.artist,
        song.title,
        extensionOf(found.format as AudioFormat, found.codec),
      );
      const url = await objects.presignGet(
        mediaKey(songId, found.mediaId),
        settings.linkTtlSeconds,
        attachmentDisposition(fileName),
      );
      return { url, expiresAt: expiresAt(settings.linkTtlSeconds), mediaId: found.mediaId, fileName };
    },
  };
}

/** A record as callers see it: without the ETag and the declared size. */
function publicMedia({ etag: _etag, declaredSizeBytes: _declared, ...media }: MediaRecord): Media {
  return media;
}
