import { z } from 'zod';
import { actorTokenVerifyConfig } from '#lib/actor-token';
import { awsConfig, configFields, dbConfig, type Env, logConfig, parseConfig } from '#lib/config';

/** What sending pitch e-mails needs: who sends, where links point, and the key that seals queued links. */
const pitchMailSettings = z.object({
  /** The SES identity (an address, or one of a verified domain) pitch e-mails come from. */
  PITCH_MAIL_FROM: configFields
    .required('sender address of pitch e-mails, a verified SES identity')
    .pipe(z.email({ error: 'PITCH_MAIL_FROM must be an e-mail address' })),
  /** AES-256-GCM key (32 bytes, base64) sealing links queued for a retry. */
  PITCH_MAIL_KEY: configFields
    .required('32 random bytes, base64, sealing links of e-mails queued for a retry')
    .transform((value) => Buffer.from(value, 'base64'))
    .refine((key) => key.length === 32, 'PITCH_MAIL_KEY must be 32 bytes, base64-encoded'),
  /** Milliseconds one SES call may take before the e-mail counts as failed (and is queued for a retry). */
  PITCH_MAIL_SEND_TIMEOUT_MS: z.coerce.number().int().positive().max(10_000).default(3000),
});

const playlistsSettings = pitchMailSettings.extend({
  /** Where recipients reach the BFF: links are `<PUBLIC_BASE_URL>/p/<token>`. */
  PUBLIC_BASE_URL: configFields
    .url('public URL of the BFF, e.g. https://api.karaoke.example')
    .transform((value) => value.replace(/\/+$/, '')),
  /** Key of the recipients' hash in usage events (recipientHash): at least 32 characters, secret. */
  USAGE_RECIPIENT_KEY: configFields
    .required('secret key of the recipient hash in usage events')
    .refine((key) => key.length >= 32, 'USAGE_RECIPIENT_KEY must be at least 32 characters'),
  /** SQS `pitch-mail`: e-mails that failed, to try again. */
  PITCH_MAIL_QUEUE_URL: configFields.url('URL of the SQS queue pitch-mail'),
  /** Seconds a failed e-mail waits before its retry (SQS DelaySeconds, at most 900). */
  PITCH_MAIL_RETRY_DELAY_SECONDS: z.coerce.number().int().min(0).max(900).default(60),
});

/** Plain HTTP links are for the local stack only. */
const httpsOutsideLocal = (config: { STAGE: string; PUBLIC_BASE_URL: string }, context: z.RefinementCtx) => {
  if (config.STAGE !== 'local' && !config.PUBLIC_BASE_URL.startsWith('https://')) {
    context.addIssue({
      code: 'custom',
      path: ['PUBLIC_BASE_URL'],
      message: 'must be an https URL outside STAGE=local',
    });
  }
};

const playlistsConfigSchema = logConfig
  .and(actorTokenVerifyConfig)
  .and(awsConfig)
  .and(dbConfig)
  .and(playlistsSettings)
  .superRefine(httpsOutsideLocal);
export type PlaylistsConfig = z.infer<typeof playlistsConfigSchema>;

export function loadPlaylistsConfig(env: Env): PlaylistsConfig {
  return parseConfig('playlists', playlistsConfigSchema, env);
}

const pitchMailerConfigSchema = logConfig.and(awsConfig).and(dbConfig).and(pitchMailSettings);
export type PitchMailerConfig = z.infer<typeof pitchMailerConfigSchema>;

/** The pitch-mailer consumer: the same mail settings; no queue to send to (SQS redelivers), no base URL (a retry carries its link). */
export function loadPitchMailerConfig(env: Env): PitchMailerConfig {
  return parseConfig('pitch-mailer', pitchMailerConfigSchema, env);
}
