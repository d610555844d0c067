/**
 * The pitch recipient's pages, rendered on the server as plain HTML: no script at all, the site's
 * stylesheet (same origin), every value from the pitch or the catalog escaped. Works without an
 * account, a script or a modern browser.
 */

import { escapeHtml } from '#lib/html';

export interface PitchTrack {
  songId: string;
  /** Null when the catalog no longer has the song. */
  title: string | null;
  artist: string | null;
  durationMs: number | null;
  hasAudio: boolean;
}

/** `m:ss` (or `h:mm:ss`). */
export function duration(ms: number): string {
  const total = Math.round(ms / 1000);
  const [hours, minutes, seconds] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const two = (value: number) => String(value).padStart(2, '0');
  return hours > 0 ? `${hours}:${two(minutes)}:${two(seconds)}` : `${minutes}:${two(seconds)}`;
}

function document(title: string, body: string, stylesheets: readonly string[]): string {
  const links = stylesheets.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<meta name="robots" content="noindex, nofollow"><title>${escapeHtml(title)}</title>${links}</head>` +
    `<body><main class="pitch" id="main">${body}</main></body></html>`
  );
}

function track(token: string, item: PitchTrack, allowDownload: boolean): string {
  if (item.title === null) {
    return '<li class="pitch-track pitch-track-unavailable"><p>This song is no longer available.</p></li>';
  }
  const base = `/p/${escapeHtml(token)}/tracks/${escapeHtml(item.songId)}`;
  const heading = `<h2>${escapeHtml(item.title)}</h2><p class="pitch-artist">${escapeHtml(item.artist ?? '')}</p>`;
  const length =
    item.durationMs === null ? '' : `<p class="pitch-duration">${escapeHtml(duration(item.durationMs))}</p>`;
  if (!item.hasAudio) {
    return `<li class="pitch-track pitch-track-unavailable">${heading}${length}<p>No audio for this song yet.</p></li>`;
  }
  const label = escapeHtml(`${item.title} by ${item.artist ?? ''}`.trim());
  const player = `<audio controls preload="none" src="${base}/stream" aria-label="${label}"></audio>`;
  const download = allowDownload ? `<p><a href="${base}/download" download>Download</a></p>` : '';
  return `<li class="pitch-track">${heading}${length}${player}${download}</li>`;
}

export function pitchPage(view: {
  token: string;
  title: string;
  message: string | null;
  allowDownload: boolean;
  tracks: readonly PitchTrack[];
  stylesheets: readonly string[];
}): string {
  const message = view.message
    ? view.message
        .split(/\n{2,}/)
        .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
        .join('')
    : '';
  const tracks = view.tracks.length
    ? `<ol class="pitch-tracks">${view.tracks.map((item) => track(view.token, item, view.allowDownload)).join('')}</ol>`
    : '<p>No songs in this pitch.</p>';
  return document(
    view.title,
    `<h1>${escapeHtml(view.title)}</h1><div class="pitch-message">${message}</div>${tracks}`,
    view.stylesheets,
  );
}

/** The password form; `wrong` after a wrong password. */
export function lockedPage(view: { token: string; wrong: boolean; stylesheets: readonly string[] }): string {
  const error = view.wrong
    ? '<p class="pitch-error" role="alert" id="password-error">That password is not right.</p>'
    : '';
  const described = view.wrong ? ' aria-describedby="password-error"' : '';
  return document(
    'Password needed',
    '<h1>This pitch is protected</h1><p>Enter the password you were given to open it.</p>' +
      error +
      `<form method="post" action="/p/${escapeHtml(view.token)}/unlock">` +
      `<label for="password">Password</label><input id="password" name="password" type="password" ` +
      `autocomplete="current-password" required maxlength="200"${described}>` +
      '<button type="submit">Open</button></form>',
    view.stylesheets,
  );
}

/** A page that only says something: unknown, gone, too many attempts, not allowed. */
export function noticePage(heading: string, text: string, stylesheets: readonly string[]): string {
  return document(heading, `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(text)}</p>`, stylesheets);
}
