import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Song } from '#services/catalog/contract';
import { songFromFields } from '#services/catalog/song-row';
import { REPO_ROOT } from '../stack.ts';

/** The Billboard Hot 100 sample (see `shared/data/catalog/README.md`), next to the repository. */
export const CATALOG_CSV = join(REPO_ROOT, '..', 'shared', 'data', 'catalog', 'hot100-songs.csv');

export interface CatalogRow {
  title: string;
  artist: string;
  firstWeek: string;
  peak: number;
  weeks: number;
}

/**
 * RFC 4180 CSV: fields separated by commas, records by CRLF or LF; a quoted field may hold commas,
 * line breaks and doubled quotes (`""` → `"`). Returns every record as its list of fields; a
 * trailing line break does not make an empty record.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };
  while (i < text.length) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += char;
      }
      i++;
      continue;
    }
    if (char === '"' && field === '') {
      quoted = true;
    } else if (char === ',') {
      endField();
    } else if (char === '\n' || char === '\r') {
      endRecord();
      if (char === '\r' && text[i + 1] === '\n') i++;
    } else {
      field += char;
    }
    i++;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

/** The catalog rows, checked: every row has the five columns and numbers where numbers belong. */
export function readCatalog(path: string = CATALOG_CSV): CatalogRow[] {
  const [header, ...records] = parseCsv(readFileSync(path, 'utf8'));
  const expected = ['title', 'artist', 'first_week', 'peak', 'weeks'];
  if (header?.join(',') !== expected.join(',')) {
    throw new Error(`${path}: expected the header ${expected.join(',')}, found ${header?.join(',')}`);
  }
  return records.map((fields, index) => {
    const [title, artist, firstWeek, peak, weeks] = fields;
    if (fields.length !== 5 || !title || !artist || !firstWeek || !/^\d{4}-\d{2}-\d{2}$/.test(firstWeek)) {
      throw new Error(`${path}: row ${index + 2} is malformed: ${JSON.stringify(fields)}`);
    }
    return { title, artist, firstWeek, peak: Number(peak), weeks: Number(weeks) };
  });
}

/** A stable id per (title, artist): the name-based UUID (version 5 layout) of the pair. */
export function songId(title: string, artist: string): string {
  const bytes = createHash('sha1').update(`song\u0000${title}\u0000${artist}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The song a catalog import would create from a row: chart facts only, version 1. */
export function songFromRow(row: CatalogRow, version = 1): Song {
  return songFromFields(
    {
      title: row.title,
      artist: row.artist,
      year: Number(row.firstWeek.slice(0, 4)),
      firstWeek: row.firstWeek,
      peak: row.peak,
      weeks: row.weeks,
    },
    { id: songId(row.title, row.artist), version, at: `${row.firstWeek}T00:00:00.000Z` },
  );
}
