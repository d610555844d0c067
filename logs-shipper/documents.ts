import type { CloudWatchLogEvent, LogOrigin } from './decode.ts';
import { LOG_FIELDS } from './index-template.ts';

/** One log event ready for Elasticsearch: `_id` is the CloudWatch event id, so a retry cannot duplicate it. */
export interface LogDocument {
  id: string;
  index: string;
  /** The document's `_source` as the JSON text the bulk request carries. */
  json: string;
  /** The line went out as its own text, with the shipper's fields appended (see {@link passesThrough}). */
  passedThrough: boolean;
}

/**
 * Longest line parsed as JSON and indexed in full. CloudWatch Logs accepts events of up to 1 MB,
 * so a longer line never came from it; such a line is indexed as plain text, cut to this length.
 */
export const MAX_LINE_CHARS = 1024 * 1024;

/** What Elasticsearch's default date format (`strict_date_optional_time`) accepts for `@timestamp`. */
const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Lambda's runtime writes `console.*` lines as `<ISO time>\t<request id>\t<LEVEL>\t<message>`;
 * the project's ECS logger writes bare JSON lines.
 */
const LAMBDA_CONSOLE_LINE =
  /^(\d{4}-\d{2}-\d{2}T[^\t]+)\t([^\t]*)\t(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\t([\s\S]*)$/;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const validTimestamp = (value: unknown): value is string =>
  typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value));

/** Daily indices by the CloudWatch timestamp, which is always valid, so one event always lands in one index. */
export function indexFor(prefix: string, timestamp: number): string {
  const day = new Date(timestamp).toISOString().slice(0, 10).replaceAll('-', '.');
  return `${prefix}-${day}`;
}

/**
 * Deepest JSON nesting kept as fields: Elasticsearch's own `index.mapping.depth.limit`. A deeper
 * document is not merely refused: parsing it can overflow Elasticsearch's stack, which stops the node.
 */
export const MAX_JSON_DEPTH = 20;

/** Whether `value` nests objects or arrays deeper than `limit` (iterative: a hostile line cannot overflow ours either). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[object, number]> = [];
  if (typeof value === 'object' && value !== null) stack.push([value, 1]);
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [object, number];
    if (depth > limit) return true;
    // Only objects and arrays are pushed: a flat line (the usual one) allocates nothing here.
    for (const child of Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** `text` (trimmed) as a JSON object, if it is one. */
function parseObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A line may hold an object whose keys all carry its own key as prefix (`error: { 'error.type': … }`,
 * as Powertools filed logged errors before services/lib/log.ts put them at the top, or as any
 * other writer might). Such an object is lifted back to the top, so it lands on the mapped fields.
 */
function hoistPrefixedObjects(line: Record<string, unknown>): Record<string, unknown> {
  let nested = false;
  for (const key in line) {
    if (isPlainObject(line[key])) {
      nested = true;
      break;
    }
  }
  if (!nested) return line;
  // Entries and fromEntries, not assignment: a hostile `__proto__` key stays a plain field.
  return Object.fromEntries(
    Object.entries(line).flatMap(([key, value]) => {
      const inner = isPlainObject(value) ? Object.entries(value) : [];
      const prefixed = inner.length > 0 && inner.every(([name]) => name.startsWith(`${key}.`));
      return prefixed ? inner : [[key, value]];
    }),
  );
}

/** The fields the shipper sets on every document, from the delivery rather than the line. */
const SHIPPER_FIELDS = new Set([
  'event.id',
  'event.ingested',
  'cloud.account.id',
  'aws.cloudwatch.log_group',
  'aws.cloudwatch.log_stream',
  'aws.cloudwatch.timestamp',
]);

const DAY_MS = 86_400_000;

/**
 * Builds the documents of one delivery (see {@link buildDocument} for what each holds). What they
 * share, the delivery's fields and the daily index name, is prepared once, not per line.
 * `passThrough: false` builds the document field by field even where the line could pass through.
 */
