/**
 * The database port. SQL is written with named `:params` (the RDS Data API's own syntax) and runs
 * unchanged through either adapter: `pgDb` (node-postgres, local and tests) or `dataApiDb`
 * (Aurora through the RDS Data API).
 *
 * Result values are normalised the same way by both adapters, so code above the port never sees
 * which one it talks to:
 * - smallint/integer/bigint → number (bigint beyond 2^53 is not supported: our ids are uuids and
 *   versions come from a sequence that will not get there)
 * - real/double → number; numeric → string (exact)
 * - boolean → boolean; text/varchar/uuid → string
 * - timestamp/timestamptz → ISO-8601 string in UTC (`2024-05-01T20:15:00.000Z`); date → `YYYY-MM-DD`
 * - json/jsonb → the parsed value; text[]/int[] → arrays
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type SqlType = 'uuid' | 'timestamp' | 'date' | 'json' | 'decimal';

/** A parameter with an explicit SQL type, for values JavaScript cannot tell apart (a uuid is a string). */
export interface TypedParam {
  readonly sqlType: SqlType;
  readonly value: string | null;
}

/**
 * A bound value. Date → timestamp; plain objects and arrays → json (the Data API has no array
 * parameters, so arrays travel as json and SQL unpacks them, e.g. `jsonb_array_elements_text`).
 */
export type SqlValue = string | number | bigint | boolean | null | Date | TypedParam | JsonValue[] | object;

export type Params = Record<string, SqlValue | undefined>;

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one statement and returns its rows (empty for statements without RETURNING). */
  query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]>;
  /** Runs one statement and returns the number of rows it changed. */
  execute(sql: string, params?: Params): Promise<number>;
  /** Runs one statement once per parameter set, as one batch. */
  batch(sql: string, paramSets: Params[]): Promise<void>;
}

export interface Db extends Queryable {
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws (the
   * error is rethrown). Statements inside must use the `tx` given, not the outer `Db`.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function typed(sqlType: SqlType) {
  return (value: string | Date | null | undefined): TypedParam => ({
    sqlType,
    value: value == null ? null : value instanceof Date ? value.toISOString() : value,
  });
}

/** Explicitly typed parameters: `sql.uuid(id)`, `sql.decimal('1.50')`, `sql.json(value)`. */
export const sql = {
  uuid: typed('uuid'),
  timestamp: typed('timestamp'),
  date: typed('date'),
  decimal: (value: string | number | null) => typed('decimal')(value == null ? null : String(value)),
  json: (value: unknown): TypedParam => ({
    sqlType: 'json',
    value: value === undefined ? null : JSON.stringify(value),
  }),
};

export function isTypedParam(value: unknown): value is TypedParam {
  return (
    typeof value === 'object' &&
    value !== null &&
    'sqlType' in value &&
    'value' in value &&
    Object.keys(value).length === 2
  );
}
