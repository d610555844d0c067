import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tokenHash } from './domain/pitch-links.ts';
import {
  createPitchDelivery,
  type Mail,
  openLink,
  type PitchMailRetry,
  pitchMail,
  sealLink,
} from './pitch-mail.ts';
import type { DeliveryFacts, PitchStore } from './pitch-repo.ts';

const key = randomBytes(32);
const facts: DeliveryFacts = {
  pitchId: randomUUID(),
  email: 'ann@label.test',
  name: 'Ann <b>',
  title: 'Demo <script>',
  message: 'Line one\nline two\n\n<img src=x>',
  expiresAt: null,
};
const silentLog = { warn: () => {}, error: () => {} };

/** The delivery rule of the store (sent once; replaced links skipped), over a map. */
function memoryStore() {
  const rows = new Map<
    string,
    { tokenHash: string; status: 'pending' | 'sent' | 'failed'; attempts: number }
  >();
  const store: Pick<PitchStore, 'deliver'> = {
    async deliver(recipientId, hash, _now, send) {
      const row = rows.get(recipientId);
      if (!row || row.status === 'sent' || row.tokenHash !== hash) return 'skipped';
      const sent = await send(facts);
      row.status = sent ? 'sent' : 'failed';
      row.attempts++;
      return row.status;
    },
  };
  return { rows, store };
}

describe('pitch e-mails', () => {
  it('seal a link for one recipient: it opens only with the key, for that recipient, unaltered', () => {
    const recipient = randomUUID();
    const link = `https://karaoke.test/p/${'A'.repeat(43)}`;
    const sealed = sealLink(key, recipient, link);
    expect(sealed).not.toContain('AAAA');
    expect(openLink(key, recipient, sealed)).toBe(link);
    expect(openLink(randomBytes(32), recipient, sealed)).toBeNull();
    expect(openLink(key, randomUUID(), sealed)).toBeNull();
    // Another first character, whatever the first one is: one flipped byte of the sealed value.
    expect(openLink(key, recipient, `${sealed.startsWith('B') ? 'C' : 'B'}${sealed.slice(1)}`)).toBeNull();
    expect(openLink(key, recipient, 'short')).toBeNull();
  });

  it('say who sent what, with the link, the owner text escaped in HTML', () => {
    const mail = pitchMail(facts, 'https://karaoke.test/p/abc');
    expect(mail).toMatchObject({ to: 'ann@label.test', subject: 'Songs for you: Demo <script>' });
    expect(mail.text).toContain('https://karaoke.test/p/abc');
    expect(mail.text).toContain('Hello Ann <b>,');
    expect(mail.html).toContain('Demo &lt;script&gt;');
    expect(mail.html).toContain('Line one<br>line two');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).not.toContain('<script');
  });

  it('a refused e-mail is recorded as failed and queued sealed; the retry sends it, once', async () => {
    const { rows, store } = memoryStore();
    const recipientId = randomUUID();
    const token = 'T'.repeat(43);
    rows.set(recipientId, { tokenHash: tokenHash(token), status: 'pending', attempts: 0 });
    const sent: Mail[] = [];
    let sesUp = false;
    const queued: PitchMailRetry[] = [];
    const delivery = createPitchDelivery({
      store,
      sender: {
        async send(mail) {
          if (!sesUp) throw new Error('MessageRejected');
          sent.push(mail);
        },
      },
      sealKey: key,
      sendTimeoutMs: 1000,
      log: silentLog,
      issuing: {
        publicBaseUrl: 'https://karaoke.test/',
        retries: { enqueue: async (retry) => void queued.push(retry) },
      },
    });
    await delivery.sendAll(facts.pitchId, [{ recipientId, token }]);
    expect(rows.get(recipientId)?.status).toBe('failed');
    expect(queued).toHaveLength(1);
    expect(JSON.stringify(queued)).not.toContain(token);
    const [retry] = queued as [PitchMailRetry];
    await expect(delivery.retry(retry)).rejects.toThrow(/tried again/);
    sesUp = true;
    expect(await delivery.retry(retry)).toBe('sent');
    expect(await delivery.retry(retry)).toBe('skipped');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toContain(`https://karaoke.test/p/${token}`);
    expect(rows.get(recipientId)).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('a slow SES counts as failed within the send timeout; a queue that is down is logged, not thrown', async () => {
    const { rows, store } = memoryStore();
    const recipientId = randomUUID();
    rows.set(recipientId, { tokenHash: tokenHash('x'), status: 'pending', attempts: 0 });
    const errors: string[] = [];
    const delivery = createPitchDelivery({
      store,
      sender: {
        send: (_mail, signal) =>
          new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      },
      sealKey: key,
      sendTimeoutMs: 50,
      log: { warn: () => {}, error: (message: string) => void errors.push(message) },
      issuing: {
        publicBaseUrl: 'https://karaoke.test',
        retries: {
          enqueue: async () => {
            throw new Error('queue down');
          },
        },
      },
    });
    const started = Date.now();
    await delivery.sendAll(facts.pitchId, [{ recipientId, token: 'x' }]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(rows.get(recipientId)?.status).toBe('failed');
    expect(errors).toEqual(['pitch e-mail retry not queued']);
  });

  it('a retry of a link replaced since sends nothing', async () => {
    const { rows, store } = memoryStore();
    const recipientId = randomUUID();
    rows.set(recipientId, { tokenHash: tokenHash('new'), status: 'pending', attempts: 0 });
    const delivery = createPitchDelivery({
      store,
      sender: { send: async () => expect.fail('must not send') },
      sealKey: key,
      sendTimeoutMs: 50,
      log: silentLog,
    });
    const retry = {
      v: 1 as const,
      pitchId: facts.pitchId,
      recipientId,
      sealedLink: sealLink(key, recipientId, 'https://k.test/p/old'),
    };
    expect(await delivery.retry(retry)).toBe('skipped');
    await expect(delivery.sendAll(facts.pitchId, [])).rejects.toThrow(/only retries/);
  });
});
