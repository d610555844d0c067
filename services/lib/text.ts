import type { z } from '@hono/zod-openapi';

/**
 * Characters no text field of ours stores: C0 and C1 control characters (NUL first of all, which
 * PostgreSQL's `text` cannot hold at all), except the line breaks and tabs of fields that allow them.
 */
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/u;

export const UNSTORABLE_TEXT = 'must not contain control characters (such as NUL) or unpaired surrogates';

/**
 * Whether every character of `value` can be stored and shown: no control characters (but line
 * breaks and tabs where `lineBreaks`), and no unpaired UTF-16 surrogate, which has no UTF-8 form
 * and would be stored as U+FFFD, so a reader would not get back what was written.
 */
export function isStorableText(value: string, options: { lineBreaks?: boolean } = {}): boolean {
  const control = options.lineBreaks ? CONTROL_BUT_LINE_BREAKS : CONTROL;
  return value.isWellFormed() && !control.test(value);
}

/**
 * The one rule for text that a route or a queue consumer takes: `schema` (its length and trimming
 * as the field needs) refusing what {@link isStorableText} refuses, as a field-level 400.
 */
export function storable<T extends z.ZodString>(schema: T, options: { lineBreaks?: boolean } = {}): T {
  return schema.refine((value) => isStorableText(value, options), UNSTORABLE_TEXT) as unknown as T;
}
