/**
 * Where a search's words match a title or an artist, for marking them. The index folds case,
 * accents and punctuation and matches word prefixes ("dont stop belie" finds "Don't Stop
 * Believin'"), so this folds the same way, keeping each folded character's place in the original.
 */
export interface Piece {
  text: string;
  matched: boolean;
}

const MARKS = /\p{M}/gu;
const WORD = /[\p{L}\p{N}]/u;

function fold(text: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  let index = 0;
  for (const char of text) {
    const plain = char.normalize('NFD').replace(MARKS, '').toLowerCase();
    for (const part of plain) {
      if (WORD.test(part)) {
        folded += part;
        origin.push(index);
      } else if (part === ' ' || part === '-' || part === '/') {
        folded += ' ';
        origin.push(index);
      }
    }
    index += char.length;
  }
  return { folded, origin };
}

const wordsOf = (query: string) =>
  fold(query)
    .folded.split(' ')
    .filter((word) => word !== '');

/** `text` cut into pieces, the ones that start a word with one of the query's words marked. */
export function highlight(text: string, query: string): Piece[] {
  const words = wordsOf(query);
  if (words.length === 0) return [{ text, matched: false }];
  const { folded, origin } = fold(text);
  const marked = new Array<boolean>(text.length).fill(false);
  for (const word of words) {
    let at = folded.indexOf(word);
    while (at !== -1) {
      if (at === 0 || folded[at - 1] === ' ') {
        const start = origin[at] ?? 0;
        const endOrigin = origin[at + word.length - 1] ?? start;
        const wide = (text.codePointAt(endOrigin) ?? 0) > 0xffff;
        const end = endOrigin + (wide ? 2 : 1);
        for (let i = start; i < end; i++) marked[i] = true;
      }
      at = folded.indexOf(word, at + 1);
    }
  }
  const pieces: Piece[] = [];
  for (let i = 0; i < text.length; i++) {
    const last = pieces.at(-1);
    const matched = marked[i] === true;
    if (last !== undefined && last.matched === matched) last.text += text[i];
    else pieces.push({ text: text[i] as string, matched });
  }
  return pieces;
}
