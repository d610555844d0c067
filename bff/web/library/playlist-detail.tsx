import { useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  call,
  describeFailure,
  type Failure,
  type Me,
  type Playlist,
  type PlaylistItem,
} from '../api.ts';
import { Notice } from '../components/layout.tsx';
import { SongSearch } from '../components/song-search.tsx';
import { Members } from './members.tsx';
import { Pitches } from './pitches.tsx';
import { describePlaylistChange, type PlaylistView, playlistChanges } from './playlist-change.ts';
import { ShareForm } from './share-form.tsx';

type Message = { tone: 'info' | 'error'; text: string };
type Answer = { data?: unknown; error?: unknown; response: Response };

const songText = (item: Pick<PlaylistItem, 'title' | 'artist' | 'available'>) =>
  item.available ? `“${item.title}” by ${item.artist}` : 'a song no longer in the catalog';

/**
 * One playlist: its songs in order (add from the search box, move with the buttons, Alt+↑/↓ or a
 * drag, remove), its name, members, shares and pitches. Changes of the playlist itself carry the
 * ETag last read in `If-Match`; a 412 reloads it and says what someone else changed. Item changes
 * keep their place whatever else happens (the service's stable positions); after each, the page
 * reads the playlist again and says if it holds more than this page's own change.
 */
