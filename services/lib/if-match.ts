import { z } from '@hono/zod-openapi';
import { ValidationError } from './errors.ts';

/** One entity-tag of a conditional request header (RFC 9110 §8.8.3): `"abc"` or weak `W/"abc"`. */
export interface EntityTag {
  weak: boolean;
  /** What is between the quotes. */
  opaque: string;
}

/**
 * One list element of `If-Match`: optional whitespace, an entity-tag or nothing (the list syntax
 * of RFC 9110 §5.6.1 allows empty elements), optional whitespace, then a comma or the end.
 * `etagc` is any visible character but the double quote, so a comma may sit inside a tag; of
 * obs-text only what is no C1 control character (U+0080–U+009F), as no text field takes one.
 */
const ELEMENT = /[\t ]*(?:(W\/)?"([\x21\x23-\x7E\xA0-\xFF]*)")?[\t ]*(?:,|$)/y;

const ENTITY_TAG = '(?:W/)?"[\\x21\\x23-\\x7E\\xA0-\\xFF]*"';

/**
 * What {@link parseIfMatch} accepts, as one pattern: `*`, or a list with at least one entity-tag,
 * empty elements allowed. Written for both ECMAScript and the regex dialects API tools use.
 */
export const IF_MATCH_PATTERN = new RegExp(
  `^[\\t ]*(?:\\*|(?:,[\\t ]*)*${ENTITY_TAG}[\\t ]*(?:,[\\t ]*(?:${ENTITY_TAG}[\\t ]*)?)*)[\\t ]*$`,
);

/**
 * The optional `If-Match` header of a conditional write, for a route's `request.headers`: a value
 * that is not an entity-tag list is a 400 at validation, and the description says what is valid.
 */
export const ifMatchHeader = (description: string, maxLength = 200) =>
  z.object({
    'if-match': z
      .string()
      .max(maxLength)
      .regex(IF_MATCH_PATTERN, 'must be * or a list of quoted ETags from a previous read, e.g. "12"')
      .optional()
      .openapi({ description }),
  });

/**
 * The optional `If-None-Match` header of a conditional read: the same list syntax as `If-Match`
 * (RFC 9110 §13.1.2), so a value that is no entity-tag list is a 400 at validation too.
 */
export const ifNoneMatchHeader = (description: string, maxLength = 200) =>
  z.object({
    'if-none-match': z
      .string()
      .max(maxLength)
      .regex(IF_MATCH_PATTERN, 'must be * or a list of quoted ETags from a previous read, e.g. "12"')
      .optional()
      .openapi({ description }),
  });

/**
 * The `If-Match` header as RFC 9110 §13.1.1 reads it: `*` (any current representation), or the
 * list of entity-tags the client will accept; undefined when there is no header. A value that is
 * neither is a 400 that says what a valid one looks like.
 */
export function parseIfMatch(header: string | undefined): '*' | EntityTag[] | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  ELEMENT.lastIndex = 0;
  while (ELEMENT.lastIndex < header.length) {
    const start = ELEMENT.lastIndex;
    const element = ELEMENT.exec(header);
    if (element === null || ELEMENT.lastIndex === start) throw malformed();
    if (element[2] !== undefined) tags.push({ weak: element[1] !== undefined, opaque: element[2] });
  }
  if (tags.length === 0) throw malformed();
  return tags;
}

/**
 * Whether an `If-Match` lets a write proceed on a resource whose current entity-tag is
 * `"<current>"`: `*` and no header always do; a list does when one of its tags matches by the
 * strong comparison (neither weak, same opaque text), since If-Match never compares weakly.
 */
export function ifMatchAllows(condition: '*' | readonly EntityTag[] | undefined, current: string): boolean {
  if (condition === undefined || condition === '*') return true;
  return condition.some((tag) => !tag.weak && tag.opaque === current);
}

const malformed = () =>
  new ValidationError('If-Match must be * or a list of quoted ETags from a previous read, e.g. "12".', [
    { path: 'If-Match', message: 'not an entity-tag list' },
  ]);