export function logDocuments(
  origin: LogOrigin,
  indexPrefix: string,
  ingestedAt: string = new Date().toISOString(),
): (event: CloudWatchLogEvent, options?: { passThrough?: boolean }) => LogDocument {
  const delivery = {
    'event.ingested': ingestedAt,
    'cloud.account.id': origin.owner,
    'aws.cloudwatch.log_group': origin.logGroup,
    'aws.cloudwatch.log_stream': origin.logStream,
  };
  // `"event.ingested":…,"aws.cloudwatch.log_stream":…`, escaped once for every line that passes through.
  const deliveryJson = JSON.stringify(delivery).slice(1, -1);
  let day = Number.NaN;
  let index = '';
  // A delivery's events fall in a few seconds: each second is formatted once (`Date#toISOString`
  // costs more than the rest of a line that passes through), and only its milliseconds per line.
  let second = Number.NaN;
  let secondTime = '';

  return (event, options = {}) => {
    const eventDay = Math.floor(event.timestamp / DAY_MS);
    if (eventDay !== day) {
      day = eventDay;
      index = indexFor(indexPrefix, event.timestamp);
    }
    const eventSecond = Math.floor(event.timestamp / 1000);
    if (eventSecond !== second) {
      second = eventSecond;
      // Up to the `.` before the milliseconds; a year past 9999 (`+010000-…`) ends the same way.
      secondTime = new Date(eventSecond * 1000).toISOString().slice(0, -4);
    }
    const eventTime = `${secondTime}${String(event.timestamp % 1000).padStart(3, '0')}Z`;
    const { line, truncated } = lineOf(event.message);
    const text = truncated ? undefined : line.trim();
    const parsed = text === undefined ? undefined : parseObject(text);
    if (options.passThrough !== false && text !== undefined && parsed && passesThrough(parsed, text)) {
      const provider = 'cloud.provider' in parsed ? '' : ',"cloud.provider":"aws"';
      const json = `${text.slice(0, -1)},"event.id":${JSON.stringify(event.id)},${deliveryJson}${provider},"aws.cloudwatch.timestamp":"${eventTime}"}`;
      return { id: event.id, index, json, passedThrough: true };
    }
    const fields = buildDocument(line, truncated, parsed, eventTime);
    const source: Record<string, unknown> = {
      ...fields,
      'event.id': event.id,
      ...delivery,
      'cloud.provider': fields['cloud.provider'] ?? 'aws',
      'aws.cloudwatch.timestamp': eventTime,
    };
    return { id: event.id, index, json: JSON.stringify(source), passedThrough: false };
  };
}

/** The line without its trailing newline, cut to {@link MAX_LINE_CHARS}. */
function lineOf(message: string): { line: string; truncated: boolean } {
  const line = message.endsWith('\n') ? message.slice(0, message.endsWith('\r\n') ? -2 : -1) : message;
  return line.length > MAX_LINE_CHARS
    ? { line: line.slice(0, MAX_LINE_CHARS), truncated: true }
    : { line, truncated: false };
}

/**
 * Whether a line the project's logger wrote can go to Elasticsearch as its own text, with only the
 * shipper's fields appended: rebuilt field by field it would be the same document, so parsing it
 * into a new object and serialising that again is work for nothing. That holds for a flat object
 * on one line (nothing to lift, nothing too deep, a valid NDJSON line) with a valid `@timestamp`, a
 * `log.level`, a text `message` if any, every mapped field's value fitting its type, and none of
 * the fields the shipper sets. A line Elasticsearch still refuses (a key written twice: `JSON.parse`
 * keeps the last, Elasticsearch refuses the document) is built field by field and sent again.
 */
function passesThrough(parsed: Record<string, unknown>, text: string): boolean {
  if (!validTimestamp(parsed['@timestamp']) || !('log.level' in parsed) || text.includes('\n')) {
    return false;
  }
  for (const key in parsed) {
    const value = parsed[key];
    if (typeof value === 'object' && value !== null) return false;
    if (SHIPPER_FIELDS.has(key)) return false;
    const type = FIELD_TYPES.get(key);
    if (type !== undefined && !fits(type, value)) return false;
  }
  return (
    (parsed.message === undefined || typeof parsed.message === 'string') && parsed['cloud.provider'] !== null
  );
}

/**
 * The fields of one line's document. A JSON object line (what `createLogger` writes) is kept as it
 * is, with its own `@timestamp`; any other line (or JSON nested deeper than {@link MAX_JSON_DEPTH})
 * is wrapped as `message`. A line whose `@timestamp` Elasticsearch would refuse gets the CloudWatch
 * timestamp instead, and keeps the whole line in `event.original`, so nothing is lost and the
 * document still sorts in time. {@link logDocuments} adds where it came from (`cloud.*`,
 * `aws.cloudwatch.*`, `event.id`).
 */
