import { z } from 'zod';
import { configFields } from '#lib/config';

/** The BFF's usage settings (part of its config). */
export const usageSettings = z.object({
  USAGE_TOPIC_ARN: configFields.required(
    'ARN of the SNS topic "usage" (read events: searches, views, streams)',
  ),
  /**
   * `end-of-invocation` on Lambda (the process is frozen once the handler returns, so queued events
   * are sent, bounded by USAGE_FLUSH_CAP_MS, before it does); `background` for a long-lived server.
   */
  USAGE_FLUSH: z.enum(['background', 'end-of-invocation'], {
    error: "USAGE_FLUSH: 'end-of-invocation' on Lambda, 'background' for a long-lived server",
  }),
  /** `off` records nothing: for measuring what publishing costs a request (npm run bench -- usage). */
  USAGE_EVENTS: z.enum(['on', 'off'], { error: "USAGE_EVENTS: 'on' or 'off'" }).default('on'),
  /** Milliseconds an invocation waits at most for its events to be sent. */
  USAGE_FLUSH_CAP_MS: z.coerce.number().int().min(0).default(50),
});
