import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { escapeHtml } from '#lib/html';
import type { Logger } from '#lib/log';
import { tokenHash } from './domain/pitch-links.ts';
import type { DeliveryFacts, PitchStore } from './pitch-repo.ts';

/**
 * E-mailing each pitch recipient their link.
 *
 * The token exists in clear only in the request that issued it: the database keeps its hash. So
 * the e-mails are sent right after the pitch (or a new link) is committed, in parallel and within
 * a time bound, and each recipient's `deliveryStatus` becomes `sent` or `failed`. A failed one is
 * queued for a retry (SQS `pitch-mail`, delayed) with its link sealed under AES-256-GCM, so neither
 * the database nor the queue ever holds a working link in clear; the `pitch-mailer` consumer opens
 * it and tries again until SQS gives up (then the dead-letter queue). Every attempt takes the
 * recipient's row lock and skips a recipient already `sent`, one whose link was replaced or revoked
 * since, or whose pitch has expired, so duplicates and retries send at most once per link.
 */

/** One e-mail, as the sender sends it. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends e-mail (SES). Rejects when the mail was not accepted. */
export interface MailSender {
  send(mail: Mail, signal: AbortSignal): Promise<void>;
}

/** An e-mail to try again later, its link sealed. */
export const PitchMailRetry = z
  .object({
    v: z.literal(1),
    pitchId: z.uuid(),
    recipientId: z.uuid(),
    /** The link under AES-256-GCM: base64url of iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes). */
    sealedLink: z.string().min(40).max(4000),
  })
  .strict();
export type PitchMailRetry = z.infer<typeof PitchMailRetry>;

/** Where failed sends wait for their retry (SQS `pitch-mail`, with a delay). */
export interface MailRetryQueue {
  enqueue(retry: PitchMailRetry): Promise<void>;
}

/** A link as it was issued: the token in clear, only in memory. */
export interface IssuedLink {
  recipientId: string;
  token: string;
}

export type DeliveryOutcome = 'sent' | 'failed' | 'skipped';

export interface PitchDelivery {
  /**
   * Sends each link now, all at once, each within the send timeout. Never rejects: a failure is
   * recorded as `failed` and queued for a retry (a queue that cannot take it is logged).
   */
  sendAll(pitchId: string, links: readonly IssuedLink[]): Promise<void>;
  /** One queued retry. Rejects when the mail was not sent, so the queue delivers it again. */
  retry(message: PitchMailRetry): Promise<DeliveryOutcome>;
}

/** The token of a link `…/p/<token>` (what the database knows it by, as a hash). */
const tokenOf = (link: string) => link.slice(link.lastIndexOf('/p/') + 3);

const IV_BYTES = 12;
const TAG_BYTES = 16;
const aad = (recipientId: string) => Buffer.from(`pitch-link:${recipientId}`, 'utf8');

/** Seals a recipient's link (bound to that recipient: it does not open under another id). */
export function sealLink(key: Buffer, recipientId: string, link: string, iv = randomBytes(IV_BYTES)): string {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(recipientId));
  const sealed = Buffer.concat([cipher.update(link, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** The link, or null when `sealed` was not sealed under `key` for `recipientId` (or was altered). */
export function openLink(key: Buffer, recipientId: string, sealed: string): string | null {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(aad(recipientId));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return null;
  }
}

/** The e-mail a recipient gets: the pitch's title and message (as plain text, escaped in HTML) and their link. */
export function pitchMail(facts: DeliveryFacts, link: string): Mail {
  const greeting = facts.name ? `Hello ${facts.name},` : 'Hello,';
  const until = facts.expiresAt ? `The link works until ${new Date(facts.expiresAt).toUTCString()}.` : '';
  const text = [
    greeting,
    '',
    `Songs have been pitched to you: "${facts.title}".`,
    ...(facts.message ? ['', facts.message] : []),
    '',
    `Listen here: ${link}`,
    '',
    `This link is yours alone; please do not forward it. ${until}`.trim(),
  ].join('\n');
  const paragraphs = (value: string) =>
    value
      .split(/\n{2,}/)
      .map((part) => `<p>${escapeHtml(part).replace(/\n/g, '<br>')}</p>`)
      .join('');
  const html = [
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>Songs have been pitched to you: <strong>${escapeHtml(facts.title)}</strong>.</p>`,
    facts.message ? paragraphs(facts.message) : '',
    `<p><a href="${escapeHtml(link)}">Listen here</a></p>`,
    `<p>This link is yours alone; please do not forward it. ${escapeHtml(until)}</p>`,
  ].join('');
  return { to: facts.email, subject: `Songs for you: ${facts.title}`, text, html };
}

export interface PitchDeliveryDeps {
  store: Pick<PitchStore, 'deliver'>;
  sender: MailSender;
  /** AES-256 key of the sealed links (32 bytes). */
  sealKey: Buffer;
  sendTimeoutMs: number;
  /** What sending new links needs (the service; the pitch-mailer only retries, each retry carrying its link). */
  issuing?: {
    /** The BFF's public address: links are `<base>/p/<token>`. */
    publicBaseUrl: string;
    retries: MailRetryQueue;
  };
  log: Pick<Logger, 'warn' | 'error'>;
  now?: () => Date;
}

export function createPitchDelivery(deps: PitchDeliveryDeps): PitchDelivery {
  const now = deps.now ?? (() => new Date());

  /** One attempt, under the recipient's row lock; `failed` when the sender refused or timed out. */
  const attempt = (recipientId: string, link: string) =>
    deps.store.deliver(recipientId, tokenHash(tokenOf(link)), now(), async (facts) => {
      try {
        await deps.sender.send(pitchMail(facts, link), AbortSignal.timeout(deps.sendTimeoutMs));
        return true;
      } catch (error) {
        deps.log.warn('pitch e-mail not sent', {
          'error.message': error instanceof Error ? error.message : String(error),
          'pitch.recipient_id': recipientId,
        });
        return false;
      }
    });

  return {
    async sendAll(pitchId, links) {
      const { issuing } = deps;
      if (!issuing) throw new Error('this delivery only retries: it has no base URL and no retry queue');
      const base = issuing.publicBaseUrl.replace(/\/+$/, '');
      await Promise.all(
        links.map(async ({ recipientId, token }) => {
          const link = `${base}/p/${token}`;
          const outcome = await attempt(recipientId, link).catch((error: unknown) => {
            deps.log.error(
              'pitch e-mail attempt failed',
              error instanceof Error ? error : new Error(String(error)),
            );
            return 'failed' as const;
          });
          if (outcome !== 'failed') return;
          try {
            await issuing.retries.enqueue({
              v: 1,
              pitchId,
              recipientId,
              sealedLink: sealLink(deps.sealKey, recipientId, link),
            });
          } catch (error) {
            // The owner still sees `failed` and can issue a new link, which sends again.
            deps.log.error(
              'pitch e-mail retry not queued',
              error instanceof Error ? error : new Error(String(error)),
            );
          }
        }),
      );
    },

    async retry(message) {
      const link = openLink(deps.sealKey, message.recipientId, message.sealedLink);
      if (link === null) throw new Error('sealed link does not open under the configured key');
      const outcome = await attempt(message.recipientId, link);
      if (outcome === 'failed') throw new Error('pitch e-mail not sent; it will be tried again');
      return outcome;
    },
  };
}
