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
  const checked = schema
    .regex(options.lineBreaks ? NO_CONTROLS_BUT_LINE_BREAKS : NO_CONTROLS, UNSTORABLE_TEXT)
    .refine((value) => value.isWellFormed(), UNSTORABLE_TEXT) as T;
  // A trimmed field of at least one character takes no text that is only spaces: the description
  // says so too, so a client (or a tester) reading it does not send one.
  const trims = schema.safeParse(' a ').data === 'a';
  // `openapi` is there once `@hono/zod-openapi` is loaded, as in every module that describes routes.
  if (!trims || (schema.minLength ?? 0) < 1 || typeof checked.openapi !== 'function') return checked;
  const controls = options.lineBreaks ? LINE_BREAK_CONTROLS : CONTROL_CHARACTERS_CLASS;
  return checked.openapi({
    pattern: `^[^${controls}]*[^${controls}${WHITESPACE_CLASS}][^${controls}]*$`,
  }) as unknown as T;
}

/** What `String.prototype.trim` takes away, spelled out: `\\s` differs between regex dialects. */
const WHITESPACE_CLASS =
  '\\t\\n\\v\\f\\r \\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF';
const LINE_BREAK_CONTROLS = '\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F';

/**
 * The control characters {@link isStorableText} refuses, as a pattern the API description carries
 * (C0 and C1 spelled out: `\p{Cc}` is no pattern every API tool reads). Unpaired surrogates, which no
 * portable pattern can name, are refused by a check of their own.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: naming the control characters is the point
const NO_CONTROLS = /^[^\x00-\x1F\x7F-\x9F]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: naming the control characters is the point
const NO_CONTROLS_BUT_LINE_BREAKS = /^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$/;

/**
 * The invisible format characters (Unicode category Cf) of the Basic Multilingual Plane, as the
 * inside of a pattern's character class: for a field that refuses them to say so in its description.
 */
export const FORMAT_CHARACTERS_CLASS =
  '\\xAD\\u0600-\\u0605\\u061C\\u06DD\\u070F\\u0890\\u0891\\u08E2\\u180E\\u200B-\\u200F\\u202A-\\u202E' +
  '\\u2060-\\u2064\\u2066-\\u206F\\uFEFF\\uFFF9-\\uFFFB';
/** The control characters no text field stores, as the inside of a pattern's character class. */
export const CONTROL_CHARACTERS_CLASS = '\\x00-\\x1F\\x7F-\\x9F';
