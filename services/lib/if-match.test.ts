import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { IF_MATCH_PATTERN, ifMatchAllows, parseIfMatch } from './if-match.ts';

describe('If-Match (RFC 9110 §13.1.1)', () => {
  it('reads *, one tag, weak tags and lists with empty elements and a comma inside a tag', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch(' * ')).toBe('*');
    expect(parseIfMatch('"12"')).toEqual([{ weak: false, opaque: '12' }]);
    expect(parseIfMatch('W/"12"')).toEqual([{ weak: true, opaque: '12' }]);
    expect(parseIfMatch(' "1" ,, W/"2",\t"a,b" ')).toEqual([
      { weak: false, opaque: '1' },
      { weak: true, opaque: '2' },
      { weak: false, opaque: 'a,b' },
    ]);
    expect(parseIfMatch('""')).toEqual([{ weak: false, opaque: '' }]);
  });

  it('refuses what is not an entity-tag list with a 400 naming the header', () => {
    for (const value of [
      '',
      ' ',
      ',',
      'garbage',
      '12',
      '"12"junk',
      '"12',
      'w/"12"',
      '"a"b"',
      '"1" "2"',
      '*, "1"',
      '"\u0001"',
    ]) {
      expect(() => parseIfMatch(value), JSON.stringify(value)).toThrow(ValidationError);
    }
  });

  it('lets a write through on *, no header, or a strong match in the list; never on a weak one', () => {
    expect(ifMatchAllows(undefined, '12')).toBe(true);
    expect(ifMatchAllows('*', '12')).toBe(true);
    expect(ifMatchAllows(parseIfMatch('"11", "12"'), '12')).toBe(true);
    expect(ifMatchAllows(parseIfMatch('"abc"'), '12')).toBe(false);
    expect(ifMatchAllows(parseIfMatch('W/"12"'), '12')).toBe(false);
    expect(ifMatchAllows(parseIfMatch('"1", W/"12"'), '12')).toBe(false);
  });
});

describe('the If-Match pattern of the API description', () => {
  it('accepts exactly what parseIfMatch accepts', () => {
    const values = [
      '*',
      ' * ',
      '"12"',
      'W/"12"',
      '"1", "2"',
      ', "1" ,',
      '"1",,"2"',
      '"x,y"',
      '\t"1"\t',
      '',
      ' ',
      ',',
      'garbage',
      '12',
      '"a"b',
      '"a" "b"',
      'w/"1"',
      '"\u0001"',
      '"\u0085"',
      '"1"\n',
    ];
    for (const value of values) {
      let parsed = true;
      try {
        parseIfMatch(value);
      } catch {
        parsed = false;
      }
      expect(IF_MATCH_PATTERN.test(value), JSON.stringify(value)).toBe(parsed);
    }
  });
});
