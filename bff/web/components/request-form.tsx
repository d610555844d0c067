import { useState } from 'preact/hooks';
import { api, call, describeFailure, type SongHit } from '../api.ts';
import { keyChangeText } from '../rotation.ts';
import { Notice } from './layout.tsx';
import { SongSearch } from './song-search.tsx';

const KEY_CHANGES = [-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6];

/**
 * Request a song at a night through the same search box as the home page: choosing a song picks it,
 * then a key change and (for the KJ's walk-in guests) a name.
 */
export function RequestForm({
  eventId,
  forGuest = false,
  onRequested,
}: {
  eventId: string;
  forGuest?: boolean;
  onRequested: () => void;
}) {
  const [song, setSong] = useState<SongHit | undefined>();
  const [keyChange, setKeyChange] = useState(0);
  const [guestName, setGuestName] = useState('');
  const [message, setMessage] = useState<{ tone: 'info' | 'error'; text: string } | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (song === undefined) return;
    setBusy(true);
    const outcome = await call(
      api.POST('/api/events/{id}/requests', {
        params: { path: { id: eventId } },
        body: { songId: song.id, keyChange, ...(forGuest ? { guestName: guestName.trim() } : {}) },
      }),
    );
    setBusy(false);
    if (outcome.ok) {
      setMessage({ tone: 'info', text: `Requested “${song.title}”.` });
      setSong(undefined);
      setGuestName('');
      setKeyChange(0);
      onRequested();
    } else setMessage({ tone: 'error', text: describeFailure(outcome.failure) });
  };

  return (
    <form class="request card" onSubmit={(event) => void submit(event)}>
      <h2>{forGuest ? 'Add a walk-in guest' : 'Request a song'}</h2>
      {forGuest && (
        <label class="field">
          Guest name
          <input
            required
            maxLength={40}
            value={guestName}
            onInput={(event) => setGuestName(event.currentTarget.value)}
          />
        </label>
      )}
      <SongSearch onChoose={setSong} />
      {song !== undefined && (
        <p class="chosen">
          Chosen: <strong>{song.title}</strong> by {song.artist}
        </p>
      )}
      <label class="field">
        Key change
        <select
          value={String(keyChange)}
          onChange={(event) => setKeyChange(Number(event.currentTarget.value))}
        >
          {KEY_CHANGES.map((semitones) => (
            <option key={semitones} value={String(semitones)}>
              {keyChangeText(semitones)}
            </option>
          ))}
        </select>
      </label>
      <button
        type="submit"
        class="button"
        disabled={song === undefined || busy || (forGuest && guestName.trim() === '')}
      >
        {song === undefined ? 'Choose a song first' : `Request “${song.title}”`}
      </button>
      {message !== undefined && <Notice tone={message.tone}>{message.text}</Notice>}
    </form>
  );
}
