import { useState } from 'preact/hooks';
import { api, call, describeFailure, idFromPath, type Rotation, type Turn } from '../api.ts';
import { Layout, Notice } from '../components/layout.tsx';
import { RequestForm } from '../components/request-form.tsx';
import { mount } from '../mount.tsx';
import { describeChange, keyChangeText, startsAt, useEvent, useRotation } from '../rotation.ts';
import { type SessionState, useSession } from '../session.ts';

const POLL_MS = 2000;

function KjPage() {
  const session = useSession();
  const eventId = idFromPath('/events/');
  return eventId === undefined ? (
    <OpenNight session={session} />
  ) : (
    <Console eventId={eventId} session={session} />
  );
}

/** `/kj`: open a night, then run it from its console. */
function OpenNight({ session }: { session: SessionState }) {
  const [name, setName] = useState('');
  const [fairness, setFairness] = useState<'fair' | 'newcomers-first' | 'bottom'>('fair');
  const [publicDisplay, setPublicDisplay] = useState(true);
  const [message, setMessage] = useState<string | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const outcome = await call(
      api.POST('/api/events', {
        body: { name: name.trim(), fairness, publicDisplay, maxQueuedPerSinger: null },
      }),
    );
    if (outcome.ok) location.assign(`/events/${encodeURIComponent(outcome.data.id)}/kj`);
    else setMessage(describeFailure(outcome.failure));
  };
  return (
    <Layout title="Host a night" session={session}>
      <h1>Host a karaoke night</h1>
      <form class="card" onSubmit={(event) => void submit(event)}>
        <label class="field">
          Name of the night
          <input
            required
            maxLength={80}
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </label>
        <label class="field">
          Where a newcomer joins the rotation
          <select
            value={fairness}
            onChange={(event) => setFairness(event.currentTarget.value as typeof fairness)}
          >
            <option value="fair">After everyone already waiting this round</option>
            <option value="newcomers-first">Right after the next singer</option>
            <option value="bottom">At the end</option>
          </select>
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={publicDisplay}
            onChange={(event) => setPublicDisplay(event.currentTarget.checked)}
          />
          Show the rotation on the venue's screen without signing in
        </label>
        <button type="submit" class="button">
          Open the night
        </button>
        {message !== undefined && <Notice tone="error">{message}</Notice>}
      </form>
    </Layout>
  );
}

type Action = 'advance' | 'skip';

/** Semitones a request may shift the key, either way (as the API allows). */
const KEY_CHANGES = Array.from({ length: 13 }, (_, index) => index - 6);

/**
 * `/events/{id}/kj`: now performing, up next (drag and drop or the move buttons, and each waiting
 * song's key), advance, skip, close.
 */