export function PlaylistDetail({
  id,
  me,
  onTitle,
}: {
  id: string;
  me: Me;
  onTitle: (title: string) => void;
}) {
  const [playlist, setPlaylist] = useState<Playlist | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const [message, setMessage] = useState<Message | undefined>();
  const [busy, setBusy] = useState(false);
  const [shareTarget, setShareTarget] = useState<string>('playlist');
  const etag = useRef<string | undefined>(undefined);
  const focusAfter = useRef<string | undefined>(undefined);

  const reload = async (): Promise<Playlist | undefined> => {
    const outcome = await call(api.GET('/api/playlists/{id}', { params: { path: { id } } }));
    if (!outcome.ok) {
      setFailure(outcome.failure);
      return undefined;
    }
    setFailure(undefined);
    etag.current = outcome.response.headers.get('etag') ?? undefined;
    setPlaylist(outcome.data);
    onTitle(outcome.data.name);
    return outcome.data;
  };
  useEffect(() => {
    void reload();
  }, [id]);
  useEffect(() => {
    if (focusAfter.current === undefined) return;
    document.querySelector<HTMLElement>(`[data-item="${focusAfter.current}"]`)?.focus();
    focusAfter.current = undefined;
  }, [playlist]);

  /**
   * Runs a change, then reads the playlist again. `expected` is the playlist as this change alone
   * would leave it: anything else in the new read was someone else's doing, and is said.
   */
  const change = async (
    run: () => Promise<Answer>,
    expected: (before: Playlist, answer: unknown) => PlaylistView,
    done: string,
  ): Promise<boolean> => {
    if (playlist === undefined) return false;
    const before = playlist;
    setBusy(true);
    const outcome = await call(run());
    if (!outcome.ok) {
      const stale = outcome.failure.kind === 'conflict' && outcome.failure.status === 412;
      const now = stale ? await reload() : undefined;
      setBusy(false);
      setMessage({
        tone: 'error',
        text: stale
          ? `${now ? describePlaylistChange(before, now) : 'The playlist had changed.'} Nothing was saved: try again.`
          : describeFailure(outcome.failure),
      });
      return false;
    }
    const now = await reload();
    setBusy(false);
    const others = now ? playlistChanges(expected(before, outcome.data), now) : [];
    setMessage({
      tone: 'info',
      text: others.length === 0 ? done : `${done} Meanwhile someone else changed it: ${others.join('; ')}.`,
    });
    return true;
  };

  if (playlist === undefined)
    return failure !== undefined ? (
      <Notice tone="error">{describeFailure(failure)}</Notice>
    ) : (
      <p class="loading">Loading the playlist…</p>
    );

  const owner = playlist.access === 'owner';
  const editor = owner || playlist.access === 'editor';
  const ifMatch = { 'if-match': etag.current ?? '*' };
  const path = { id };

  const addSong = (songId: string, title: string) =>
    change(
      () => api.POST('/api/playlists/{id}/items', { params: { path }, body: { songId } }),
      (before, answer) => {
        const placed = answer as PlaylistItem & { position: number };
        const items = [...before.items];
        items.splice(placed.position, 0, placed);
        return { name: before.name, items };
      },
      `Added “${title}”.`,
    );
  const move = (item: PlaylistItem, position: number) => {
    focusAfter.current = item.itemId;
    return change(
      () =>
        api.POST('/api/playlists/{id}/items/{itemId}/move', {
          params: { path: { id, itemId: item.itemId } },
          body: { position },
        }),
      (before) => {
        const items = before.items.filter((other) => other.itemId !== item.itemId);
        items.splice(position, 0, item);
        return { name: before.name, items };
      },
      `Moved ${songText(item)} to place ${position + 1}.`,
    );
  };
  const remove = (item: PlaylistItem) =>
    change(
      () =>
        api.DELETE('/api/playlists/{id}/items/{itemId}', { params: { path: { id, itemId: item.itemId } } }),
      (before) => ({
        name: before.name,
        items: before.items.filter((other) => other.itemId !== item.itemId),
      }),
      `Removed ${songText(item)}.`,
    );
  const rename = (name: string) =>
    change(
      () => api.PATCH('/api/playlists/{id}', { params: { path, header: ifMatch }, body: { name } }),
      (before) => ({ name, items: before.items }),
      'Renamed.',
    );
  const deletePlaylist = async () => {
    setBusy(true);
    const before = playlist;
    const outcome = await call(api.DELETE('/api/playlists/{id}', { params: { path, header: ifMatch } }));
    if (outcome.ok) {
      location.assign('/library/playlists');
      return;
    }
    const stale = outcome.failure.kind === 'conflict' && outcome.failure.status === 412;
    const now = stale ? await reload() : undefined;
    setBusy(false);
    setMessage({
      tone: 'error',
      text: stale
        ? `${now ? describePlaylistChange(before, now) : 'The playlist had changed.'} It was not deleted: look again first.`
        : describeFailure(outcome.failure),
    });
  };

  return (
    <>
      <h1 class="playlist-title">{playlist.name}</h1>
      <p class="muted">
        {playlist.items.length} {playlist.items.length === 1 ? 'song' : 'songs'}
        {owner
          ? ''
          : ` · ${playlist.access === 'shared' ? 'shared with you' : `you are a ${playlist.access}`}`}
      </p>
      {failure !== undefined && (
        <Notice tone="error">{`${describeFailure(failure)} Showing the playlist as it was.`}</Notice>
      )}
      <div aria-live="polite">
        {message !== undefined && <Notice tone={message.tone}>{message.text}</Notice>}
      </div>

      <section class="card" aria-labelledby="songs-heading">
        <h2 id="songs-heading">Songs</h2>
        {editor && playlist.items.length > 1 && (
          <p class="muted" id="reorder-hint">
            Move a song with its arrow buttons, or focus it and press Alt+↑ or Alt+↓.
          </p>
        )}
        {playlist.items.length === 0 ? (
          <p class="muted">No songs yet{editor ? ': add some below.' : '.'}</p>
        ) : (
          <Items
            items={playlist.items}
            editable={editor}
            busy={busy}
            onMove={(item, position) => void move(item, position)}
            onRemove={(item) => void remove(item)}
            onShare={(item) => {
              setShareTarget(item.songId);
              document.getElementById('share-user')?.focus();
            }}
          />
        )}
        {editor && (
          <div class="add-song">
            <h3>Add a song</h3>
            <SongSearch onChoose={(song) => void addSong(song.id, song.title)} />
          </div>
        )}
      </section>

      {owner && <Rename name={playlist.name} busy={busy} onRename={rename} onDelete={deletePlaylist} />}
      {owner && <Members playlist={playlist} onChanged={() => void reload()} />}
      <ShareForm playlist={playlist} me={me} target={shareTarget} onTarget={setShareTarget} />
      {owner && <Pitches playlist={playlist} />}
    </>
  );
}

