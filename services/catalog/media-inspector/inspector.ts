import { z } from 'zod';
import { type Parsed, parseJsonBody, sqsBatchHandler } from '#lib/batch';
import type { Logger } from '#lib/log';
import { inspectMedia } from '../media/inspect.ts';
import { type MediaObjects, parseMediaKey } from '../media/objects.ts';
import type { MediaStore } from '../media/repo.ts';

/** The parts of an S3 event notification the inspector reads; S3 sends a test event on setup. */
const S3Notification = z
  .object({
    Event: z.string().optional(),
    Records: z
      .array(
        z
          .object({
            eventName: z.string(),
            s3: z.object({ object: z.object({ key: z.string().min(1) }).loose() }).loose(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose()
  .refine((event) => event.Event === 's3:TestEvent' || event.Records !== undefined, 'not an S3 event');

/** Keys arrive URL-encoded, with `+` for a space, as in a form. */
const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

export interface MediaInspectorDeps {
  media: MediaStore;
  objects: MediaObjects;
  /** The configured upload limit: an object larger than this is refused whatever was declared. */
  maxUploadBytes: number;
  log: Logger;
}

/**
 * Inspects every object S3 reports as created in the media bucket (ObjectCreated → SQS): marks its
 * media `ready` with what the file holds, or `rejected` with a reason and deletes the object. An
 * object whose key names no media is deleted and logged. Redelivered and reordered events are
 * harmless: an object already recorded under its ETag is skipped, one already deleted is gone, and
 * the record always follows the object as it now is. A failure of S3 or the database reports the
 * message, so SQS delivers it again (and to the DLQ after maxReceiveCount).
 */
export function createMediaInspector(deps: MediaInspectorDeps) {
  const inspectOne = inspectObject(deps);
  return sqsBatchHandler<string[]>(
    {
      parse(record): Parsed<string[]> | null {
        const parsed = parseJsonBody(record.body, S3Notification);
        if (!parsed.ok) return parsed;
        if (parsed.value.Records === undefined) return null;
        const keys = parsed.value.Records.filter((event) => event.eventName.startsWith('ObjectCreated')).map(
          (event) => decodeKey(event.s3.object.key),
        );
        return keys.length === 0 ? null : { ok: true, value: keys };
      },
      async apply(items) {
        const failed: string[] = [];
        for (const item of items) {
          try {
            for (const key of item.value) await inspectOne(key);
          } catch (error) {
            deps.log.error('media not inspected; the event will be delivered again', error as Error);
            failed.push(item.messageId);
          }
        }
        return failed;
      },
    },
    deps.log,
  );
}

/** Inspects the object under one key, as it is now. */
export function inspectObject(deps: MediaInspectorDeps) {
  const { media, objects, log } = deps;
  return async (key: string): Promise<void> => {
    const started = Date.now();
    const names = parseMediaKey(key);
    const record = names ? await media.get(names.mediaId) : null;
    if (!names || !record || record.songId !== names.songId) {
      await objects.remove(key);
      log.warn('object matches no media; deleted', { 'file.path': key });
      return;
    }
    if (record.status === 'rejected') {
      // Uploaded again through a policy still valid after its rejection: nothing is kept of it.
      await objects.remove(key);
      return;
    }
    const object = await objects.head(key);
    if (!object || (record.status === 'ready' && record.etag === object.etag)) return;
    const inspection = await inspectMedia(objects, key, object, {
      contentType: record.contentType,
      declaredSizeBytes: record.declaredSizeBytes,
      maxBytes: deps.maxUploadBytes,
    });
    if (inspection.verdict === 'gone') return;
    let reason = inspection.verdict === 'rejected' ? inspection.reason : null;
    if (inspection.verdict === 'ready') {
      const recorded = await media.markReady(record.mediaId, inspection.etag, inspection.facts);
      if (recorded === 'song-gone')
        reason = 'The song was removed from the catalog before the file was inspected.';
    }
    if (reason !== null) {
      await media.markRejected(record.mediaId, inspection.etag, reason);
      await objects.remove(key);
    }
    log.info('media inspected', {
      'media.id': record.mediaId,
      'media.status': reason === null ? 'ready' : 'rejected',
      'file.size': object.size,
      'event.duration': (Date.now() - started) * 1_000_000,
      ...(reason === null ? {} : { 'event.reason': reason }),
    });
  };
}
