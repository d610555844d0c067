import { describe, expect, it } from 'vitest';
import { duration, lockedPage, noticePage, pitchPage } from './render.ts';

const hostile = `<script>alert("x")</script>&'`;
const token = 'A'.repeat(43);

describe('pitch pages', () => {
  it('render every value from the pitch and the catalog as text', () => {
    const html = pitchPage({
      token,
      title: hostile,
      message: `${hostile}\n\nsecond`,
      allowDownload: true,
      stylesheets: ['/assets/styles-X.css'],
      tracks: [
        {
          songId: '0b7c9a64-5d3e-4c4f-9d57-2f1f3d8c1a20',
          title: hostile,
          artist: `"><img src=x>`,
          durationMs: 61_000,
          hasAudio: true,
        },
      ],
    });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    expect(html).toContain('<p>second</p>');
    expect(html).toContain('1:01');
    expect(html).toContain('<link rel="stylesheet" href="/assets/styles-X.css">');
    expect(html).toContain(`/p/${token}/tracks/0b7c9a64-5d3e-4c4f-9d57-2f1f3d8c1a20/download`);
  });

  it('show songs gone from the catalog or without audio as unavailable, without a player', () => {
    const html = pitchPage({
      token,
      title: 't',
      message: null,
      allowDownload: true,
      stylesheets: [],
      tracks: [
        { songId: 'a', title: null, artist: null, durationMs: null, hasAudio: false },
        { songId: 'b', title: 'Quiet', artist: 'Nobody', durationMs: null, hasAudio: false },
      ],
    });
    expect(html).toContain('no longer available');
    expect(html).toContain('No audio for this song yet.');
    expect(html).not.toContain('<audio');
    expect(html).not.toContain('/download');
  });

  it('a stream-only pitch shows players and no download link', () => {
    const html = pitchPage({
      token,
      title: 't',
      message: null,
      allowDownload: false,
      stylesheets: [],
      tracks: [{ songId: 's', title: 'Loud', artist: 'Band', durationMs: 3_723_000, hasAudio: true }],
    });
    expect(html).toContain(`<audio controls preload="none" src="/p/${token}/tracks/s/stream"`);
    expect(html).not.toContain('/download');
    expect(html).toContain('1:02:03');
  });

  it('the password form posts to the link and says when a password was wrong', () => {
    expect(lockedPage({ token, wrong: false, stylesheets: [] })).not.toContain('role="alert"');
    const wrong = lockedPage({ token, wrong: true, stylesheets: [] });
    expect(wrong).toContain(`<form method="post" action="/p/${token}/unlock">`);
    expect(wrong).toContain('role="alert"');
    expect(noticePage(hostile, hostile, [])).not.toContain('<script');
  });

  it('durations', () => {
    expect([0, 999, 59_500, 600_000].map(duration)).toEqual(['0:00', '0:01', '1:00', '10:00']);
  });
});