function Items({
  items,
  editable,
  busy,
  onMove,
  onRemove,
  onShare,
}: {
  items: PlaylistItem[];
  editable: boolean;
  busy: boolean;
  onMove: (item: PlaylistItem, position: number) => void;
  onRemove: (item: PlaylistItem) => void;
  onShare: (item: PlaylistItem) => void;
}) {
  const [dragged, setDragged] = useState<string | undefined>();
  return (
    <ol class="playlist-items">
      {items.map((item, index) => {
        const name = item.available ? (item.title ?? '') : 'Unavailable song';
        const place = `“${name}”, place ${index + 1}`;
        return (
          <li
            key={item.itemId}
            data-item={item.itemId}
            // Focusable for Alt+↑/↓; the buttons inside do the same for pointer and switch users.
            tabIndex={editable ? 0 : undefined}
            aria-keyshortcuts={editable ? 'Alt+ArrowUp Alt+ArrowDown' : undefined}
            aria-describedby={editable && items.length > 1 ? 'reorder-hint' : undefined}
            draggable={editable}
            class={dragged === item.itemId ? 'dragging' : undefined}
            onKeyDown={(event) => {
              if (!editable || busy || !event.altKey || event.target !== event.currentTarget) return;
              if (event.key === 'ArrowUp' && index > 0) {
                event.preventDefault();
                onMove(item, index - 1);
              } else if (event.key === 'ArrowDown' && index < items.length - 1) {
                event.preventDefault();
                onMove(item, index + 1);
              }
            }}
            onDragStart={(event) => {
              event.dataTransfer?.setData('text/plain', item.itemId);
              setDragged(item.itemId);
            }}
            onDragEnd={() => setDragged(undefined)}
            onDragOver={(event) => editable && event.preventDefault()}
            onDrop={(event) => {
              event.preventDefault();
              const from = items.find((other) => other.itemId === dragged);
              setDragged(undefined);
              if (from !== undefined && from.itemId !== item.itemId) onMove(from, index);
            }}
          >
            <span class="item-song">
              {item.available ? (
                <a href={`/songs/${encodeURIComponent(item.songId)}`}>
                  <strong>{item.title}</strong>
                </a>
              ) : (
                <strong class="muted">No longer in the catalog</strong>
              )}
              {item.available && <span class="muted"> · {item.artist}</span>}
            </span>
            <span class="item-actions">
              {editable && (
                <>
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Move ${place}, up`}
                    disabled={busy || index === 0}
                    onClick={() => onMove(item, index - 1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Move ${place}, down`}
                    disabled={busy || index === items.length - 1}
                    onClick={() => onMove(item, index + 1)}
                  >
                    ↓
                  </button>
                </>
              )}
              {item.available && (
                <button
                  type="button"
                  class="button small secondary"
                  aria-label={`Share ${place}`}
                  onClick={() => onShare(item)}
                >
                  Share
                </button>
              )}
              {editable && (
                <button
                  type="button"
                  class="button small secondary"
                  aria-label={`Remove ${place}`}
                  disabled={busy}
                  onClick={() => onRemove(item)}
                >
                  Remove
                </button>
              )}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function Rename({
  name,
  busy,
  onRename,
  onDelete,
}: {
  name: string;
  busy: boolean;
  onRename: (name: string) => Promise<boolean>;
  onDelete: () => Promise<void>;
}) {
  const [value, setValue] = useState(name);
  const [deleting, setDeleting] = useState(false);
  useEffect(() => setValue(name), [name]);
  return (
    <section class="card" aria-labelledby="settings-heading">
      <h2 id="settings-heading">Name</h2>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void onRename(value.trim());
        }}
      >
        <label class="field">
          Playlist name
          <input
            required
            maxLength={100}
            value={value}
            onInput={(event) => setValue(event.currentTarget.value)}
          />
        </label>
        <button type="submit" class="button" disabled={busy || value.trim() === '' || value.trim() === name}>
          Rename
        </button>
      </form>
      {deleting ? (
        <div class="actions">
          <span>Delete this playlist, its members, shares and songs list?</span>
          <button type="button" class="button danger" disabled={busy} onClick={() => void onDelete()}>
            Yes, delete it
          </button>
          <button type="button" class="button secondary" onClick={() => setDeleting(false)}>
            Keep it
          </button>
        </div>
      ) : (
        <div class="actions">
          <button type="button" class="button secondary" onClick={() => setDeleting(true)}>
            Delete the playlist
          </button>
        </div>
      )}
    </section>
  );
}
