import { randomBytes, randomUUID } from 'node:crypto';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsClientConfig } from '#lib/aws';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { runMetricsQuery } from '#scripts/metrics';
import { issueLocalAccessToken } from '#scripts/token';
import { loadPitchMailerConfig } from '#services/playlists/config';
import { wirePitchMailer } from '#services/playlists/pitch-mailer/wiring';
import { bffApi } from '../support/bff-api.ts';
import { freePort } from '../support/child.ts';
import { audioFixture, postUpload, receiveRecords, sqsEvent } from '../support/media.ts';
import { eventually } from '../support/sync-fixture.ts';

interface Recipient {
  recipientId: string;
  email: string;
  deliveryStatus: 'pending' | 'sent' | 'failed';
  revoked: boolean;
  opens: number;
  firstOpenedAt: string | null;
  lastOpenedAt: string | null;
  plays: Record<string, number>;
  downloads: number;
}
interface Pitch {
  id: string;
  songIds: string[];
  recipients: Recipient[];
}
interface Sent {
  pitch: Pitch;
  links: Array<{ recipientId: string; email: string; link: string }>;
}
interface MotoMail {
  source: string;
  subject: string;
  body: string;
  destinations: { ToAddresses?: string[] };
}

const UNLOCK_COOKIE = '__Secure-pitch_unlock';

