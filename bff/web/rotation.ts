import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, call, type Failure, type KaraokeEvent, type Rotation, type Turn } from './api.ts';

/**
 * A night's rotation, asked for every `everyMs` with `If-None-Match`: an unchanged rotation costs a
 * 304 with no body. A failed poll keeps what the page shows and says so; the next poll tries again.
 */
export function useRotation(eventId: string | undefined, everyMs: number) {
  const [rotation, setRotation] = useState<Rotation | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const etag = useRef<string | undefined>(undefined);

  const refresh = useCallback(async () => {
    if (eventId === undefined) return undefined;
    const outcome = await call(
      api.GET('/api/events/{id}/rotation', {
        params: { path: { id: eventId }, header: etag.current ? { 'if-none-match': etag.current } : {} },
      }),
    );
    if (!outcome.ok) {
      setFailure(outcome.failure);
      return undefined;
    }
    setFailure(undefined);
    if (outcome.response.status === 304) return undefined;
    etag.current = outcome.response.headers.get('etag') ?? undefined;
    const next = outcome.data as Rotation;
    setRotation(next);
    return next;
  }, [eventId]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await refresh().catch(() => undefined);
      if (!stopped) timer = setTimeout(() => void tick(), everyMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [refresh, everyMs]);

  /** An answer of a KJ action: the rotation it returned and its new ETag. */
  const accept = useCallback((next: Rotation, response: Response) => {
    etag.current = response.headers.get('etag') ?? undefined;
    setRotation(next);
  }, []);

  return { rotation, failure, refresh, accept, etag };
}

export function useEvent(eventId: string | undefined) {
  const [event, setEvent] = useState<KaraokeEvent | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>(
    eventId === undefined ? { kind: 'not-found', message: 'No such karaoke night.' } : undefined,
  );
  const load = useCallback(async () => {
    if (eventId === undefined) return;
    const outcome = await call(api.GET('/api/events/{id}', { params: { path: { id: eventId } } }));
    if (outcome.ok) setEvent(outcome.data);
    else setFailure(outcome.failure);
  }, [eventId]);
  useEffect(() => {
    void load();
  }, [load]);
  return { event, failure, reload: load };
}

/** "9:41 PM (in 12 min)" for an estimated start. */
export function startsAt(iso: string, now: number = Date.now()): string {
  const at = new Date(iso);
  const clock = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const minutes = Math.round((at.getTime() - now) / 60_000);
  if (minutes <= 0) return `${clock} (any moment now)`;
  return `${clock} (in ${minutes} min)`;
}

export const keyChangeText = (semitones: number) =>
  semitones === 0
    ? 'original key'
    : `${semitones > 0 ? '+' : '−'}${Math.abs(semitones)} semitone${Math.abs(semitones) === 1 ? '' : 's'}`;

/** Who is where now, for telling a KJ what changed under them. */
export function describeChange(before: Rotation | undefined, after: Rotation): string {
  const names = (turns: Turn[]) => turns.map((turn) => turn.stageName);
  const parts: string[] = [];
  if (before?.nowPerforming?.requestId !== after.nowPerforming?.requestId)
    parts.push(
      after.nowPerforming ? `${after.nowPerforming.stageName} is now performing` : 'nobody is performing',
    );
  const was = before ? names(before.upNext) : [];
  const is = names(after.upNext);
  const joined = is.filter((name) => !was.includes(name));
  const left = was.filter((name) => !is.includes(name));
  if (joined.length > 0) parts.push(`${joined.join(', ')} joined up next`);
  if (left.length > 0) parts.push(`${left.join(', ')} left up next`);
  if (parts.length === 0 && was.join('\n') !== is.join('\n')) parts.push('the order of up next changed');
  const keyBefore = new Map(before?.upNext.map((turn) => [turn.requestId, turn.keyChange]));
  for (const turn of after.upNext) {
    const was = keyBefore.get(turn.requestId);
    if (was !== undefined && was !== turn.keyChange) {
      parts.push(`${turn.stageName}'s song is now in ${keyChangeText(turn.keyChange)}`);
    }
  }
  return parts.length === 0
    ? 'The rotation had changed; it is shown as it is now.'
    : `The rotation had changed: ${parts.join('; ')}.`;
}
