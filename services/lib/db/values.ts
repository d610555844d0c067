import type { SqlType } from './port.ts';

/** The PostgreSQL type each typed parameter is cast to, as the Data API does for its type hints. */
export const castFor: Record<SqlType, string> = {
  uuid: 'uuid',
  timestamp: 'timestamp',
  date: 'date',
  json: 'json',
  decimal: 'numeric',
};

/** `2024-05-01 20:15:00.123456` (UTC, as timestamp columns are read) or with an offset → ISO-8601 UTC. */
export function toIsoTimestamp(text: string): string {
  const withT = text.replace(' ', 'T');
  const hasZone = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(withT);
  const normalised = hasZone ? withT.replace(/([+-]\d{2})$/, '$1:00') : `${withT}Z`;
  const date = new Date(normalised);
  if (Number.isNaN(date.getTime())) return text;
  return date.toISOString();
}

/**
 * A timestamp as the Data API's TIMESTAMP type hint wants it: `YYYY-MM-DD HH:MM:SS.sss`, in UTC.
 * A Date, or text with a zone (`Z`, `+02:00`), is converted to UTC; text without a zone is taken as
 * UTC already and only reshaped (`T` → space).
 */
export function toUtcTimestampText(value: string | Date): string {
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(text)) {
      const [day, time = '00:00:00'] = text.split(/[ T]/);
      return `${day} ${time.length === 5 ? `${time}:00` : time}`;
    }
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) return text;
    return toUtcTimestampText(date);
  }
  return value.toISOString().replace('T', ' ').replace('Z', '');
}
