import { describe, expect, it } from 'vitest';
import { declaredType, duration, fileSize, storageRefusal } from './upload.ts';

describe('what the upload page declares and says', () => {
  it("declares the browser's audio type, else the one the extension implies, else what the browser said", () => {
    expect(declaredType({ name: 'a.m4a', type: 'audio/x-m4a' })).toBe('audio/x-m4a');
    expect(declaredType({ name: 'Song.FLAC', type: '' })).toBe('audio/flac');
    expect(declaredType({ name: 'tone.opus', type: 'application/octet-stream' })).toBe('audio/opus');
    // Not audio by any sign: sent as it is, for the API to refuse with its reason.
    expect(declaredType({ name: 'cover.png', type: 'image/png' })).toBe('image/png');
    expect(declaredType({ name: 'notes', type: '' })).toBe('application/octet-stream');
  });

  it("turns S3's XML refusals into a sentence, never echoing more than the message", () => {
    expect(
      storageRefusal(403, '<Error><Code>AccessDenied</Code><Message>Policy expired.</Message></Error>'),
    ).toBe('The upload permission expired: try again.');
    expect(
      storageRefusal(
        400,
        '<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum</Message></Error>',
      ),
    ).toBe('The file is too large.');
    expect(storageRefusal(500, 'gateway down')).toBe('The storage refused the file (500).');
    expect(storageRefusal(403, '<Message><script>x</script></Message>')).toBe(
      'The storage refused the file (403).',
    );
  });

  it('writes sizes and durations as people read them', () => {
    expect([fileSize(900), fileSize(12_500), fileSize(3_500_000)]).toEqual(['900 B', '12.2 kB', '3.3 MB']);
    expect([duration(3056), duration(61_000), duration(0)]).toEqual(['0:03', '1:01', '0:00']);
  });
});
