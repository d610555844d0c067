import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pgDb } from '#lib/db/pg';
import type { Db } from '#lib/db/port';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';

/**
 * Text no field stores, each sent in every string field of every operation of the API description
 * (path, query and header parameters, body properties at any depth), the rest of the request
 * valid: each must be a 400 whose issues name that field, and none may reach the database. Line
 * breaks and tabs are left out: some fields take them.
 */
const BAD_TEXT: Record<string, string> = {
  NUL: '\u0000',
  BEL: '\u0007',
  ESC: '\u001b',
  'C1 control NEL': '\u0085',
  'lone surrogate': '\uD800',
};

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  minItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
type Parameter = { in: 'path' | 'query' | 'header'; name: string; required?: boolean; schema: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
};
type Description = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

/** A string field of a request: where it goes and its dotted name as an issue names it. */
interface Field {
  at: 'path' | 'query' | 'header' | 'body';
  path: string[];
}

function resolve(schema: Schema, description: Description): Schema {
  if (schema.$ref)
    return resolve(description.components.schemas[schema.$ref.split('/').pop() as string] ?? {}, description);
  if (schema.allOf) {
    const merged: Schema & { properties: Record<string, Schema>; required: string[] } = {
      properties: {},
      required: [],
    };
    for (const part of schema.allOf.map((each) => resolve(each, description))) {
      Object.assign(merged.properties, part.properties);
      merged.required.push(...(part.required ?? []));
      if (part.type) merged.type = part.type;
    }
    return merged;
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && !schema.type) {
    return resolve(alternatives.find((option) => option.type !== 'null') ?? {}, description);
  }
  return schema;
}

const typeOf = (schema: Schema) => [schema.type].flat().find((type) => type !== 'null');

/** A value the schema takes, for the parts of a request that are not under test. */
function validValue(schema: Schema, name: string, description: Description): unknown {
  const resolved = resolve(schema, description);
  if (resolved.example !== undefined) return resolved.example;
  if (resolved.enum) return resolved.enum[0];
  switch (typeOf(resolved)) {
    case 'object':
      return Object.fromEntries(
        (resolved.required ?? []).map((key) => [
          key,
          validValue(resolved.properties?.[key] ?? {}, key, description),
        ]),
      );
    case 'array':
      return Array.from({ length: resolved.minItems ?? 0 }, () =>
        validValue(resolved.items ?? {}, name, description),
      );
    case 'integer':
    case 'number':
      return resolved.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      if (resolved.format === 'uuid') return randomUUID();
      if (resolved.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      if (resolved.format === 'date') return '2020-01-01';
      if (/email/i.test(name)) return `someone-${randomUUID()}@example.test`;
      return 'Fine text';
  }
}

/** Every string property of a body schema, at any depth (array items as index 0). */
function bodyFields(schema: Schema, description: Description, path: string[] = []): string[][] {
  const resolved = resolve(schema, description);
  const type = typeOf(resolved);
  if (type === 'string') return [path];
  if (type === 'array') return bodyFields(resolved.items ?? {}, description, [...path, '0']);
  if (type === 'object') {
    return Object.entries(resolved.properties ?? {}).flatMap(([key, property]) =>
      bodyFields(property, description, [...path, key]),
    );
  }
  return [];
}

/** The body with `value` at `path`, building the objects and arrays on the way from their schemas. */
function withValueAt(
  body: unknown,
  path: string[],
  value: string,
  schema: Schema,
  description: Description,
): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const resolved = resolve(schema, description);
  if (typeOf(resolved) === 'array') {
    const items =
      Array.isArray(body) && body.length > 0
        ? [...body]
        : [validValue(resolved.items ?? {}, head, description)];
    items[0] = withValueAt(items[0], rest, value, resolved.items ?? {}, description);
    return items;
  }
  const property = resolved.properties?.[head] ?? {};
  const object = { ...(body as Record<string, unknown>) };
  object[head] = withValueAt(
    object[head] ?? validValue(property, head, description),
    rest,
    value,
    property,
    description,
  );
  return object;
}

/** A URL path or query value with `text` percent-encoded as UTF-8, a lone surrogate as the bytes it would have. */
const encode = (text: string) =>
  [...text]
    .map((character) => (character.isWellFormed() ? encodeURIComponent(character) : '%ED%A0%80'))
    .join('');

