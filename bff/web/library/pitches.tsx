import { useEffect, useState } from 'preact/hooks';
import { api, call, describeFailure, type Pitch, type Playlist, type SentPitch } from '../api.ts';
import { CopyButton } from '../components/gate.tsx';
import { Notice } from '../components/layout.tsx';
import { parseRecipients } from './recipients.ts';

const when = (iso: string | null) => (iso === null ? 'never' : new Date(iso).toLocaleString());
const plays = (recipient: Pitch['recipients'][number]) =>
  Object.values(recipient.plays).reduce((sum, count) => sum + count, 0);

/** The owner's pitches of this playlist: send one (its links shown once), and each one's activity. */
export function Pitches({ playlist }: { playlist: Playlist }) {
  const [pitches, setPitches] = useState<Pitch[] | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [sent, setSent] = useState<SentPitch | undefined>();

  const load = async () => {
    const page = await call(api.GET('/api/pitches', { params: { query: { limit: 100 } } }));
    if (!page.ok) {
      setFailure(describeFailure(page.failure));
      return;
    }
    const ours = page.data.items.filter((pitch) => pitch.playlistId === playlist.id);
    const read = await Promise.all(
      ours.map((pitch) => call(api.GET('/api/pitches/{id}', { params: { path: { id: pitch.id } } }))),
    );
    const failed = read.find((outcome) => !outcome.ok);
    setFailure(failed && !failed.ok ? describeFailure(failed.failure) : undefined);
    setPitches(read.flatMap((outcome) => (outcome.ok ? [outcome.data] : [])));
  };
  useEffect(() => {
    void load();
  }, [playlist.id]);

  return (
    <section class="card" aria-labelledby="pitch-heading">
      <h2 id="pitch-heading">Pitch this playlist</h2>
      <p class="muted">
        Send its songs, as they are now, to people without an account: each gets a link of their own.
      </p>
      <PitchForm
        playlist={playlist}
        onSent={(answer) => {
          setSent(answer);
          void load();
        }}
      />
      {sent !== undefined && <SentLinks sent={sent} onDone={() => setSent(undefined)} />}
      <h3 id="pitches-sent">Pitches sent</h3>
      {failure !== undefined && <Notice tone="error">{failure}</Notice>}
      {pitches === undefined && failure === undefined && <p class="loading">Loading pitches…</p>}
      {pitches?.length === 0 && <p class="muted">None yet.</p>}
      {pitches?.map((pitch) => (
        <PitchActivity key={pitch.id} pitch={pitch} onChanged={() => void load()} />
      ))}
    </section>
  );
}

function PitchForm({ playlist, onSent }: { playlist: Playlist; onSent: (sent: SentPitch) => void }) {
  const [recipients, setRecipients] = useState('');
  const [title, setTitle] = useState('');
  const [message, setMessage] = useState('');
  const [expires, setExpires] = useState('');
  const [password, setPassword] = useState('');
  const [allowDownload, setAllowDownload] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const expiresAt = expires === '' ? undefined : new Date(expires);
    if (expiresAt !== undefined && Number.isNaN(expiresAt.getTime())) {
      setProblem('The expiry is not a date.');
      return;
    }
    setBusy(true);
    const outcome = await call(
      api.POST('/api/pitches', {
        body: {
          playlistId: playlist.id,
          recipients: parseRecipients(recipients),
          allowDownload,
          ...(title.trim() === '' ? {} : { title: title.trim() }),
          ...(message.trim() === '' ? {} : { message: message.trim() }),
          ...(expiresAt === undefined ? {} : { expiresAt: expiresAt.toISOString() }),
          ...(password === '' ? {} : { password }),
        },
      }),
    );
    setBusy(false);
    if (outcome.ok) {
      setProblem(undefined);
      setRecipients('');
      setPassword('');
      onSent(outcome.data);
    } else setProblem(describeFailure(outcome.failure));
  };
  return (
    <form class="pitch-form" onSubmit={(event) => void submit(event)}>
      <label class="field">
        Recipients: one e-mail address a line, e.g. Ada &lt;ada@example.com&gt;
        <textarea
          required
          rows={3}
          value={recipients}
          autocomplete="off"
          onInput={(event) => setRecipients(event.currentTarget.value)}
        />
      </label>
      <label class="field">
        Title (optional; the playlist's name otherwise)
        <input maxLength={200} value={title} onInput={(event) => setTitle(event.currentTarget.value)} />
      </label>
      <label class="field">
        Message (optional)
        <textarea
          rows={3}
          maxLength={2000}
          value={message}
          onInput={(event) => setMessage(event.currentTarget.value)}
        />
      </label>
      <label class="field">
        Expires (optional)
        <input
          type="datetime-local"
          value={expires}
          onInput={(event) => setExpires(event.currentTarget.value)}
        />
      </label>
      <label class="field">
        Password (optional)
        <input
          type="password"
          maxLength={200}
          autocomplete="new-password"
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={allowDownload}
          onChange={(event) => setAllowDownload(event.currentTarget.checked)}
        />
        Let them download the songs
      </label>
      <button type="submit" class="button" disabled={busy || playlist.items.length === 0}>
        {playlist.items.length === 0 ? 'Add songs to pitch first' : 'Send the pitch'}
      </button>
      {problem !== undefined && <Notice tone="error">{problem}</Notice>}
    </form>
  );
}

