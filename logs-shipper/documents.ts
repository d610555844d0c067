import type { CloudWatchLogEvent, LogOrigin } from './decode.ts';
import { LOG_FIELDS } from './index-template.ts';

/** One log event ready for Elasticsearch: `_id` is the CloudWatch event id, so a retry cannot duplicate it. */
export interface LogDocument {
  id: string;
  index: string;
  source: Record<string, unknown>;
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

const DAY_MS = 86_400_000;
/** The last day's index name: the events of a delivery almost always share their day. */
let lastIndex = { prefix: '', day: Number.NaN, name: '' };

function dailyIndex(prefix: string, timestamp: number): string {
  const day = Math.floor(timestamp / DAY_MS);
  if (lastIndex.day !== day || lastIndex.prefix !== prefix) {
    lastIndex = { prefix, day, name: indexFor(prefix, timestamp) };
  }
  return lastIndex.name;
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

function parseObject(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return isPlainObject(parsed) && !nestsDeeperThan(parsed, MAX_JSON_DEPTH) ? parsed : undefined;
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

/**
 * Turns one CloudWatch log event into a document. A JSON object line (what `createLogger` writes)
 * is kept as it is, with its own `@timestamp`; any other line (or JSON nested deeper than
 * {@link MAX_JSON_DEPTH}) is wrapped as `message`. Either way
 * the document says where it came from (`cloud.*`, `aws.cloudwatch.*`, `event.id`). A line whose
 * `@timestamp` Elasticsearch would refuse gets the CloudWatch timestamp instead, and keeps the
 * whole line in `event.original`, so nothing is lost and the document still sorts in time.
 */
export function toLogDocument(
  event: CloudWatchLogEvent,
  origin: LogOrigin,
  indexPrefix: string,
  ingestedAt: string = new Date().toISOString(),
): LogDocument {
  const eventTime = new Date(event.timestamp).toISOString();
  const tags: string[] = [];
  let line = event.message.replace(/\r?\n$/, '');
  if (line.length > MAX_LINE_CHARS) {
    line = line.slice(0, MAX_LINE_CHARS);
    tags.push('truncated');
  }

  let fields: Record<string, unknown>;
  const consoleLine = tags.length === 0 ? LAMBDA_CONSOLE_LINE.exec(line) : null;
  const json = tags.length === 0 ? parseObject(consoleLine?.[4] ?? line) : undefined;
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

  const source: Record<string, unknown> = {
    ...fields,
    'event.id': event.id,
    'event.ingested': ingestedAt,
    'cloud.provider': fields['cloud.provider'] ?? 'aws',
    'cloud.account.id': origin.owner,
    'aws.cloudwatch.log_group': origin.logGroup,
    'aws.cloudwatch.log_stream': origin.logStream,
    'aws.cloudwatch.timestamp': eventTime,
  };
  return { id: event.id, index: dailyIndex(indexPrefix, event.timestamp), source };
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
  const { [field]: value, ...rest } = document.source;
  if (value === undefined || field === 'conflicts') return undefined;
  const conflicts = isPlainObject(rest.conflicts) ? rest.conflicts : {};
  const tags = Array.isArray(rest.tags) ? rest.tags : rest.tags === undefined ? [] : [rest.tags];
  return {
    ...document,
    source: {
      ...rest,
      conflicts: { ...conflicts, [field]: JSON.stringify(value) },
      tags: tags.includes(MAPPING_CONFLICT_TAG) ? tags : [...tags, MAPPING_CONFLICT_TAG],
    },
  };
}
