import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipNonCode } from './db/named-params.ts';
import type { Db } from './db/port.ts';
import { DatabaseError } from './errors.ts';

export interface Migration {
  /** File name, e.g. `0003_outbox.sql`; the order is the name's order. */
  name: string;
  sql: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;

// One number for every migration runner of this schema, so concurrent cold starts queue up.
const MIGRATION_LOCK = 727_001;

export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((name) => MIGRATION_FILE.test(name))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
}

/**
 * Splits a script into statements on top-level `;`, leaving semicolons inside literals, quoted
 * identifiers, comments and dollar-quoted bodies (function definitions) alone. The RDS Data API
 * runs one statement per call, so the runner cannot hand PostgreSQL the whole file.
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < script.length) {
    const skipped = skipNonCode(script, i);
    if (skipped > i) {
      i = skipped;
      continue;
    }
    if (script[i] === ';') {
      statements.push(script.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  statements.push(script.slice(start));
  return statements.map((statement) => statement.trim()).filter((statement) => hasCode(statement));
}

function hasCode(statement: string): boolean {
  let i = 0;
  while (i < statement.length) {
    const skipped = skipNonCode(statement, i);
    if (skipped > i && (statement.startsWith('--', i) || statement.startsWith('/*', i))) {
      i = skipped;
      continue;
    }
    if (!/\s/.test(statement[i] ?? '')) return true;
    i++;
  }
  return false;
}

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

/**
 * Applies, in name order, each migration not yet recorded in `schema_migrations`. Each migration
 * runs in its own transaction together with its record, so a failing statement leaves neither
 * half a migration nor a record of it. A recorded migration whose file changed is an error: fix
 * forward with a new file instead.
 */
export async function runMigrations(
  db: Db,
  migrations: Migration[],
  log: (line: string) => void = () => {},
): Promise<MigrationResult> {
  await db.execute(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const statements = splitStatements(migration.sql);
    const applied = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(:lock)', { lock: MIGRATION_LOCK });
      const [recorded] = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE name = :name',
        { name: migration.name },
      );
      if (recorded) {
        if (recorded.checksum !== checksum(migration.sql)) {
          throw new DatabaseError(
            `migration ${migration.name} was changed after it was applied; add a new migration instead of editing it`,
          );
        }
        return false;
      }
      for (const [index, statement] of statements.entries()) {
        try {
          await tx.execute(statement);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          const sqlState = error instanceof DatabaseError ? error.sqlState : undefined;
          throw new DatabaseError(
            `migration ${migration.name}, statement ${index + 1} failed: ${reason}`,
            sqlState,
            {
              cause: error,
            },
          );
        }
      }
      await tx.execute('INSERT INTO schema_migrations (name, checksum) VALUES (:name, :checksum)', {
        name: migration.name,
        checksum: checksum(migration.sql),
      });
      return true;
    });
    (applied ? result.applied : result.alreadyApplied).push(migration.name);
    if (applied) log(`migration ${migration.name} applied`);
  }
  return result;
}
