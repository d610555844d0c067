import { useEffect, useState } from 'preact/hooks';
import { api, call, describeFailure, type Failure, type Playlist, type Share, type Song } from '../api.ts';
import { SignedIn } from '../components/gate.tsx';
import { Layout, Notice } from '../components/layout.tsx';
import { DownloadLink, Player } from '../components/player.tsx';
import { playlistPath } from '../library/paths.ts';
import { mount } from '../mount.tsx';
import { useSession } from '../session.ts';

const PAGE = 50;

/** What a share is of, as the catalog or the playlists service has it now. */
type Shared =
  | { kind: 'song'; song: Song }
  | { kind: 'playlist'; playlist: Playlist }
  | { kind: 'gone'; failure: Failure };

/** `/library/shared`: the songs and playlists other users shared with you, to play or download. */
function SharedPage() {
  const session = useSession();
  return (
    <Layout title="Shared with me" session={session}>
      <h1>Shared with me</h1>
      <SignedIn session={session}>{() => <SharedList />}</SignedIn>
    </Layout>
  );
}

function SharedList() {
  const [shares, setShares] = useState<Share[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const load = async (after?: string) => {
    const outcome = await call(
      api.GET('/api/shares', {
        params: { query: { direction: 'received', limit: PAGE, ...(after ? { cursor: after } : {}) } },
      }),
    );
    if (!outcome.ok) {
      setFailure(outcome.failure);
      return;
    }
    setFailure(undefined);
    setShares((current) => (after ? [...(current ?? []), ...outcome.data.items] : outcome.data.items));
    setCursor(outcome.data.cursor);
  };
  useEffect(() => {
    void load();
  }, []);
  const decline = async (share: Share) => {
    const outcome = await call(api.DELETE('/api/shares/{id}', { params: { path: { id: share.id } } }));
    if (outcome.ok) {
      setShares((current) => current?.filter((other) => other.id !== share.id));
      setMessage('Removed from what is shared with you.');
    } else setMessage(describeFailure(outcome.failure));
  };
  return (
    <>
      {failure !== undefined && (
        <Notice tone="error">{`${describeFailure(failure)}${shares ? ' Showing what was shared as it was.' : ''}`}</Notice>
      )}
      {message !== undefined && <Notice>{message}</Notice>}
      {shares === undefined && failure === undefined && <p class="loading">Loading…</p>}
      {shares?.length === 0 && <p class="card muted">Nothing is shared with you yet.</p>}
      {shares !== undefined && shares.length > 0 && (
        <ul class="shares">
          {shares.map((share) => (
            <SharedItem key={share.id} share={share} onDecline={() => void decline(share)} />
          ))}
        </ul>
      )}
      {cursor !== null && (
        <button type="button" class="button secondary" onClick={() => void load(cursor)}>
          Show more
        </button>
      )}
    </>
  );
}

function SharedItem({ share, onDecline }: { share: Share; onDecline: () => void }) {
  const [shared, setShared] = useState<Shared | undefined>();
  useEffect(() => {
    const read = async (): Promise<Shared> => {
      if (share.songId !== null) {
        const outcome = await call(api.GET('/api/songs/{id}', { params: { path: { id: share.songId } } }));
        return outcome.ok ? { kind: 'song', song: outcome.data } : { kind: 'gone', failure: outcome.failure };
      }
      const outcome = await call(
        api.GET('/api/playlists/{id}', { params: { path: { id: share.playlistId ?? '' } } }),
      );
      return outcome.ok
        ? { kind: 'playlist', playlist: outcome.data }
        : { kind: 'gone', failure: outcome.failure };
    };
    void read().then(setShared);
  }, [share.id]);
  const download = share.permission === 'download';
  const name =
    shared?.kind === 'song'
      ? shared.song.title
      : shared?.kind === 'playlist'
        ? shared.playlist.name
        : 'Shared item';
  return (
    <li class="card shared">
      <h2 class="shared-title">
        {shared?.kind === 'playlist' ? (
          <a href={playlistPath(shared.playlist.id)}>{shared.playlist.name}</a>
        ) : (
          name
        )}
      </h2>
      <p class="muted">
        {share.songId !== null ? 'A song' : 'A playlist'}
        {shared?.kind === 'song' ? ` by ${shared.song.artist}` : ''} ·{' '}
        {download ? 'play and download' : 'play'} · shared {new Date(share.createdAt).toLocaleDateString()}
      </p>
      {share.message !== null && <blockquote class="share-message">{share.message}</blockquote>}
      {shared === undefined && <p class="loading">Loading…</p>}
      {shared?.kind === 'gone' && (
        <Notice tone="error">
          {shared.failure.kind === 'not-found' ? 'It is no longer there.' : describeFailure(shared.failure)}
        </Notice>
      )}
      {shared?.kind === 'song' && (
        <SongActions
          songId={shared.song.id}
          title={shared.song.title}
          hasAudio={shared.song.hasAudio}
          download={download}
        />
      )}
      {shared?.kind === 'playlist' && (
        <ol class="shared-songs">
          {shared.playlist.items.map((item) => (
            <li key={item.itemId}>
              {item.available ? (
                <>
                  <span>
                    <strong>{item.title}</strong> <span class="muted">· {item.artist}</span>
                  </span>
                  <SongActions
                    songId={item.songId}
                    title={item.title ?? ''}
                    hasAudio={item.hasAudio}
                    download={download}
                  />
                </>
              ) : (
                <span class="muted">A song no longer in the catalog</span>
              )}
            </li>
          ))}
        </ol>
      )}
      <button
        type="button"
        class="link"
        aria-label={`Remove “${name}” from what is shared with you`}
        onClick={onDecline}
      >
        Remove
      </button>
    </li>
  );
}

function SongActions({
  songId,
  title,
  hasAudio,
  download,
}: {
  songId: string;
  title: string;
  hasAudio: boolean;
  download: boolean;
}) {
  if (!hasAudio) return <p class="muted">No audio yet.</p>;
  return (
    <div class="actions">
      <Player songId={songId} title={title} />
      {download && <DownloadLink songId={songId} title={title} />}
    </div>
  );
}

mount(SharedPage);
