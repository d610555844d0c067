import { describe, expect, it } from 'vitest';
import { splitStatements } from './migrate.ts';

describe('splitStatements', () => {
  it('splits on top-level semicolons and drops empty and comment-only pieces', () => {
    expect(splitStatements('CREATE TABLE a (id int);\n\n-- a note;\nINSERT INTO a VALUES (1);;')).toEqual([
      'CREATE TABLE a (id int)',
      '-- a note;\nINSERT INTO a VALUES (1)',
    ]);
  });

  it('keeps a function body with semicolons in one statement', () => {
    const script = `CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.version := nextval('v'); -- not the end;
  RETURN NEW;
END;
$fn$;
CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION bump();`;
    const statements = splitStatements(script);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/^CREATE FUNCTION[\s\S]*RETURN NEW;\nEND;\n\$fn\$$/);
    expect(statements[1]).toMatch(/^CREATE TRIGGER/);
  });

  it('ignores semicolons in literals, identifiers and block comments', () => {
    const statements = splitStatements(
      `INSERT INTO "odd;name" VALUES ('a;b', E'c\\';d', $$e;f$$); /* x; /* nested; */ y; */ SELECT 1`,
    );
    expect(statements).toEqual([
      `INSERT INTO "odd;name" VALUES ('a;b', E'c\\';d', $$e;f$$)`,
      '/* x; /* nested; */ y; */ SELECT 1',
    ]);
  });

  it('reports an unterminated dollar quote instead of splitting inside it', () => {
    expect(() => splitStatements('CREATE FUNCTION f() AS $$ BEGIN; END;')).toThrow(
      /unterminated dollar-quoted/,
    );
  });
});
