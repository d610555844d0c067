import { describe, expect, it } from 'vitest';
import { highlight } from './highlight.ts';

const marked = (text: string, query: string) =>
  highlight(text, query)
    .filter((piece) => piece.matched)
    .map((piece) => piece.text);

describe('highlighting what a search matched', () => {
  it('marks word prefixes across apostrophes, as the index folds them', () => {
    expect(marked("Don't Stop Believin'", 'dont stop belie')).toEqual(["Don't", 'Stop', 'Belie']);
  });

  it('folds case and accents', () => {
    expect(marked('Beyoncé', 'BEYONCE')).toEqual(['Beyoncé']);
  });

  it('marks only the starts of words', () => {
    expect(marked('Stop Top', 'top')).toEqual(['Top']);
  });

  it('keeps the text whole, whatever was typed', () => {
    for (const query of ['<script>', '💃🏽', 'שלום', 'x'.repeat(200), '']) {
      expect(
        highlight('Dancing Queen <b>', query)
          .map((piece) => piece.text)
          .join(''),
      ).toBe('Dancing Queen <b>');
    }
  });
});
