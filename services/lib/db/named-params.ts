import { DatabaseError } from '../errors.ts';

export interface CompiledSql {
  /** The SQL with `:name` replaced by `$1`, `$2`, … */
  text: string;
  /** Parameter names in positional order (a name used twice appears once). */
  names: string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/**
 * Rewrites named `:params` into positional `$n` placeholders. Colons inside string literals,
 * quoted identifiers, dollar-quoted bodies, comments and `::` casts are left alone.
 */
export function compileNamedParams(
  sql: string,
  placeholder: (position: number, name: string) => string = (position) => `$${position}`,
): CompiledSql {
  const names: string[] = [];
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const skipped = skipNonCode(sql, i);
    if (skipped > i) {
      out += sql.slice(i, skipped);
      i = skipped;
      continue;
    }
    const ch = sql[i];
    if (ch === ':' && sql[i + 1] === ':') {
      out += '::';
      i += 2;
      continue;
    }
    if (ch === ':' && NAME_START.test(sql[i + 1] ?? '')) {
      let end = i + 2;
      while (end < sql.length && NAME_PART.test(sql[end] ?? '')) end++;
      const name = sql.slice(i + 1, end);
      let index = names.indexOf(name);
      if (index < 0) index = names.push(name) - 1;
      out += placeholder(index + 1, name);
      i = end;
      continue;
    }
    out += ch;
    i++;
  }
  return { text: out, names };
}

/**
 * If a literal, quoted identifier, dollar-quoted body or comment starts at `start`, returns the
 * index just past it; otherwise returns `start`. Shared by the parameter compiler and the
 * migration statement splitter.
 */
export function skipNonCode(sql: string, start: number): number {
  const ch = sql[start];
  const next = sql[start + 1];
  if (ch === '-' && next === '-') {
    const end = sql.indexOf('\n', start);
    return end < 0 ? sql.length : end;
  }
  if (ch === '/' && next === '*') {
    let depth = 1;
    let i = start + 2;
    while (i < sql.length && depth > 0) {
      if (sql[i] === '/' && sql[i + 1] === '*') {
        depth++;
        i += 2;
      } else if (sql[i] === '*' && sql[i + 1] === '/') {
        depth--;
        i += 2;
      } else i++;
    }
    if (depth > 0) throw new DatabaseError('unterminated /* comment in SQL');
    return i;
  }
  if (ch === "'") {
    const escapes = start > 0 && /[eE]/.test(sql[start - 1] ?? '') && !NAME_PART.test(sql[start - 2] ?? '');
    return skipQuoted(sql, start, "'", escapes);
  }
  if (ch === '"') return skipQuoted(sql, start, '"', false);
  if (ch === '$') {
    const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start));
    // `$1` is a positional parameter, not a dollar quote; a tag cannot follow an identifier char.
    if (tag && !NAME_PART.test(sql[start - 1] ?? '')) {
      const end = sql.indexOf(tag[0], start + tag[0].length);
      if (end < 0) throw new DatabaseError(`unterminated dollar-quoted string ${tag[0]} in SQL`);
      return end + tag[0].length;
    }
  }
  return start;
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslashEscapes && ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  throw new DatabaseError(`unterminated ${quote === "'" ? 'string literal' : 'quoted identifier'} in SQL`);
}
