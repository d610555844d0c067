import { describe, expect, it } from 'vitest';
import { parseRecipients } from './recipients.ts';

describe('the recipients of a pitch as typed', () => {
  it('takes one address a line, with or without a name, and skips blank lines', () => {
    expect(
      parseRecipients('ada@example.com\n\n  Grace Hopper <grace@example.com>  \n"Alan", alan@example.com'),
    ).toEqual([
      { email: 'ada@example.com' },
      { email: 'grace@example.com', name: 'Grace Hopper' },
      { email: 'alan@example.com', name: 'Alan' },
    ]);
  });

  it('splits on semicolons too, and leaves what is not an address for the API to refuse', () => {
    expect(parseRecipients('a@example.com; b@example.com;;not an address')).toEqual([
      { email: 'a@example.com' },
      { email: 'b@example.com' },
      { email: 'not an address' },
    ]);
  });

  it('keeps names in any script as typed', () => {
    expect(parseRecipients('שלום 💃🏽 <shalom@example.com>')).toEqual([
      { email: 'shalom@example.com', name: 'שלום 💃🏽' },
    ]);
  });
});
