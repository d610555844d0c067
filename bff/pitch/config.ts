import { z } from 'zod';
import { configFields } from '#lib/config';

/** The BFF's settings for pitch recipients' pages (part of its config). */
export const pitchPageSettings = z.object({
  /**
   * HMAC-SHA256 key of the cookie that keeps a password-protected pitch link unlocked: at least 32
   * characters, secret. Changing it locks every unlocked link again (recipients re-enter the password).
   */
  PITCH_COOKIE_KEY: configFields
    .required('secret key (at least 32 characters) signing pitch unlock cookies')
    .refine((key) => key.length >= 32, 'PITCH_COOKIE_KEY must be at least 32 characters'),
});
