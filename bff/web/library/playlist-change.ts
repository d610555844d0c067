/** What a playlist's reader compares: its name, and its items in order. */
export interface PlaylistView {
  name: string;
  items: ReadonlyArray<{ itemId: string; title: string | null }>;
}

const titleOf = (item: { title: string | null }) => `“${item.title ?? 'an unavailable song'}”`;

const listed = (titles: string[]) =>
  titles.length <= 3 ? titles.join(', ') : `${titles.slice(0, 3).join(', ')} and ${titles.length - 3} more`;

/**
 * What someone else changed between the playlist a page showed and the one it reads now: a new
 * name, songs added or removed, or the same songs in another order. Empty when nothing differs.
 */
export function playlistChanges(before: PlaylistView, after: PlaylistView): string[] {
  const changes: string[] = [];
  if (before.name !== after.name) changes.push(`it was renamed “${after.name}”`);
  const was = new Set(before.items.map((item) => item.itemId));
  const is = new Set(after.items.map((item) => item.itemId));
  const added = after.items.filter((item) => !was.has(item.itemId)).map(titleOf);
  const removed = before.items.filter((item) => !is.has(item.itemId)).map(titleOf);
  if (added.length > 0) changes.push(`${listed(added)} ${added.length === 1 ? 'was' : 'were'} added`);
  if (removed.length > 0) changes.push(`${listed(removed)} ${removed.length === 1 ? 'was' : 'were'} removed`);
  const kept = (items: PlaylistView['items'], other: Set<string>) =>
    items.filter((item) => other.has(item.itemId)).map((item) => item.itemId);
  if (kept(before.items, is).join() !== kept(after.items, was).join()) changes.push('the order changed');
  return changes;
}

/** One sentence for the user, e.g. after a 412: what changed, as the playlist is shown now. */
export function describePlaylistChange(before: PlaylistView, after: PlaylistView): string {
  const changes = playlistChanges(before, after);
  return changes.length === 0
    ? 'The playlist had changed; it is shown as it is now.'
    : `The playlist had changed: ${changes.join('; ')}.`;
}