describe('text no field stores is a 400 naming the field, everywhere, and nothing is written', () => {
  let server: LocalServer;
  let db: Db;
  let token: string;
  let description: Description;
  /** In every bad value, so whatever reached the database can be found. */
  const marker = `bt${randomUUID().replaceAll('-', '').slice(0, 12)}`;

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    db = pgDb({ connectionString: inject('databaseUrl'), maxConnections: 2 });
    // The admin passes every role check, so each request reaches validation.
    token = await issueLocalAccessToken(server.oidcIssuer, 'admin');
    description = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as Description;
  });

  afterAll(async () => {
    await db?.close();
    await server?.close();
  });

  it('refuses each bad character in each string field of each operation', async () => {
    const wrong: string[] = [];
    let sent = 0;
    for (const [template, item] of Object.entries(description.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const parameters = operation.parameters ?? [];
        const bodySchema = operation.requestBody?.content['application/json']?.schema;
        const fields: Field[] = [
          ...parameters
            .filter((parameter) => typeOf(resolve(parameter.schema, description)) === 'string')
            .map((parameter) => ({ at: parameter.in, path: [parameter.name] })),
          ...(bodySchema
            ? bodyFields(bodySchema, description).map((path) => ({ at: 'body' as const, path }))
            : []),
        ];
        for (const field of fields) {
          for (const [label, character] of Object.entries(BAD_TEXT)) {
            const bad = `${marker}${character}x`;
            const value = (parameter: Parameter) =>
              field.at === parameter.in && field.path[0] === parameter.name
                ? bad
                : String(validValue(parameter.schema, parameter.name, description));
            const url = new URL(
              template.replaceAll(/\{([^}]+)\}/g, (_, name: string) => {
                const parameter = parameters.find(
                  (candidate) => candidate.in === 'path' && candidate.name === name,
                );
                return parameter ? encode(value(parameter)) : encode(randomUUID());
              }),
              server.url,
            );
            const query = parameters
              .filter(
                (parameter) =>
                  parameter.in === 'query' && (parameter.required || field.path[0] === parameter.name),
              )
              .filter((parameter) => field.at === 'query' || parameter.required)
              .map((parameter) => `${encodeURIComponent(parameter.name)}=${encode(value(parameter))}`);
            const headers: Record<string, string> = { authorization: `Bearer ${token}` };
            if (field.at === 'header') headers[field.path[0] as string] = bad;
            let body: string | undefined;
            if (bodySchema) {
              headers['content-type'] = 'application/json';
              const base = validValue(bodySchema, '', description);
              body = JSON.stringify(
                field.at === 'body' ? withValueAt(base, field.path, bad, bodySchema, description) : base,
              );
            }
            let response: Response;
            try {
              response = await fetch(
                `${url.origin}${url.pathname}${query.length ? `?${query.join('&')}` : ''}`,
                {
                  method: method.toUpperCase(),
                  headers,
                  ...(body === undefined ? {} : { body }),
                  redirect: 'manual',
                },
              );
            } catch (error) {
              // A header value HTTP cannot carry (a control character, a non-Latin-1 one): the
              // client refuses to send it, so the API never sees it.
              if (field.at === 'header') continue;
              throw error;
            }
            sent++;
            const name = field.path.join('.');
            const answer = (await response.json().catch(() => ({}))) as { issues?: Array<{ path: string }> };
            const named = answer.issues?.some((issue) => issue.path.toLowerCase() === name.toLowerCase());
            if (response.status !== 400 || !named) {
              wrong.push(
                `${method.toUpperCase()} ${template} ${field.at} ${name} with ${label}: ${response.status}`,
              );
            }
          }
        }
      }
    }
    expect(sent).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  }, 120_000);

  it('wrote none of it anywhere', async () => {
    const columns = await db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb')`,
    );
    const found: string[] = [];
    for (const { table_name: table, column_name: column } of columns) {
      const rows = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${table}" WHERE "${column}"::text LIKE :pattern`,
        { pattern: `%${marker}%` },
      );
      if ((rows[0]?.n ?? 0) > 0) found.push(`${table}.${column}`);
    }
    expect(columns.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });
});
