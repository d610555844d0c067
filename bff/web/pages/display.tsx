import { describeFailure, idFromPath } from '../api.ts';
import { Layout } from '../components/layout.tsx';
import { mount } from '../mount.tsx';
import { keyChangeText, useEvent, useRotation } from '../rotation.ts';

/** An unchanged rotation costs a bodiless 304, so the screen can ask every second and follow within two. */
const POLL_MS = 1000;
const NEXT_SHOWN = 3;

/** The venue's screen: who sings now and the next three, in type readable across a bar. */
function DisplayPage() {
  const eventId = idFromPath('/events/');
  const { event, failure: eventFailure } = useEvent(eventId);
  const { rotation, failure } = useRotation(eventId, POLL_MS);
  const now = rotation?.nowPerforming ?? null;
  const problem = eventFailure ?? failure;
  return (
    <Layout title={event?.name ?? 'Now singing'} session={{ status: 'loading' }} bare>
      <div class="display">
        <h1 class="display-title">{event?.name ?? 'Karaoke night'}</h1>
        {problem !== undefined && (
          <p class="display-problem" role="alert">
            {describeFailure(problem)}
          </p>
        )}
        <section aria-labelledby="display-now" class="display-now">
          <h2 id="display-now">Now singing</h2>
          {now === null ? (
            <p class="display-empty">{rotation === undefined ? 'Loading…' : 'The stage is free'}</p>
          ) : (
            <>
              <p class="display-singer">{now.stageName}</p>
              <p class="display-song">
                {now.title} <span class="display-artist">· {now.artist}</span>
              </p>
              {now.keyChange !== 0 && <p class="display-key">{keyChangeText(now.keyChange)}</p>}
            </>
          )}
        </section>
        <section aria-labelledby="display-next" class="display-next">
          <h2 id="display-next">Up next</h2>
          {rotation !== undefined && rotation.upNext.length === 0 ? (
            <p class="display-empty">Request a song!</p>
          ) : (
            <ol>
              {(rotation?.upNext ?? []).slice(0, NEXT_SHOWN).map((turn) => (
                <li key={turn.requestId}>
                  <span class="display-next-singer">{turn.stageName}</span>
                  <span class="display-next-song">{turn.title}</span>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
    </Layout>
  );
}

mount(DisplayPage);