/** Each recipient's link, shown this once: only its hash is kept. */
function SentLinks({ sent, onDone }: { sent: SentPitch; onDone: () => void }) {
  return (
    <section class="sent-links" aria-labelledby="links-heading">
      <h3 id="links-heading">Links for “{sent.pitch.title}”</h3>
      <Notice>Copy each link now: it is shown only this once.</Notice>
      <ul>
        {sent.links.map((link) => (
          <li key={link.recipientId}>
            <span class="recipient">{link.email}</span>
            <input
              class="link-text"
              readOnly
              value={link.link}
              aria-label={`Link for ${link.email}`}
              onFocus={(event) => event.currentTarget.select()}
            />
            <CopyButton text={link.link} label={`Copy the link for ${link.email}`} />
          </li>
        ))}
      </ul>
      <button type="button" class="button secondary" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function PitchActivity({ pitch, onChanged }: { pitch: Pitch; onChanged: () => void }) {
  const [problem, setProblem] = useState<string | undefined>();
  const revoke = async () => {
    const outcome = await call(api.POST('/api/pitches/{id}/revoke', { params: { path: { id: pitch.id } } }));
    if (outcome.ok) onChanged();
    else setProblem(describeFailure(outcome.failure));
  };
  const revokeOne = async (recipientId: string) => {
    const outcome = await call(
      api.DELETE('/api/pitches/{id}/recipients/{recipientId}', {
        params: { path: { id: pitch.id, recipientId } },
      }),
    );
    if (outcome.ok) onChanged();
    else setProblem(describeFailure(outcome.failure));
  };
  const state = pitch.revoked
    ? 'revoked'
    : pitch.expiresAt !== null && Date.parse(pitch.expiresAt) < Date.now()
      ? 'expired'
      : 'open';
  return (
    <article class="pitch" aria-label={`Pitch “${pitch.title}”`}>
      <h4>
        {pitch.title} <span class={`badge ${state}`}>{state}</span>
      </h4>
      <p class="muted">
        Sent {when(pitch.createdAt)} · {pitch.songIds.length} {pitch.songIds.length === 1 ? 'song' : 'songs'}{' '}
        · {pitch.allowDownload ? 'download allowed' : 'stream only'}
        {pitch.hasPassword ? ' · password' : ''}
        {pitch.expiresAt === null ? '' : ` · expires ${when(pitch.expiresAt)}`}
      </p>
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">Activity per recipient of “{pitch.title}”</caption>
          <thead>
            <tr>
              <th scope="col">Recipient</th>
              <th scope="col">Opens</th>
              <th scope="col">Plays</th>
              <th scope="col">Downloads</th>
              <th scope="col">Last opened</th>
              <th scope="col">
                <span class="visually-hidden">Link</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {pitch.recipients.map((recipient) => (
              <tr key={recipient.recipientId}>
                <th scope="row">
                  {recipient.name === null ? recipient.email : `${recipient.name} <${recipient.email}>`}
                </th>
                <td>{recipient.opens}</td>
                <td>{plays(recipient)}</td>
                <td>{recipient.downloads}</td>
                <td>{when(recipient.lastOpenedAt)}</td>
                <td>
                  {recipient.revoked || pitch.revoked ? (
                    <span class="muted">revoked</span>
                  ) : (
                    <button
                      type="button"
                      class="button small secondary"
                      aria-label={`Revoke the link of ${recipient.email}`}
                      onClick={() => void revokeOne(recipient.recipientId)}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!pitch.revoked && (
        <button type="button" class="button small secondary" onClick={() => void revoke()}>
          Revoke the whole pitch
        </button>
      )}
      {problem !== undefined && <Notice tone="error">{problem}</Notice>}
    </article>
  );
}
