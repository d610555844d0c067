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
  return schema
    .regex(options.lineBreaks ? NO_CONTROLS_BUT_LINE_BREAKS : NO_CONTROLS, UNSTORABLE_TEXT)
    .refine((value) => value.isWellFormed(), UNSTORABLE_TEXT) as T;
}

/**
 * The control characters {@link isStorableText} refuses, as a pattern the API description carries
 * (C0 and C1 spelled out: `\p{Cc}` is no pattern every API tool reads). Unpaired surrogates, which no
 * portable pattern can name, are refused by a check of their own.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: naming the control characters is the point
const NO_CONTROLS = /^[^\x00-\x1F\x7F-\x9F]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: naming the control characters is the point
const NO_CONTROLS_BUT_LINE_BREAKS = /^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$/;
