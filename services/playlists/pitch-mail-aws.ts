import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '#lib/aws';
import type { Logger } from '#lib/log';
import type { Tracer } from '#lib/trace';
import type { PitchMailerConfig } from './config.ts';
import {
  createPitchDelivery,
  type MailRetryQueue,
  type MailSender,
  type PitchDeliveryDeps,
} from './pitch-mail.ts';
import type { PitchStore } from './pitch-repo.ts';

/** Sends through SES (v2 SendEmail) from `from`, which must be a verified identity (or its domain). */
export function sesMailSender(ses: SESv2Client, from: string): MailSender {
  return {
    async send(mail, signal) {
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [mail.to] },
          Content: {
            Simple: {
              Subject: { Data: mail.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: mail.text, Charset: 'UTF-8' },
                Html: { Data: mail.html, Charset: 'UTF-8' },
              },
            },
          },
        }),
        { abortSignal: signal },
      );
    },
  };
}

/** Queues retries on SQS `pitch-mail`, each visible after `delaySeconds` (at most 900). */
export function sqsMailRetryQueue(sqs: SQSClient, queueUrl: string, delaySeconds: number): MailRetryQueue {
  return {
    async enqueue(retry) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(retry),
          DelaySeconds: delaySeconds,
        }),
      );
    },
  };
}

/**
 * The delivery rule over SES, as the service (sending new links, queueing failures: `issuing`) and
 * the pitch-mailer (retrying) use it.
 */
export function sesPitchDelivery(
  config: PitchMailerConfig,
  store: PitchStore,
  log: Logger,
  tracer: Tracer,
  issuing?: PitchDeliveryDeps['issuing'],
) {
  // One attempt per send: a failed e-mail is retried through the queue, not inside the request.
  const ses = tracer.captureClient(new SESv2Client({ ...awsClientConfig(config), maxAttempts: 1 }));
  return {
    delivery: createPitchDelivery({
      store,
      sender: sesMailSender(ses, config.PITCH_MAIL_FROM),
      sealKey: config.PITCH_MAIL_KEY,
      sendTimeoutMs: config.PITCH_MAIL_SEND_TIMEOUT_MS,
      log,
      ...(issuing ? { issuing } : {}),
    }),
    close: () => ses.destroy(),
  };
}