function buildDocument(
  line: string,
  truncated: boolean,
  parsed: Record<string, unknown> | undefined,
  eventTime: string,
): Record<string, unknown> {
  const tags: string[] = truncated ? ['truncated'] : [];
  let fields: Record<string, unknown>;
  const consoleLine = truncated || parsed ? null : LAMBDA_CONSOLE_LINE.exec(line);
  const inner = consoleLine?.[4];
  const object = parsed ?? (inner === undefined ? undefined : parseObject(inner.trim()));
  const json = object && !nestsDeeperThan(object, MAX_JSON_DEPTH) ? object : undefined;
  if (json) {
    fields = hoistPrefixedObjects(json);
  } else if (consoleLine) {
    fields = { '@timestamp': consoleLine[1], message: consoleLine[4] };
  } else {
    fields = { '@timestamp': eventTime, message: line };
  }
  if (consoleLine) {
    fields['log.level'] ??= consoleLine[3]?.toLowerCase();
    if (consoleLine[2]) fields['faas.execution'] ??= consoleLine[2];
  }
  if (!('log.level' in fields) && !isPlainObject(fields.log)) fields['log.level'] = 'info';

  if (!validTimestamp(fields['@timestamp'])) {
    fields['@timestamp'] = eventTime;
    fields['event.original'] = line;
    tags.push('timestamp_replaced');
  }
  // `message` is full text in the mapping; a structured one would make Elasticsearch refuse the line.
  if ('message' in fields && typeof fields.message !== 'string') {
    fields.message = JSON.stringify(fields.message);
  }
  const conflicts = setAsideConflicts(fields);
  if (conflicts) {
    fields.conflicts = { ...(isPlainObject(fields.conflicts) ? fields.conflicts : {}), ...conflicts };
    tags.push(MAPPING_CONFLICT_TAG);
  }
  if (tags.length > 0) {
    const existing = Array.isArray(fields.tags)
      ? fields.tags
      : fields.tags === undefined
        ? []
        : [fields.tags];
    fields.tags = [...existing, ...tags];
  }
  return fields;
}

/** The tag of a document some of whose values did not fit their field's type (see {@link setAsideConflicts}). */
export const MAPPING_CONFLICT_TAG = 'mapping_conflict';

type FieldType = (typeof LOG_FIELDS)[keyof typeof LOG_FIELDS]['type'];
const FIELD_TYPES = new Map<string, FieldType>(
  Object.entries(LOG_FIELDS).map(([name, mapping]) => [name, mapping.type]),
);
const SHORT = 32_767;

const isScalar = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
/** What Elasticsearch coerces into a number field: a number, or a string of a decimal one. */
const asNumber = (value: unknown) =>
  typeof value === 'number'
    ? value
    : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)
      ? Number(value)
      : Number.NaN;

/** Whether Elasticsearch indexes `value` (one value; arrays are checked element by element) as `type`. */
function fits(type: FieldType, value: unknown): boolean {
  if (value === null) return true;
  switch (type) {
    case 'keyword':
    case 'text':
      return isScalar(value);
    case 'long':
      return Number.isFinite(asNumber(value)) && Math.abs(asNumber(value)) <= Number.MAX_SAFE_INTEGER;
    case 'short':
      return Number.isFinite(asNumber(value)) && Math.abs(asNumber(value)) <= SHORT;
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'date':
      // `strict_date_optional_time||epoch_millis`.
      return (
        (typeof value === 'number' && Number.isSafeInteger(value)) ||
        (typeof value === 'string' && /^\d{1,15}$/.test(value)) ||
        validTimestamp(value)
      );
    case 'flattened':
      return isPlainObject(value);
  }
}

/**
 * Moves every value a mapped field cannot take (an object in `url.path`, `"n/a"` as a status code)
 * out of its field into `conflicts`, as the JSON it was: Elasticsearch would otherwise refuse the
 * line (an object in a keyword field) or keep the value unsearchable (`ignore_malformed`). Under
 * `conflicts.<field>` it stays searchable, and the {@link MAPPING_CONFLICT_TAG} tag says which
 * documents to look at. Answers the conflicts, if any; `fields` loses the conflicting values.
 */
export function setAsideConflicts(fields: Record<string, unknown>): Record<string, string> | undefined {
  let conflicts: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(fields)) {
    const type = FIELD_TYPES.get(name);
    if (type === undefined || value === undefined) continue;
    const values = Array.isArray(value) && type !== 'flattened' ? value.flat(Infinity) : [value];
    if (values.every((item) => fits(type, item))) continue;
    conflicts ??= {};
    conflicts[name] = JSON.stringify(value);
    delete fields[name];
  }
  return conflicts;
}

/**
 * The document with `field` set aside as a conflict, for a value Elasticsearch refused that
 * {@link setAsideConflicts} let through; none when the document has no such field (or it is the
 * conflicts themselves), so a refusal is not retried for ever.
 */
export function withConflictSetAside(document: LogDocument, field: string): LogDocument | undefined {
  const { [field]: value, ...rest } = JSON.parse(document.json) as Record<string, unknown>;
  if (value === undefined || field === 'conflicts') return undefined;
  const conflicts = isPlainObject(rest.conflicts) ? rest.conflicts : {};
  const tags = Array.isArray(rest.tags) ? rest.tags : rest.tags === undefined ? [] : [rest.tags];
  const source = {
    ...rest,
    conflicts: { ...conflicts, [field]: JSON.stringify(value) },
    tags: tags.includes(MAPPING_CONFLICT_TAG) ? tags : [...tags, MAPPING_CONFLICT_TAG],
  };
  return { ...document, json: JSON.stringify(source), passedThrough: false };
}
