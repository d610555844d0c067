import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestContext } from '#lib/http';
import { createLogger } from '#lib/log';
import { withoutPitchToken } from './pitch-page.ts';

describe('pitch links in logs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a path keeps its shape without the token, which is a credential', () => {
    expect(withoutPitchToken('/p/abc_DEF-123')).toBe('/p/{token}');
    expect(withoutPitchToken('/p/abc/tracks/0b7c9a64/stream')).toBe('/p/{token}/tracks/0b7c9a64/stream');
    expect(withoutPitchToken('/p/abc/unlock')).toBe('/p/{token}/unlock');
    for (const other of ['/', '/api/pitches/abc', '/pitches/p/abc', '/p'])
      expect(withoutPitchToken(other)).toBe(other);
  });

  it('the access-log line of a pitch page names the path without the token', async () => {
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(console, 'info').mockImplementation((...args: unknown[]) => void written.push(args.join(' ')));
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void written.push(args.join(' ')));
    const app = new Hono();
    app.use(
      '*',
      requestContext(createLogger({ serviceName: 'bff', level: 'INFO', environment: 'test' }), {
        loggedPath: withoutPitchToken,
      }),
    );
    app.get('/p/:token', (c) => c.text('page'));
    const token = 'SecretToken0123456789abcdefghijklmnopqrstu';
    expect((await app.request(`/p/${token}`)).status).toBe(200);
    const log = written.join('\n');
    expect(log).toContain('"url.path":"/p/{token}"');
    expect(log).not.toContain(token);
  });
});
