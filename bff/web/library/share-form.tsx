import { useEffect, useState } from 'preact/hooks';
import { api, call, describeFailure, type Me, type Playlist, type Share } from '../api.ts';
import { Notice } from '../components/layout.tsx';
import { USER_ID_HINT, USER_ID_PATTERN } from './user-id.ts';

type Permission = Share['permission'];

/**
 * Share the playlist (its owner) or one of its songs (anyone who reads it) with another user, to
 * stream, or, for curators and admins, to download; and the shares already made from this page.
 * `target` is `playlist` or a song id.
 */
export function ShareForm({
  playlist,
  me,
  target,
  onTarget,
}: {
  playlist: Playlist;
  me: Me;
  target: string;
  onTarget: (target: string) => void;
}) {
  const owner = playlist.access === 'owner';
  const mayDownload = me.roles.includes('curator') || me.roles.includes('admin');
  const songs = [
    ...new Map(playlist.items.filter((item) => item.available).map((item) => [item.songId, item])).values(),
  ];
  const chosen = target === 'playlist' && !owner ? (songs[0]?.songId ?? '') : target;
  const [userId, setUserId] = useState('');
  const [permission, setPermission] = useState<Permission>('stream');
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<{ tone: 'info' | 'error'; text: string } | undefined>();
  const [sent, setSent] = useState<Share[]>([]);

  const loadSent = async () => {
    const outcome = await call(
      api.GET('/api/shares', { params: { query: { direction: 'sent', limit: 100 } } }),
    );
    if (outcome.ok) setSent(outcome.data.items);
  };
  useEffect(() => {
    void loadSent();
  }, [playlist.id]);

  if (!owner && songs.length === 0) return null;
  const titleOf = (share: Share) =>
    share.playlistId !== null
      ? 'this playlist'
      : `“${songs.find((song) => song.songId === share.songId)?.title ?? 'a song'}”`;
  const mine = sent.filter(
    (share) => share.playlistId === playlist.id || songs.some((song) => song.songId === share.songId),
  );

  const submit = async (event: Event) => {
    event.preventDefault();
    const what = chosen === 'playlist' ? { playlistId: playlist.id } : { songId: chosen };
    const outcome = await call(
      api.POST('/api/shares', {
        body: {
          ...what,
          userId: userId.trim().toLowerCase(),
          permission,
          ...(note.trim() === '' ? {} : { message: note.trim() }),
        },
      }),
    );
    if (outcome.ok) {
      setMessage({ tone: 'info', text: `Shared ${titleOf(outcome.data)} with ${outcome.data.toUserId}.` });
      setUserId('');
      setNote('');
      void loadSent();
    } else setMessage({ tone: 'error', text: describeFailure(outcome.failure) });
  };
  const withdraw = async (share: Share) => {
    const outcome = await call(api.DELETE('/api/shares/{id}', { params: { path: { id: share.id } } }));
    if (outcome.ok) {
      setMessage({ tone: 'info', text: `No longer shared with ${share.toUserId}.` });
      void loadSent();
    } else setMessage({ tone: 'error', text: describeFailure(outcome.failure) });
  };

  return (
    <section class="card" aria-labelledby="share-heading">
      <h2 id="share-heading">Share with a user</h2>
      <form onSubmit={(event) => void submit(event)}>
        <label class="field">
          What
          <select value={chosen} onChange={(event) => onTarget(event.currentTarget.value)}>
            {owner && <option value="playlist">The whole playlist</option>}
            {songs.map((song) => (
              <option key={song.songId} value={song.songId}>
                {`${song.title} · ${song.artist}`}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          With (user id)
          <input
            id="share-user"
            required
            pattern={USER_ID_PATTERN}
            title={USER_ID_HINT}
            autocomplete="off"
            spellcheck={false}
            value={userId}
            onInput={(event) => setUserId(event.currentTarget.value)}
          />
        </label>
        <fieldset class="choice">
          <legend>They may</legend>
          <label class="check">
            <input
              type="radio"
              name="permission"
              checked={permission === 'stream'}
              onChange={() => setPermission('stream')}
            />
            play it
          </label>
          <label class="check">
            <input
              type="radio"
              name="permission"
              checked={permission === 'download'}
              disabled={!mayDownload}
              onChange={() => setPermission('download')}
            />
            play and download it{mayDownload ? '' : ' (curators only)'}
          </label>
        </fieldset>
        <label class="field">
          Message (optional)
          <textarea
            maxLength={2000}
            rows={2}
            value={note}
            onInput={(event) => setNote(event.currentTarget.value)}
          />
        </label>
        <button type="submit" class="button">
          Share
        </button>
      </form>
      {message !== undefined && <Notice tone={message.tone}>{message.text}</Notice>}
      {mine.length > 0 && (
        <>
          <h3>Shared from here</h3>
          <ul class="shares-sent">
            {mine.map((share) => (
              <li key={share.id}>
                <span>
                  {titleOf(share)} with <code class="user">{share.toUserId}</code>{' '}
                  <span class="muted">
                    ({share.permission === 'download' ? 'play and download' : 'play'})
                  </span>
                </span>
                <button
                  type="button"
                  class="button small secondary"
                  aria-label={`Stop sharing ${titleOf(share)} with ${share.toUserId}`}
                  onClick={() => void withdraw(share)}
                >
                  Stop sharing
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
