import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../errors.ts';
import { compileNamedParams, skipNonCode } from './named-params.ts';

describe('compileNamedParams', () => {
  it('numbers parameters in order of first use', () => {
    expect(compileNamedParams('SELECT * FROM t WHERE a = :a AND b = :b_2')).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b = $2',
      names: ['a', 'b_2'],
    });
  });

  it('gives a name used twice one position', () => {
    expect(compileNamedParams('SELECT :x, :y, :x')).toEqual({ text: 'SELECT $1, $2, $1', names: ['x', 'y'] });
  });

  it('leaves :: casts alone, also right after a parameter', () => {
    expect(compileNamedParams("SELECT :id::uuid, now()::date, '1'::int, :n ::text")).toEqual({
      text: "SELECT $1::uuid, now()::date, '1'::int, $2 ::text",
      names: ['id', 'n'],
    });
  });

  it('does not take a colon before a digit or a space for a parameter', () => {
    expect(compileNamedParams('SELECT arr[1:2], a : b FROM t')).toEqual({
      text: 'SELECT arr[1:2], a : b FROM t',
      names: [],
    });
  });

  it("skips string literals, with '' inside them", () => {
    expect(compileNamedParams("SELECT 'it''s :not', :yes, '10:30'")).toEqual({
      text: "SELECT 'it''s :not', $1, '10:30'",
      names: ['yes'],
    });
  });

  it("skips E'' strings with backslash-escaped quotes", () => {
    expect(compileNamedParams("SELECT E'it\\'s :not', e'\\\\', :yes")).toEqual({
      text: "SELECT E'it\\'s :not', e'\\\\', $1",
      names: ['yes'],
    });
  });

  it('treats a backslash as plain text in a standard string', () => {
    // 'a\' is a complete literal under standard_conforming_strings; :yes follows it.
    expect(compileNamedParams("SELECT 'a\\', :yes")).toEqual({ text: "SELECT 'a\\', $1", names: ['yes'] });
  });

  it('does not take a keyword ending in e for an E string prefix', () => {
    // ELSE'\' is ELSE followed by the standard string '\', not an E string.
    expect(compileNamedParams("SELECT CASE WHEN :a THEN 'x' ELSE'\\' END, :p")).toEqual({
      text: "SELECT CASE WHEN $1 THEN 'x' ELSE'\\' END, $2",
      names: ['a', 'p'],
    });
  });

  it('skips quoted identifiers, with "" inside them', () => {
    expect(compileNamedParams('SELECT "a:b", "say ""hi:x""" FROM t WHERE c = :c')).toEqual({
      text: 'SELECT "a:b", "say ""hi:x""" FROM t WHERE c = $1',
      names: ['c'],
    });
  });

  it('skips $$ and $tag$ dollar-quoted bodies', () => {
    const sql = 'DO $$ BEGIN PERFORM :x; END $$; SELECT $fn$ :y $$ still :z $fn$, :real';
    expect(compileNamedParams(sql)).toEqual({
      text: 'DO $$ BEGIN PERFORM :x; END $$; SELECT $fn$ :y $$ still :z $fn$, $1',
      names: ['real'],
    });
  });

  it('does not take $1 for a dollar quote', () => {
    expect(compileNamedParams('SELECT $1, :a, $2')).toEqual({ text: 'SELECT $1, $1, $2', names: ['a'] });
  });

  it('does not take a $ inside an identifier for a dollar quote', () => {
    expect(compileNamedParams('SELECT a$b$ FROM t WHERE x = :x')).toEqual({
      text: 'SELECT a$b$ FROM t WHERE x = $1',
      names: ['x'],
    });
  });

  it('skips line comments and nested block comments', () => {
    const sql = 'SELECT :a -- :line\n, /* :block /* :nested */ still :inside */ :b';
    expect(compileNamedParams(sql)).toEqual({
      text: 'SELECT $1 -- :line\n, /* :block /* :nested */ still :inside */ $2',
      names: ['a', 'b'],
    });
  });

  it('ends a line comment at the end of the text', () => {
    expect(compileNamedParams('SELECT :a -- :b')).toEqual({ text: 'SELECT $1 -- :b', names: ['a'] });
  });

  it('uses the placeholder given, once per occurrence', () => {
    const seen: string[] = [];
    const compiled = compileNamedParams('SELECT :a, :b, :a', (position, name) => {
      seen.push(`${name}@${position}`);
      return `$${position}::text`;
    });
    expect(compiled.text).toBe('SELECT $1::text, $2::text, $1::text');
    expect(seen).toEqual(['a@1', 'b@2', 'a@1']);
  });

  it.each([
    ["SELECT 'open", 'unterminated string literal'],
    ["SELECT E'open\\'", 'unterminated string literal'],
    ['SELECT "open', 'unterminated quoted identifier'],
    ['SELECT $$ open', 'unterminated dollar-quoted string $$'],
    ['SELECT $t$ open $$', 'unterminated dollar-quoted string $t$'],
    ['SELECT /* open /* nested */', 'unterminated /* comment'],
  ])('refuses %s with a DatabaseError', (sql, message) => {
    expect(() => compileNamedParams(sql)).toThrow(DatabaseError);
    expect(() => compileNamedParams(sql)).toThrow(message);
  });
});

describe('skipNonCode', () => {
  it('returns the start when no literal or comment starts there', () => {
    expect(skipNonCode('SELECT 1', 0)).toBe(0);
    expect(skipNonCode('$1', 0)).toBe(0);
  });

  it('returns the index just past a literal or comment', () => {
    const sql = "x 'a''b' y";
    expect(skipNonCode(sql, 2)).toBe(8);
    expect(sql.slice(8)).toBe(' y');
    expect(skipNonCode('-- c\nnext', 0)).toBe(4);
    expect(skipNonCode('/* a */b', 0)).toBe(7);
    expect(skipNonCode('$q$ body $q$!', 0)).toBe(12);
  });
});
