import { describe, expect, it } from 'vitest';
import { describePlaylistChange, playlistChanges } from './playlist-change.ts';

const item = (itemId: string, title: string | null = itemId) => ({ itemId, title });
const view = (name: string, ...items: ReturnType<typeof item>[]) => ({ name, items });

describe('what changed in a playlist between two reads', () => {
  it('names nothing when the playlist is the same', () => {
    const list = view('Warm-up', item('a'), item('b'));
    expect(playlistChanges(list, view('Warm-up', item('a'), item('b')))).toEqual([]);
    expect(describePlaylistChange(list, list)).toBe('The playlist had changed; it is shown as it is now.');
  });

  it('says the new name, the songs added and removed, by title', () => {
    const before = view('Warm-up', item('a', 'Africa'), item('b', 'Dancing Queen'));
    const after = view('Closing time', item('a', 'Africa'), item('c', 'Toxic'));
    expect(describePlaylistChange(before, after)).toBe(
      'The playlist had changed: it was renamed “Closing time”; “Toxic” was added; “Dancing Queen” was removed.',
    );
  });

  it('tells a new order apart from songs coming and going', () => {
    const before = view('x', item('a'), item('b'), item('c'));
    expect(playlistChanges(before, view('x', item('c'), item('a'), item('b')))).toEqual([
      'the order changed',
    ]);
    // Removing one song leaves the others in their order: no order change.
    expect(playlistChanges(before, view('x', item('a'), item('c')))).toEqual(['“b” was removed']);
  });

  it('counts beyond three songs instead of listing them all, and names unavailable songs', () => {
    const before = view('x');
    const after = view('x', item('1'), item('2'), item('3'), item('4'), item('5', null));
    expect(playlistChanges(before, after)).toEqual(['“1”, “2”, “3” and 2 more were added']);
    expect(playlistChanges(view('x', item('5', null)), view('x'))).toEqual([
      '“an unavailable song” was removed',
    ]);
  });
});
