import { describe, expect, it } from 'vitest';
import { attachmentDisposition, downloadFileName } from './file-name.ts';

describe('downloadFileName', () => {
  it('is "Artist - Title.ext"', () => {
    expect(downloadFileName('Journey', "Don't Stop Believin'", 'mp3')).toBe(
      'Journey - Dont Stop Believin.mp3',
    );
  });

  it('drops path separators, quotes, reserved and control characters', () => {
    expect(downloadFileName('../../etc', 'pass"wd\u0000\r\nx<y>|z?*:', 'wav')).toBe('etc - passwd x y z.wav');
    expect(downloadFileName('AC/DC', 'Back\\In Black', 'flac')).toBe('AC DC - Back In Black.flac');
  });

  it('keeps letters of every script and cuts long names before the extension', () => {
    expect(downloadFileName('Beyoncé', 'Déjà Vu', 'm4a')).toBe('Beyoncé - Déjà Vu.m4a');
    const long = downloadFileName('A'.repeat(300), '🎤'.repeat(300), 'ogg');
    expect(Array.from(long.replace(/\.ogg$/, ''))).toHaveLength(180);
    expect(long.endsWith('.ogg')).toBe(true);
    expect(long).not.toMatch(/[\uD800-\uDBFF]\.ogg$/);
  });

  it('never yields an empty or hidden name', () => {
    expect(downloadFileName('', '', 'mp3')).toBe('track.mp3');
    expect(downloadFileName('...', '"', 'mp3')).toBe('track.mp3');
  });
});

describe('attachmentDisposition (RFC 6266)', () => {
  it('quotes a plain ASCII name', () => {
    expect(attachmentDisposition('Journey - Faithfully.mp3')).toBe(
      'attachment; filename="Journey - Faithfully.mp3"',
    );
  });

  it('adds filename* in UTF-8 for other names, with an ASCII fallback', () => {
    expect(attachmentDisposition('Beyoncé - Déjà Vu.m4a')).toBe(
      `attachment; filename="Beyonc_ - D_j_ Vu.m4a"; filename*=UTF-8''Beyonc%C3%A9%20-%20D%C3%A9j%C3%A0%20Vu.m4a`,
    );
  });

  it('encodes what RFC 8187 does not allow bare', () => {
    expect(attachmentDisposition("100% (live)'s.mp3")).toContain(
      "filename*=UTF-8''100%25%20%28live%29%27s.mp3",
    );
  });
});