function Console({ eventId, session }: { eventId: string; session: SessionState }) {
  const { event, failure: eventFailure, reload } = useEvent(eventId);
  const { rotation, failure, refresh, accept, etag } = useRotation(eventId, POLL_MS);
  const [message, setMessage] = useState<{ tone: 'info' | 'error'; text: string } | undefined>();
  const [dragged, setDragged] = useState<string | undefined>();
  const [closing, setClosing] = useState(false);
  const [busy, setBusy] = useState(false);

  /** A KJ action under `If-Match`: a 412 means someone changed the rotation first, so show it as it is now. */
  const act = async (
    run: (ifMatch: string) => Promise<{ data?: Rotation; error?: unknown; response: Response }>,
    done: string,
  ) => {
    setBusy(true);
    const before = rotation;
    const outcome = await call(run(etag.current ?? '*'));
    setBusy(false);
    if (outcome.ok) {
      accept(outcome.data as Rotation, outcome.response);
      setMessage({ tone: 'info', text: done });
    } else if (outcome.failure.kind === 'conflict' && outcome.failure.status === 412) {
      const now = await refresh();
      setMessage({
        tone: 'error',
        text: `${now ? describeChange(before, now) : 'The rotation had changed.'} Nothing was done: try again.`,
      });
    } else setMessage({ tone: 'error', text: describeFailure(outcome.failure) });
  };
  const path = { id: eventId };
  const step = (action: Action) =>
    act(
      (ifMatch) =>
        action === 'advance'
          ? api.POST('/api/events/{id}/rotation/advance', {
              params: { path, header: { 'if-match': ifMatch } },
            })
          : api.POST('/api/events/{id}/rotation/skip', { params: { path, header: { 'if-match': ifMatch } } }),
      action === 'advance' ? 'Advanced to the next singer.' : 'Skipped.',
    );
  const move = (turn: Turn, position: number) =>
    act(
      (ifMatch) =>
        api.POST('/api/events/{id}/rotation/move', {
          params: { path, header: { 'if-match': ifMatch } },
          body: { singerId: turn.singerId, position },
        }),
      `Moved ${turn.stageName} to place ${position + 1}.`,
    );
  const changeKey = (turn: Turn, keyChange: number) =>
    act(
      (ifMatch) =>
        api.PATCH('/api/events/{id}/requests/{requestId}', {
          params: { path: { ...path, requestId: turn.requestId }, header: { 'if-match': ifMatch } },
          body: { keyChange },
        }),
      `${turn.stageName}'s song is now in ${keyChangeText(keyChange)}.`,
    );
  const close = async () => {
    const outcome = await call(api.POST('/api/events/{id}/close', { params: { path } }));
    setClosing(false);
    setMessage(
      outcome.ok
        ? { tone: 'info', text: 'The night is closed.' }
        : { tone: 'error', text: describeFailure(outcome.failure) },
    );
    await reload();
  };

  const upNext = rotation?.upNext ?? [];
  const now = rotation?.nowPerforming ?? null;
  return (
    <Layout title={`KJ · ${event?.name ?? 'Karaoke night'}`} session={session}>
      <h1>{event?.name ?? 'Karaoke night'}</h1>
      <p class="links">
        <a href={`/events/${encodeURIComponent(eventId)}/display`}>Venue display</a> ·{' '}
        <a href={`/events/${encodeURIComponent(eventId)}`}>Singers' page</a>
      </p>
      {eventFailure !== undefined && <Notice tone="error">{describeFailure(eventFailure)}</Notice>}
      {failure !== undefined && (
        <Notice tone="error">{`${describeFailure(failure)}${rotation ? ' Showing the rotation as it was.' : ''}`}</Notice>
      )}
      {event?.closed && <Notice>This night is closed.</Notice>}
      {message !== undefined && <Notice tone={message.tone}>{message.text}</Notice>}

      <section class="card now" aria-labelledby="now-performing">
        <h2 id="now-performing">Now performing</h2>
        {now === null ? (
          <p>Nobody is on stage.</p>
        ) : (
          <p class="big">
            <strong>{now.stageName}</strong>: {now.title} by {now.artist}{' '}
            <span class="muted">({keyChangeText(now.keyChange)})</span>
          </p>
        )}
        <div class="actions">
          <button
            type="button"
            class="button"
            disabled={busy || rotation === undefined || event?.closed}
            onClick={() => void step('advance')}
          >
            Advance
          </button>
          <button
            type="button"
            class="button secondary"
            disabled={busy || now === null || event?.closed}
            onClick={() => void step('skip')}
          >
            Skip
          </button>
        </div>
      </section>

      <section class="card" aria-labelledby="up-next">
        <h2 id="up-next">Up next</h2>
        <p class="muted">Drag a singer to another place, or use the arrow buttons.</p>
        {upNext.length === 0 ? (
          <p>Nobody is waiting.</p>
        ) : (
          <ol class="queue kj-queue">
            {upNext.map((turn, index) => (
              <li
                key={turn.requestId}
                draggable
                data-singer={turn.singerId}
                class={dragged === turn.singerId ? 'dragging' : undefined}
                onDragStart={(dragEvent) => {
                  dragEvent.dataTransfer?.setData('text/plain', turn.singerId);
                  setDragged(turn.singerId);
                }}
                onDragEnd={() => setDragged(undefined)}
                onDragOver={(dragEvent) => dragEvent.preventDefault()}
                onDrop={(dragEvent) => {
                  dragEvent.preventDefault();
                  const singerId = dragEvent.dataTransfer?.getData('text/plain') || dragged;
                  const from = upNext.find((candidate) => candidate.singerId === singerId);
                  setDragged(undefined);
                  if (from !== undefined && from.singerId !== turn.singerId) void move(from, index);
                }}
              >
                <span class="turn">
                  <strong>{turn.stageName}</strong>: {turn.title} by {turn.artist}
                  <span class="muted"> · {startsAt(turn.estimatedStartAt)}</span>
                </span>
                <select
                  class="key"
                  aria-label={`Key change for ${turn.stageName}`}
                  value={turn.keyChange}
                  disabled={busy || event?.closed}
                  onChange={(changeEvent) => {
                    // The select shows the key the rotation has until the answer says otherwise.
                    const select = changeEvent.currentTarget;
                    const chosen = Number(select.value);
                    select.value = String(turn.keyChange);
                    void changeKey(turn, chosen);
                  }}
                >
                  {KEY_CHANGES.map((semitones) => (
                    <option key={semitones} value={semitones}>
                      {keyChangeText(semitones)}
                    </option>
                  ))}
                </select>
                <span class="move">
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Move ${turn.stageName}, place ${index + 1}, up`}
                    disabled={busy || index === 0}
                    onClick={() => void move(turn, index - 1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Move ${turn.stageName}, place ${index + 1}, down`}
                    disabled={busy || index === upNext.length - 1}
                    onClick={() => void move(turn, index + 1)}
                  >
                    ↓
                  </button>
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>

      {!event?.closed && <RequestForm eventId={eventId} forGuest onRequested={() => void refresh()} />}

      {event !== undefined && !event.closed && (
        <section class="card" aria-labelledby="close-night">
          <h2 id="close-night">End of the night</h2>
          {closing ? (
            <div class="actions">
              <span>Close the night? Nobody can request after that.</span>
              <button type="button" class="button danger" onClick={() => void close()}>
                Yes, close it
              </button>
              <button type="button" class="button secondary" onClick={() => setClosing(false)}>
                Keep it open
              </button>
            </div>
          ) : (
            <button type="button" class="button secondary" onClick={() => setClosing(true)}>
              Close the night
            </button>
          )}
        </section>
      )}
    </Layout>
  );
}

mount(KjPage);
