import type { MediaContentType, MediaUpload } from '../api.ts';

/** What a browser may leave out or name oddly: the type each audio extension is declared as. */
const TYPE_BY_EXTENSION: Record<string, string> = {
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  mp4: 'audio/mp4',
  aac: 'audio/aac',
  wav: 'audio/wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/opus',
};

/**
 * The content type to declare for a file: the browser's when it says audio, else the one its
 * extension implies, else whatever the browser said (the API refuses what is not audio, and says so).
 */
export function declaredType(file: { name: string; type: string }): MediaContentType {
  const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
  const declared = file.type.startsWith('audio/')
    ? file.type
    : (TYPE_BY_EXTENSION[extension] ?? (file.type || 'application/octet-stream'));
  // Sent as it is even when the API does not take it: its 400 names the types it takes.
  return declared as MediaContentType;
}

export type PostOutcome = { ok: true } | { ok: false; message: string };

/**
 * Sends a file to S3 with a presigned POST: the policy's fields first, the file last, as S3 wants.
 * XMLHttpRequest rather than fetch, for its upload progress events.
 */
export function postToBucket(
  upload: MediaUpload['upload'],
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', file);
    const request = new XMLHttpRequest();
    request.open('POST', upload.url);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve({ ok: true });
      } else resolve({ ok: false, message: storageRefusal(request.status, request.responseText) });
    });
    request.addEventListener('error', () =>
      resolve({ ok: false, message: 'The file could not be sent: the storage did not answer.' }),
    );
    request.addEventListener('abort', () => resolve({ ok: false, message: 'Upload cancelled.' }));
    signal?.addEventListener('abort', () => request.abort());
    request.send(form);
  });
}

/** S3 answers a refused POST with XML: its `<Message>`, or the status. */
export function storageRefusal(status: number, body: string): string {
  const message = /<Message>([^<]{1,300})<\/Message>/.exec(body)?.[1];
  if (status === 403 && message !== undefined && /expired/i.test(message))
    return 'The upload permission expired: try again.';
  if (message !== undefined && /EntityTooLarge|too large|exceeds/i.test(body))
    return 'The file is too large.';
  return `The storage refused the file (${status}${message === undefined ? '' : `: ${message}`}).`;
}

/** "3.4 MB" for a size in bytes. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "3:05" for a duration in milliseconds. */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
