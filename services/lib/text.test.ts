import { OpenAPIHono, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { isStorableText, storable, UNSTORABLE_TEXT } from './text.ts';

describe('storable text', () => {
  it('refuses NUL, other control characters and unpaired surrogates; keeps emoji, RTL and combining marks', () => {
    for (const bad of [
      'a\u0000b',
      'a\u0007',
      '\u001b[31m',
      'a\u0085b',
      'x\uD800',
      '\uDC00y',
      'a\tb',
      'a\nb',
    ]) {
      expect(isStorableText(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const good of ['Don’t Stop Believin’', '🎤 Karaoke', 'שלום', 'é', 'Sigur Rós', '\uD83C\uDFA4']) {
      expect(isStorableText(good), good).toBe(true);
    }
  });

  it('lets line breaks and tabs through only where a field allows them', () => {
    expect(isStorableText('line one\r\nline two\tend', { lineBreaks: true })).toBe(true);
    expect(isStorableText('line one\u0000', { lineBreaks: true })).toBe(false);
  });

  it('refuses with a field-level message and keeps the field schema’s own rules', () => {
    const title = storable(z.string().trim().min(1).max(5));
    expect(title.parse('  abc ')).toBe('abc');
    const refused = title.safeParse('a\u0000');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((issue) => issue.message)).toEqual([UNSTORABLE_TEXT]);
    expect(title.safeParse('abcdef').success).toBe(false);
  });
});

describe('storable text in the API description', () => {
  it('carries the control-character rule as a pattern, and still refuses unpaired surrogates', () => {
    const schema = storable(z.string().max(10));
    const described = z.toJSONSchema(schema) as { pattern?: string };
    expect(described.pattern).toBeDefined();
    const pattern = new RegExp(described.pattern as string);
    for (const value of ['a\u0000b', 'a\u0007', 'a\u0085b', 'a\tb', 'a\nb']) {
      expect(pattern.test(value), JSON.stringify(value)).toBe(false);
    }
    for (const value of ['Sigur Rós', '🎤 Karaoke', 'שלום']) expect(pattern.test(value), value).toBe(true);
    expect(schema.safeParse('x\uD800').success).toBe(false);
    const lines = storable(z.string(), { lineBreaks: true });
    const linesPattern = new RegExp((z.toJSONSchema(lines) as { pattern: string }).pattern);
    expect(linesPattern.test('one\r\ntwo\tthree')).toBe(true);
    expect(linesPattern.test('one\u0000')).toBe(false);
  });
});

describe('storable text that is trimmed and not empty', () => {
  it('says in its pattern that text of spaces only is refused, as trimming and the minimum do', () => {
    const name = storable(z.string().trim().min(1).max(40));
    const app = new OpenAPIHono();
    app.openAPIRegistry.register('Name', name);
    const described = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    const schema = described.components?.schemas?.Name as { pattern?: string } | undefined;
    const pattern = new RegExp(schema?.pattern ?? 'not described');
    for (const blank of [' ', '\t', '\u00a0\u3000', '\ufeff']) {
      expect(pattern.test(blank), JSON.stringify(blank)).toBe(false);
      expect(name.safeParse(blank).success, JSON.stringify(blank)).toBe(false);
    }
    expect(pattern.test(' Ann ')).toBe(true);
    expect(name.safeParse(' Ann ').data).toBe('Ann');
    expect(pattern.test('a\u0000')).toBe(false);
  });
});
