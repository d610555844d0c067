import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pgDb } from '#lib/db/pg';
import type { Db } from '#lib/db/port';
import { DatabaseError } from '#lib/errors';
import { readMigrations, runMigrations } from '#lib/migrate';
import { MIGRATIONS_DIR } from '#scripts/local/bootstrap';
import { createScratchDatabase } from '../support/scratch-db.ts';

let db: Db;
let drop: () => Promise<void>;

beforeAll(async () => {
  const scratch = await createScratchDatabase(inject('databaseUrl'));
  drop = scratch.drop;
  db = pgDb({ connectionString: scratch.url });
});

afterAll(async () => {
  await db.close();
  await drop();
});

const tables = async () =>
  (
    await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    )
  ).map((row) => row.table_name);

describe('runMigrations on PostgreSQL', () => {
  it('applies pending migrations once, in name order, and records them', async () => {
    const migrations = [
      { name: '0002_b.sql', sql: 'ALTER TABLE a ADD COLUMN label text;' },
      { name: '0001_a.sql', sql: 'CREATE TABLE a (id int PRIMARY KEY);' },
    ].sort((x, y) => x.name.localeCompare(y.name));
    const first = await runMigrations(db, migrations);
    expect(first).toEqual({ applied: ['0001_a.sql', '0002_b.sql'], alreadyApplied: [] });
    const again = await runMigrations(db, migrations);
    expect(again).toEqual({ applied: [], alreadyApplied: ['0001_a.sql', '0002_b.sql'] });
    await db.execute('INSERT INTO a (id, label) VALUES (1, :label)', { label: 'x' });
    expect(await tables()).toEqual(['a', 'schema_migrations']);
  });

  it('leaves no half-applied migration and no record when a statement fails', async () => {
    const broken = {
      name: '0003_broken.sql',
      sql: 'CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nSELECT * FROM no_such_table;',
    };
    const error = await runMigrations(db, [broken]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).message).toMatch(/0003_broken\.sql, statement 3 failed/);
    expect((error as DatabaseError).sqlState).toBe('42P01');
    expect(await tables()).not.toContain('half');
    expect(
      await db.query('SELECT name FROM schema_migrations WHERE name = :name', { name: broken.name }),
    ).toEqual([]);
  });

  it('refuses a migration edited after it was applied', async () => {
    await expect(
      runMigrations(db, [{ name: '0001_a.sql', sql: 'CREATE TABLE a (id bigint PRIMARY KEY);' }]),
    ).rejects.toThrow(/0001_a\.sql was changed after it was applied/);
  });

  it('keeps a plpgsql function with semicolons whole', async () => {
    await runMigrations(db, [
      {
        name: '0004_function.sql',
        sql: `CREATE FUNCTION twice(n int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN n * 2; -- one statement; not two
END;
$$;`,
      },
    ]);
    expect(await db.query('SELECT twice(21) AS answer')).toEqual([{ answer: 42 }]);
  });

  it('lets concurrent runners apply each migration exactly once', async () => {
    const migration = { name: '0005_counter.sql', sql: 'CREATE TABLE counter (n int);' };
    const results = await Promise.all([runMigrations(db, [migration]), runMigrations(db, [migration])]);
    expect(results.flatMap((result) => result.applied)).toEqual(['0005_counter.sql']);
  });

  it('applies the repository migrations to an empty database', async () => {
    const result = await runMigrations(db, readMigrations(MIGRATIONS_DIR));
    expect(result.applied.length).toBeGreaterThan(0);
    const [row] = await db.query<{ v: number }>("SELECT nextval('change_version_seq') AS v");
    expect(typeof row?.v).toBe('number');
  });
});
