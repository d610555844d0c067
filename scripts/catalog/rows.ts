import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { CreateSong } from '#services/catalog/contract';

export type CatalogRow =
  | { ok: true; line: number; song: CreateSong }
  | { ok: false; line: number; problems: string[] };

/** One CSV record, as the sample catalog spells its columns. */
function toSong(record: Record<string, string>): unknown {
  const number = (value: string | undefined) =>
    value === undefined || value.trim() === '' ? null : Number(value);
  const firstWeek = record.first_week?.trim() || null;
  return {
    title: record.title,
    artist: record.artist,
    firstWeek,
    year: firstWeek ? Number(firstWeek.slice(0, 4)) : null,
    peak: number(record.peak),
    weeks: number(record.weeks),
  };
}

/**
 * Streams a catalog CSV (header `title,artist,first_week,peak,weeks`) and validates each row with
 * the same schema the API uses. Bad rows come back with their line number and every problem,
 * and reading goes on.
 */
export async function* readCatalog(path: string): AsyncGenerator<CatalogRow> {
  const parser = createReadStream(path).pipe(
    parse({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, info: true }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    const result = CreateSong.safeParse(toSong(record));
    if (result.success) yield { ok: true, line: info.lines, song: result.data };
    else {
      yield {
        ok: false,
        line: info.lines,
        problems: result.error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`),
      };
    }
  }
}
