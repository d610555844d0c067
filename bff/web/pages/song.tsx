import { useEffect, useState } from 'preact/hooks';
import { api, call, describeFailure, type Failure, idFromPath, type Song, signInUrl } from '../api.ts';
import { Layout, Notice } from '../components/layout.tsx';
import { Player } from '../components/player.tsx';
import { mount } from '../mount.tsx';
import { type SessionState, useSession } from '../session.ts';

const minutes = (ms: number) => {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};

function SongPage() {
  const session = useSession();
  const id = idFromPath('/songs/');
  const [song, setSong] = useState<Song | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>(
    id === undefined ? { kind: 'not-found', message: 'No such song.' } : undefined,
  );
  useEffect(() => {
    if (id === undefined) return;
    void call(api.GET('/api/songs/{id}', { params: { path: { id } } })).then((outcome) => {
      if (outcome.ok) setSong(outcome.data);
      else setFailure(outcome.failure);
    });
  }, [id]);

  return (
    <Layout title={song?.title ?? 'Song'} session={session}>
      <p class="back">
        <a href="/">← Search</a>
      </p>
      {failure !== undefined && <Notice tone="error">{describeFailure(failure)}</Notice>}
      {song === undefined && failure === undefined && <p class="loading">Loading the song…</p>}
      {song !== undefined && <SongDetails song={song} session={session} />}
    </Layout>
  );
}

function SongDetails({ song, session }: { song: Song; session: SessionState }) {
  const facts: Array<[string, string | null]> = [
    ['Artist', song.artist],
    ['Album', song.album],
    ['Year', song.year === null ? null : String(song.year)],
    ['Genre', song.genre],
    ['Length', song.durationMs === null ? null : minutes(song.durationMs)],
    ['Tempo', song.bpm === null ? null : `${song.bpm} BPM`],
    ['Key', song.musicalKey],
    [
      'Chart peak',
      song.peak === null ? null : `#${song.peak}${song.weeks === null ? '' : `, ${song.weeks} weeks`}`,
    ],
    ['Explicit', song.explicit ? 'Yes' : null],
  ];
  const signedIn = session.status === 'signed-in';
  return (
    <article class="song card">
      <h1>{song.title}</h1>
      <p class="song-artist">{song.artist}</p>
      <dl class="facts">
        {facts
          .filter((fact): fact is [string, string] => fact[1] !== null)
          .map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
      </dl>
      <div class="actions">
        {song.hasAudio && signedIn && <Player songId={song.id} />}
        {song.hasAudio && !signedIn && <a href={signInUrl()}>Sign in to play it</a>}
        {!song.hasAudio && <p class="muted">No audio for this song yet.</p>}
        {signedIn ? (
          <Favourite songId={song.id} />
        ) : (
          <a href={signInUrl()}>Sign in to keep it as a favourite</a>
        )}
      </div>
    </article>
  );
}

function Favourite({ songId }: { songId: string }) {
  const [kept, setKept] = useState<boolean | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  useEffect(() => {
    void call(api.GET('/api/me/favourites', { params: { query: { limit: 50 } } })).then((outcome) => {
      setKept(outcome.ok ? outcome.data.items.some((item) => item.songId === songId) : false);
    });
  }, [songId]);
  const toggle = async () => {
    const params = { params: { path: { songId } } };
    const outcome = await call(
      kept
        ? api.DELETE('/api/me/favourites/{songId}', params)
        : api.PUT('/api/me/favourites/{songId}', params),
    );
    if (outcome.ok) {
      setKept(!kept);
      setMessage(kept ? 'Removed from your favourites.' : 'Added to your favourites.');
    } else setMessage(describeFailure(outcome.failure));
  };
  return (
    <>
      <button
        type="button"
        class="button secondary"
        aria-pressed={kept === true}
        disabled={kept === undefined}
        onClick={() => void toggle()}
      >
        {kept ? '★ In your favourites' : '☆ Add to favourites'}
      </button>
      {message !== undefined && <Notice>{message}</Notice>}
    </>
  );
}

mount(SongPage);
