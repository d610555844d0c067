import { useState } from 'preact/hooks';
import { api, call, describeFailure, idFromPath, signInUrl, type Turn } from '../api.ts';
import { Layout, Notice } from '../components/layout.tsx';
import { RequestForm } from '../components/request-form.tsx';
import { mount } from '../mount.tsx';
import { keyChangeText, startsAt, useEvent, useRotation } from '../rotation.ts';
import { useSession } from '../session.ts';

const POLL_MS = 2000;

/** A singer at a night: their place, when they start, their song; request another or withdraw. */
function NightPage() {
  const session = useSession();
  const eventId = idFromPath('/events/');
  const { event, failure: eventFailure } = useEvent(eventId);
  const { rotation, failure, refresh } = useRotation(eventId, POLL_MS);
  const [message, setMessage] = useState<string | undefined>();
  const me = session.status === 'signed-in' ? session.me : undefined;

  const mine =
    rotation?.upNext.flatMap((turn, index) =>
      turn.singerId === me?.id ? [{ turn, place: index + 1 }] : [],
    ) ?? [];
  const onStage = rotation?.nowPerforming !== null && rotation?.nowPerforming?.singerId === me?.id;

  const withdraw = async (turn: Turn) => {
    if (eventId === undefined) return;
    const outcome = await call(
      api.DELETE('/api/events/{id}/requests/{requestId}', {
        params: { path: { id: eventId, requestId: turn.requestId } },
      }),
    );
    setMessage(outcome.ok ? `Withdrew “${turn.title}”.` : describeFailure(outcome.failure));
    await refresh();
  };

  return (
    <Layout title={event?.name ?? 'Karaoke night'} session={session}>
      <h1>{event?.name ?? 'Karaoke night'}</h1>
      {eventFailure !== undefined && <Notice tone="error">{describeFailure(eventFailure)}</Notice>}
      {failure !== undefined && (
        <Notice tone="error">{`${describeFailure(failure)}${rotation ? ' Showing the rotation as it was.' : ''}`}</Notice>
      )}
      {event?.closed && <Notice>This night is closed.</Notice>}
      {message !== undefined && <Notice>{message}</Notice>}

      <section class="card" aria-labelledby="your-turn">
        <h2 id="your-turn">Your turn</h2>
        {session.status === 'anonymous' && (
          <p>
            <a href={signInUrl()}>Sign in</a> to request a song and see your place.
          </p>
        )}
        {me !== undefined && rotation !== undefined && onStage && <p class="big">You are on stage now!</p>}
        {me !== undefined && rotation !== undefined && !onStage && mine.length === 0 && (
          <p>You have no song waiting. Request one below.</p>
        )}
        {mine.map(({ turn, place }) => (
          <div class="my-turn" key={turn.requestId}>
            <p class="place">
              You are <strong>{ordinal(place)}</strong> in line
            </p>
            <p>
              Estimated start: <strong>{startsAt(turn.estimatedStartAt)}</strong>
            </p>
            <p>
              Your song: <strong>{turn.title}</strong> by {turn.artist} ({keyChangeText(turn.keyChange)})
            </p>
            <button type="button" class="button secondary" onClick={() => void withdraw(turn)}>
              Withdraw “{turn.title}”
            </button>
          </div>
        ))}
      </section>

      {me !== undefined && eventId !== undefined && !event?.closed && (
        <RequestForm eventId={eventId} onRequested={() => void refresh()} />
      )}

      {rotation !== undefined && (
        <section class="card" aria-labelledby="now">
          <h2 id="now">On stage</h2>
          <p>
            {rotation.nowPerforming
              ? `${rotation.nowPerforming.stageName}: ${rotation.nowPerforming.title}`
              : 'Nobody yet.'}
          </p>
          <h3>Up next</h3>
          {rotation.upNext.length === 0 ? (
            <p>Nobody is waiting.</p>
          ) : (
            <ol class="queue">
              {rotation.upNext.map((turn) => (
                <li key={turn.requestId} class={turn.singerId === me?.id ? 'mine' : undefined}>
                  {turn.stageName}
                  {turn.singerId === me?.id && ' (you)'}
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
    </Layout>
  );
}

const ordinal = (n: number) => {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
};

mount(NightPage);