describe('pitch recipients over HTTP: e-mailed links, the page, passwords, streams and downloads', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  const tokens: Record<string, string> = {};
  const env = () => inject('localEnv');
  const run = randomUUID().slice(0, 8);
  const address = (name: string) => `${name}-${run}@recipients.test`;

  const { api, post } = bffApi(
    () => server.url,
    (user) => tokens[user],
  );
  const json = async <T>(response: Response, status: number): Promise<T> => {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    return JSON.parse(text) as T;
  };
  /** A recipient's request: no account, no Authorization, cookies only as given. */
  const visit = (link: string, init: RequestInit & { cookie?: string } = {}) =>
    fetch(link, {
      redirect: 'manual',
      ...init,
      headers: {
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...(init.headers as Record<string, string>),
      },
    });
  const unlock = (link: string, password: string, cookie?: string) =>
    visit(`${link}/unlock`, {
      method: 'POST',
      body: new URLSearchParams({ password }),
      ...(cookie ? { cookie } : {}),
    });
  const sentMails = async (): Promise<MotoMail[]> => {
    const data = (await (await fetch(`${env().AWS_ENDPOINT_URL}/moto-api/data.json`)).json()) as {
      ses?: { Message?: MotoMail[] };
    };
    return data.ses?.Message ?? [];
  };
  const mailsTo = async (email: string) =>
    (await sentMails()).filter((mail) => mail.destinations.ToAddresses?.includes(email));
  const expectPageHeaders = (response: Response) => {
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-robots-tag')).toMatch(/noindex/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/media-src [^;]*http:\/\/127\.0\.0\.1:\*/);
  };

  async function songWithAudio(title: string): Promise<string> {
    const song = await json<{ id: string }>(
      await post('/songs', 'curator', {
        title: `${title} ${run}`,
        artist: 'Pitch Testers',
        durationMs: 3056,
      }),
      201,
    );
    const bytes = audioFixture('tone.mp3');
    const { mediaId, upload } = await json<{
      mediaId: string;
      upload: { url: string; fields: Record<string, string> };
    }>(
      await post(`/songs/${song.id}/media/uploads`, 'curator', {
        fileName: 'tone.mp3',
        contentType: 'audio/mpeg',
        sizeBytes: bytes.length,
      }),
      201,
    );
    expect(await postUpload(upload, bytes, 'tone.mp3')).toBeLessThan(300);
    await eventually(async () => {
      const { items } = await json<{ items: Array<{ mediaId: string; status: string }> }>(
        await api(`/songs/${song.id}/media`, 'curator'),
        200,
      );
      expect(items.find((item) => item.mediaId === mediaId)?.status).toBe('ready');
    }, 20_000);
    return song.id;
  }

  let songs: string[] = [];
  let silent: string;
  let playlistId: string;
  /** Stream only, with a password. */
  let locked: Sent;
  /** Downloads allowed, no password. */
  let open: Sent;
  const linkOf = (sent: Sent) => sent.links[0]?.link as string;

  beforeAll(async () => {
    server = await startLocalServer(env(), await freePort());
    sync = await startLocalSync({ env: env() });
    for (const user of ['curator', 'singer1', 'singer2']) {
      tokens[user] = await issueLocalAccessToken(server.oidcIssuer, user);
    }
    songs = [await songWithAudio('Pitched One'), await songWithAudio('Pitched Two')];
    silent = (
      await json<{ id: string }>(
        await post('/songs', 'curator', { title: `Silent ${run}`, artist: 'Nobody' }),
        201,
      )
    ).id;
    const playlist = await json<{ id: string }>(
      await post('/playlists', 'singer1', { name: `Pitch ${run}` }),
      201,
    );
    playlistId = playlist.id;
    for (const songId of [...songs, silent]) {
      await json(await post(`/playlists/${playlistId}/items`, 'singer1', { songId }), 201);
    }
  }, 120_000);

  afterAll(async () => {
    await sync?.stop();
    await server?.close();
  });

  it('pitches to two recipients; each gets an e-mail holding their own link', async () => {
    locked = await json<Sent>(
      await post('/pitches', 'singer1', {
        playlistId,
        title: 'Demo <script>alert(1)</script>',
        message: 'Hi & welcome.\n\n<img src=x onerror=alert(2)>',
        recipients: [{ email: address('stream'), name: 'Stream <b>Only</b>' }],
        password: 'open sesame',
        allowDownload: false,
      }),
      201,
    );
    open = await json<Sent>(
      await post('/pitches', 'singer1', {
        playlistId,
        title: `Open pitch ${run}`,
        recipients: [{ email: address('download') }],
        allowDownload: true,
      }),
      201,
    );
    for (const sent of [locked, open]) {
      expect(sent.pitch.recipients.map((one) => one.deliveryStatus)).toEqual(['sent']);
      expect(linkOf(sent)).toMatch(new RegExp(`^${server.url}/p/[A-Za-z0-9_-]{43}$`));
      const [mail, ...more] = await mailsTo(sent.links[0]?.email as string);
      expect(more).toEqual([]);
      expect(mail?.source).toBe(env().PITCH_MAIL_FROM);
      expect(mail?.body).toContain(linkOf(sent));
    }
    const [lockedMail] = await mailsTo(address('stream'));
    // The owner's text is escaped in the HTML e-mail.
    expect(lockedMail?.body).toContain('Stream &lt;b&gt;Only&lt;/b&gt;');
    expect(lockedMail?.body).not.toContain('<img src=x');
  });

  it('an open link shows the title, message and tracks (escaped), with players and download links', async () => {
    const response = await visit(linkOf(open));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expectPageHeaders(response);
    const html = await response.text();
    expect(html).toContain(`<h1>Open pitch ${run}</h1>`);
    const token = linkOf(open).split('/p/')[1] as string;
    for (const songId of songs) {
      expect(html).toContain(`<audio controls preload="none" src="/p/${token}/tracks/${songId}/stream"`);
      expect(html).toContain(`href="/p/${token}/tracks/${songId}/download"`);
    }
    expect(html).toContain('Pitched One');
    expect(html).toContain('0:03');
    expect(html).toContain('No audio for this song yet.');
    expect(html).not.toContain(`/tracks/${silent}/stream`);
    expect(html).not.toMatch(/<script/i);
  });

  it('a password link asks for it: wrong 401, right sets a link-scoped cookie, then the page opens', async () => {
    const link = linkOf(locked);
    const token = link.split('/p/')[1] as string;
    const form = await visit(link);
    expect(form.status).toBe(200);
    expectPageHeaders(form);
    const formHtml = await form.text();
    expect(formHtml).toContain(`<form method="post" action="/p/${token}/unlock">`);
    expect(formHtml).not.toContain('Demo');

    const wrong = await unlock(link, 'not it');
    expect(wrong.status).toBe(401);
    expectPageHeaders(wrong);
    expect(await wrong.text()).toContain('That password is not right.');
    expect(wrong.headers.getSetCookie()).toEqual([]);
    // Oversized, empty or not a form: refused without being checked (or counted).
    expect((await unlock(link, 'x'.repeat(201))).status).toBe(400);
    expect((await unlock(link, '')).status).toBe(400);
    const notForm = await visit(`${link}/unlock`, {
      method: 'POST',
      body: JSON.stringify({ password: 'open sesame' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(notForm.status).toBe(400);

    const right = await unlock(link, 'open sesame');
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe(`/p/${token}`);
    const [cookie] = right.headers.getSetCookie();
    expect(cookie).toMatch(new RegExp(`^${UNLOCK_COOKIE}=`));
    expect(cookie).toContain(`Path=/p/${token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toContain('Max-Age=43200');
    expect(cookie).not.toContain('sesame');
    const pair = (cookie as string).split(';')[0] as string;

    const page = await visit(link, { cookie: pair });
    expect(page.status).toBe(200);
    const html = await page.text();
    // Hostile title and message are text, never markup.
    expect(html).toContain('<h1>Demo &lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('/download"');
    // A forged or altered cookie unlocks nothing.
    const forged = `${pair.slice(0, -4)}AAAA`;
    expect(await (await visit(link, { cookie: forged })).text()).toContain('<form');
    // Nor does the cookie of this link open another password link (it names its recipient).
    const other = await json<Sent>(
      await post('/pitches', 'singer1', {
        playlistId,
        recipients: [{ email: address('other') }],
        password: 'open sesame',
        allowDownload: false,
      }),
      201,
    );
    expect(await (await visit(linkOf(other), { cookie: pair })).text()).toContain('<form');
  });

  it('five wrong passwords for a link answer 429 with Retry-After, even for the right one', async () => {
    const sent = await json<Sent>(
      await post('/pitches', 'singer1', {
        playlistId,
        recipients: [{ email: address('guesser') }],
        password: 'right one',
        allowDownload: false,
      }),
      201,
    );
    const link = linkOf(sent);
    for (let attempt = 0; attempt < 5; attempt++)
      expect((await unlock(link, `guess ${attempt}`)).status).toBe(401);
    const refused = await unlock(link, 'right one');
    expect(refused.status).toBe(429);
    expectPageHeaders(refused);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  });

  it('streams a song of the pitch through a short-lived S3 link that answers Range; downloads as allowed', async () => {
    const link = linkOf(locked);
    const cookie = ((await unlock(link, 'open sesame')).headers.getSetCookie()[0] as string).split(
      ';',
    )[0] as string;
    // Locked without the cookie.
    expect((await visit(`${link}/tracks/${songs[0]}/stream`)).status).toBe(401);
    const stream = await visit(`${link}/tracks/${songs[0]}/stream`, { cookie });
    expect(stream.status).toBe(302);
    expectPageHeaders(stream);
    const location = stream.headers.get('location') ?? '';
    expect(location.startsWith(env().AWS_ENDPOINT_URL as string)).toBe(true);
    expect(Number(new URL(location).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
    const ranged = await fetch(location, { headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);

    // Only songs of the pitch's frozen list; malformed ids are unknown.
    expect((await visit(`${link}/tracks/${randomUUID()}/stream`, { cookie })).status).toBe(404);
    expect((await visit(`${link}/tracks/not-a-song/stream`, { cookie })).status).toBe(404);
    expect((await visit(`${link}/tracks/${silent}/stream`, { cookie })).status).toBe(404);
    // Stream-only: no download.
    expect((await visit(`${link}/tracks/${songs[0]}/download`, { cookie })).status).toBe(403);

    const download = await visit(`${linkOf(open)}/tracks/${songs[1]}/download`);
    expect(download.status).toBe(302);
    const saved = await fetch(download.headers.get('location') ?? '');
    expect(saved.status).toBe(200);
    expect(saved.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="Pitch Testers - Pitched Two ${run}\\.mp3"`),
    );
    await saved.arrayBuffer();
    await visit(`${linkOf(open)}/tracks/${songs[0]}/stream`);
  });

  it('the owner sees opens, plays and downloads per recipient; nobody else sees the pitch', async () => {
    const lockedPitch = await json<Pitch>(await api(`/pitches/${locked.pitch.id}`, 'singer1'), 200);
    const [streamer] = lockedPitch.recipients;
    // One page view showed the tracks (the form does not count); one play.
    expect(streamer).toMatchObject({ opens: 1, downloads: 0, plays: { [songs[0] as string]: 1 } });
    expect(streamer?.firstOpenedAt).not.toBeNull();
    expect(Date.parse(streamer?.lastOpenedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(streamer?.firstOpenedAt ?? ''),
    );
    const openPitch = await json<Pitch>(await api(`/pitches/${open.pitch.id}`, 'singer1'), 200);
    expect(openPitch.recipients[0]).toMatchObject({
      opens: 1,
      downloads: 1,
      plays: { [songs[0] as string]: 1 },
    });
    expect([403, 404]).toContain((await api(`/pitches/${open.pitch.id}`, 'singer2')).status);
    expect((await api(`/pitches/${open.pitch.id}`)).status).toBe(401);
  });

  it('opens, plays and downloads reach the usage lake as pitch events, the recipient a keyed hash', async () => {
    const since = new Date().toISOString().slice(0, 10);
    await eventually(
      async () => {
        const { rows } = await runMetricsQuery({ env: env(), query: 'pitch-engagement', since });
        const mine = rows.filter((row) => row.pitch_id === open.pitch.id);
        expect(mine).toHaveLength(1);
        expect(mine[0]).toMatchObject({ sent: 1, opens: 1, plays: 1, downloads: 1 });
        expect(String(mine[0]?.recipient)).toMatch(/^r_[A-Za-z0-9_-]{43}$/);
        expect(JSON.stringify(rows)).not.toContain('@recipients.test');
      },
      90_000,
      1000,
    );
  }, 120_000);

  it('unknown, malformed, revoked and expired links: 404, 404, 410, 410', async () => {
    const valid = linkOf(open);
    const token = valid.split('/p/')[1] as string;
    const unknownTokens = [
      token.slice(0, 42),
      `${token}A`,
      `${token.slice(0, 42)}!`,
      `${token.slice(0, 42)}%C3%A9`,
      randomBytes(32).toString('base64url'),
      'A'.repeat(500),
    ];
    for (const bad of unknownTokens) {
      const response = await visit(`${server.url}/p/${bad}`);
      expect(response.status, bad).toBe(404);
      expectPageHeaders(response);
    }
    await json(await post(`/pitches/${open.pitch.id}/revoke`, 'singer1', {}), 200);
    const revoked = await visit(valid);
    expect(revoked.status).toBe(410);
    expectPageHeaders(revoked);
    expect((await visit(`${valid}/tracks/${songs[0]}/stream`)).status).toBe(410);

    const expiring = await json<Sent>(
      await post('/pitches', 'singer1', {
        playlistId,
        recipients: [{ email: address('late') }],
        allowDownload: true,
        expiresAt: new Date(Date.now() + 1500).toISOString(),
      }),
      201,
    );
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await visit(linkOf(expiring))).status).toBe(410);
  });

  it('SES refusing the sender: the pitch is saved as failed; the queued retry sends once SES accepts, once', async () => {
    const sender = `unverified-${run}@senders.test`;
    const aws = awsClientConfig({
      AWS_REGION: env().AWS_REGION as string,
      AWS_ENDPOINT_URL: env().AWS_ENDPOINT_URL,
    });
    const sqs = new SQSClient(aws);
    const ses = new SESv2Client(aws);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `pitch-mail-${run}` }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queue = { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
    const failingEnv = {
      ...env(),
      PITCH_MAIL_FROM: sender,
      PITCH_MAIL_QUEUE_URL: queue.url,
      PITCH_MAIL_RETRY_DELAY_SECONDS: '0',
    };
    const failing = await startLocalServer(failingEnv, await freePort());
    const mailer = wirePitchMailer(loadPitchMailerConfig({ ...failingEnv, LOG_LEVEL: 'SILENT' }));
    try {
      tokens.failing = await issueLocalAccessToken(failing.oidcIssuer, 'singer1');
      const email = address('retry');
      const body = JSON.stringify({ playlistId, recipients: [{ email }], allowDownload: false });
      const sent = await json<Sent>(
        await api('/pitches', 'failing', { method: 'POST', body }, failing.url),
        201,
      );
      expect(sent.pitch.recipients[0]?.deliveryStatus).toBe('failed');
      const saved = await json<Pitch>(await api(`/pitches/${sent.pitch.id}`, 'singer1'), 200);
      expect(saved.recipients[0]?.deliveryStatus).toBe('failed');
      // The link works meanwhile (the owner has it), and no mail went out.
      expect((await visit(linkOf(sent).replace(failing.url, server.url))).status).toBe(200);
      expect(await mailsTo(email)).toEqual([]);

      const records = await receiveRecords(sqs, queue, 1);
      expect(records).toHaveLength(1);
      const token = linkOf(sent).split('/p/')[1] as string;
      expect(records[0]?.body).not.toContain(token);
      expect(records[0]?.body).not.toContain(email);

      // SES still refuses: reported for SQS to deliver again; still failed.
      const stillFailing = await mailer.handle(sqsEvent(records));
      expect(stillFailing.batchItemFailures).toHaveLength(1);

      await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: sender }));
      const retried = await mailer.handle(sqsEvent(records));
      expect(retried.batchItemFailures).toEqual([]);
      const [mail, ...more] = await mailsTo(email);
      expect(more).toEqual([]);
      expect(mail?.body).toContain(linkOf(sent));
      const after = await json<Pitch>(await api(`/pitches/${sent.pitch.id}`, 'singer1'), 200);
      expect(after.recipients[0]?.deliveryStatus).toBe('sent');

      // The same message again (SQS delivers at least once): nothing sent twice.
      expect((await mailer.handle(sqsEvent([...records, ...records]))).batchItemFailures).toEqual([]);
      expect(await mailsTo(email)).toHaveLength(1);
      // A malformed or tampered message is reported, never sent.
      const tampered = {
        ...records[0],
        messageId: 'tampered',
        body: records[0]?.body.replace(/"sealedLink":"(.)/, '"sealedLink":"Z$1'),
      };
      const garbage = { ...records[0], messageId: 'garbage', body: '{"v":1,"token":"x"}' };
      const refused = await mailer.handle(sqsEvent([tampered as never, garbage as never]));
      expect(refused.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
        'garbage',
        'tampered',
      ]);
      expect(await mailsTo(email)).toHaveLength(1);
    } finally {
      await mailer.close();
      await failing.close();
      sqs.destroy();
      ses.destroy();
    }
  }, 120_000);
});
