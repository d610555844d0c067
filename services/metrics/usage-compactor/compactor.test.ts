import { describe, expect, it } from 'vitest';
import { createLogger } from '#lib/log';
import { usageEvent } from '../contract.ts';
import { partKey } from '../lake/keys.ts';
import { decodeUsageParquet, encodeUsageParquet } from '../lake/parquet.ts';
import { usageRow } from '../lake/rows.ts';
import { memoryLake } from '../lake/testing.ts';
import { createUsageCompactor, daysToCompact } from './compactor.ts';

const log = createLogger({ serviceName: 'test', level: 'SILENT', environment: 'test' });
const DAY = '2026-12-04';

const search = (n: number) =>
  usageEvent({
    type: 'search.performed',
    occurredAt: new Date(Date.parse(`${DAY}T00:00:00Z`) + n * 1000).toISOString(),
    actor: { kind: 'anonymous', id: null },
    subject: { kind: 'search', id: `q${n % 7}` },
    props: { query: `q${n % 7}`, filters: {}, resultCount: n % 3, latencyMs: 5, cached: false },
  });

/** `files` archiver files of `perFile` events each; the last event of each file is also in the next. */
function seed(lake: ReturnType<typeof memoryLake>['lake'], files: number, perFile: number) {
  const events = Array.from({ length: files * perFile }, (_, n) => search(n));
  return Promise.all(
    Array.from({ length: files }, (_, file) => {
      const slice = events.slice(file * perFile, (file + 1) * perFile + (file < files - 1 ? 1 : 0));
      return lake.put(
        partKey(DAY, 'search.performed', [`m${file}`]),
        encodeUsageParquet(slice.map(usageRow)),
      );
    }),
  ).then(() => events);
}

async function rowsOf(objects: Map<string, Uint8Array>) {
  const rows = [];
  for (const body of objects.values()) rows.push(...(await decodeUsageParquet(body)));
  return rows;
}

describe('usage compaction', () => {
  it("merges a day's small files into one, one row per event, none lost", async () => {
    const { lake, objects } = memoryLake();
    const events = await seed(lake, 20, 30);
    const report = await createUsageCompactor({ lake, log, maxRowsPerFile: 10_000 }).compactDay(DAY);
    expect(report).toMatchObject({ partitions: 1, inputFiles: 20, rows: 600, outputFiles: 1 });
    expect([...objects.keys()]).toEqual([
      expect.stringMatching(/event_type=search\.performed\/compacted-[0-9a-f]{32}-0\.parquet$/),
    ]);
    const rows = await rowsOf(objects);
    expect(rows.map((row) => row.event_id).sort()).toEqual(events.map((event) => event.eventId).sort());
  });

  it('splits a large day into files of at most the row limit, and a rerun changes nothing', async () => {
    const { lake, objects } = memoryLake();
    await seed(lake, 10, 100);
    const compactor = createUsageCompactor({ lake, log, maxRowsPerFile: 300 });
    expect(await compactor.compactDay(DAY)).toMatchObject({ rows: 1000, outputFiles: 4 });
    const first = new Map(objects);
    expect(await compactor.compactDay(DAY)).toMatchObject({ partitions: 0, rows: 0 });
    expect(objects).toEqual(first);
    expect(new Set((await rowsOf(objects)).map((row) => row.event_id)).size).toBe(1000);
  });

  it('interrupted after writing and before deleting, or midway through writing, a rerun loses and doubles nothing', async () => {
    for (const faults of [{ failRemoves: 1 }, { failPuts: 1, failPutsAfter: 12 }]) {
      const { lake, objects, failures } = memoryLake(faults);
      const events = await seed(lake, 10, 50);
      const compactor = createUsageCompactor({ lake, log, maxRowsPerFile: 200 });
      await expect(compactor.compactDay(DAY)).rejects.toThrow('bucket unavailable');
      expect(failures.removes + failures.puts).toBe(1);
      // Between the two runs every event is still there (some twice, which distinct counts ignore).
      expect(new Set((await rowsOf(objects)).map((row) => row.event_id)).size).toBe(500);
      await compactor.compactDay(DAY);
      const rows = await rowsOf(objects);
      expect(rows).toHaveLength(500);
      expect(rows.map((row) => row.event_id).sort()).toEqual(events.map((event) => event.eventId).sort());
      expect([...objects.keys()].every((key) => key.includes('/compacted-'))).toBe(true);
    }
  });

  it('leaves a file the archiver writes during the run for the next run', async () => {
    const { lake, objects } = memoryLake();
    await seed(lake, 3, 10);
    const late = search(999);
    const racing = {
      ...lake,
      async list(prefix: string) {
        const listed = await lake.list(prefix);
        await lake.put(partKey(DAY, 'search.performed', ['late']), encodeUsageParquet([usageRow(late)]));
        return listed;
      },
    };
    await createUsageCompactor({ lake: racing, log, maxRowsPerFile: 1000 }).compactDay(DAY);
    expect((await rowsOf(objects)).map((row) => row.event_id)).toContain(late.eventId);
    expect(new Set((await rowsOf(objects)).map((row) => row.event_id)).size).toBe(31);
  });

  it('compacts the two last complete days', () => {
    expect(daysToCompact(new Date('2026-12-05T03:00:00Z'))).toEqual(['2026-12-03', '2026-12-04']);
  });
});
