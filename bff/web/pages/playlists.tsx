import { useEffect, useState } from 'preact/hooks';
import {
  api,
  call,
  describeFailure,
  type Failure,
  idFromPath,
  type Me,
  type PlaylistSummary,
} from '../api.ts';
import { CopyButton, SignedIn } from '../components/gate.tsx';
import { Layout, Notice } from '../components/layout.tsx';
import { playlistPath } from '../library/paths.ts';
import { PlaylistDetail } from '../library/playlist-detail.tsx';
import { mount } from '../mount.tsx';
import { useSession } from '../session.ts';

const PAGE = 50;

const ACCESS_TEXT: Record<PlaylistSummary['access'], string> = {
  owner: 'yours',
  editor: 'you edit it',
  viewer: 'you view it',
  shared: 'shared with you',
};

/** `/library/playlists`: the list and a new playlist; `/library/playlists/{id}`: one playlist. */
function PlaylistsPage() {
  const session = useSession();
  const id = idFromPath('/library/playlists/');
  const [title, setTitle] = useState(id === undefined ? 'My playlists' : 'Playlist');
  return (
    <Layout title={title} session={session}>
      {id !== undefined && (
        <p class="back">
          <a href="/library/playlists">← My playlists</a>
        </p>
      )}
      <SignedIn session={session}>
        {(me) =>
          id === undefined ? <PlaylistList me={me} /> : <PlaylistDetail id={id} me={me} onTitle={setTitle} />
        }
      </SignedIn>
    </Layout>
  );
}

function PlaylistList({ me }: { me: Me }) {
  const [items, setItems] = useState<PlaylistSummary[] | undefined>();
  const [total, setTotal] = useState(0);
  const [cursor, setCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | undefined>();
  const load = async (after?: string) => {
    const outcome = await call(
      api.GET('/api/playlists', { params: { query: { limit: PAGE, ...(after ? { cursor: after } : {}) } } }),
    );
    if (!outcome.ok) {
      setFailure(outcome.failure);
      return;
    }
    setFailure(undefined);
    setItems((current) => (after ? [...(current ?? []), ...outcome.data.items] : outcome.data.items));
    setTotal(outcome.data.total);
    setCursor(outcome.data.cursor);
  };
  useEffect(() => {
    void load();
  }, []);

  return (
    <>
      <h1>My playlists</h1>
      <NewPlaylist />
      <section class="card" aria-labelledby="playlists-heading">
        <h2 id="playlists-heading">Your playlists and those shared with you</h2>
        {failure !== undefined && <Notice tone="error">{describeFailure(failure)}</Notice>}
        {items === undefined && failure === undefined && <p class="loading">Loading your playlists…</p>}
        {items?.length === 0 && <p class="muted">No playlists yet: make one above.</p>}
        {items !== undefined && items.length > 0 && (
          <ul class="playlist-list">
            {items.map((playlist) => (
              <li key={playlist.id}>
                <a href={playlistPath(playlist.id)} class="playlist-name">
                  {playlist.name}
                </a>
                <span class="muted">
                  {' '}
                  · {playlist.itemCount} {playlist.itemCount === 1 ? 'song' : 'songs'} ·{' '}
                  {ACCESS_TEXT[playlist.access]}
                </span>
              </li>
            ))}
          </ul>
        )}
        {cursor !== null && items !== undefined && (
          <button type="button" class="button secondary" onClick={() => void load(cursor)}>
            Show more ({items.length} of {total})
          </button>
        )}
      </section>
      <p class="muted user-id">
        Others add you to a playlist or share with you by your user id: <code>{me.id}</code>{' '}
        <CopyButton text={me.id} label="Copy your user id" />
      </p>
    </>
  );
}

function NewPlaylist() {
  const [name, setName] = useState('');
  const [message, setMessage] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const outcome = await call(api.POST('/api/playlists', { body: { name: name.trim() } }));
    setBusy(false);
    if (outcome.ok) location.assign(playlistPath(outcome.data.id));
    else setMessage(describeFailure(outcome.failure));
  };
  return (
    <form class="card" onSubmit={(event) => void submit(event)} aria-labelledby="new-playlist">
      <h2 id="new-playlist">New playlist</h2>
      <label class="field">
        Name
        <input
          required
          maxLength={100}
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
          placeholder="Friday warm-up"
        />
      </label>
      <button type="submit" class="button" disabled={busy || name.trim() === ''}>
        Make the playlist
      </button>
      {message !== undefined && <Notice tone="error">{message}</Notice>}
    </form>
  );
}

mount(PlaylistsPage);
