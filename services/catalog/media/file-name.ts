/**
 * The name a downloaded file gets: `Artist - Title.ext`, safe on every file system and in a
 * header. Quotes go; path separators, control and reserved characters become spaces, and runs of them one;
 * the name is cut to 180 characters (before the extension, never inside a character).
 */
export function downloadFileName(artist: string, title: string, extension: string): string {
  const clean = (text: string) =>
    text
      .normalize('NFC')
      .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
      .replace(/["'`’‘]/g, '')
      .replace(/[\\/:*?<>|]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const stem = Array.from(`${clean(artist)} - ${clean(title)}`)
    .slice(0, 180)
    .join('')
    .replace(/^[\s.-]+|[\s.]+$/g, '');
  return `${stem === '' ? 'track' : stem}.${extension}`;
}

/**
 * `Content-Disposition: attachment` for a file name (RFC 6266): an ASCII `filename` for old
 * clients (every other character as `_`), and `filename*` in UTF-8 (RFC 8187) when the name is
 * not plain ASCII.
 */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  if (fallback === fileName) return `attachment; filename="${fileName}"`;
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
