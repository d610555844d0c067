import createClient from 'openapi-fetch';
import type { components, paths } from './generated/openapi';

type Schemas = components['schemas'];
export type Song = Schemas['Song'];
export type SearchResult = Schemas['SongSearchResult'];
export type SongHit = SearchResult['items'][number];
export type Facet = SearchResult['facets']['decade'][number];
export type Turn = Schemas['Turn'];
export type KaraokeEvent = Schemas['KaraokeEvent'];
export type Me = Schemas['Me'];
export type Role = Schemas['User']['roles'][number];
export type Rotation = Schemas['Rotation'];
export type Media = Schemas['Media'];
export type MediaUpload = Schemas['MediaUpload'];
export type MediaContentType = Schemas['MediaUploadRequest']['contentType'];
export type Playlist = Schemas['Playlist'];
export type PlaylistItem = Schemas['PlaylistItem'];
export type PlaylistSummary = Schemas['PlaylistSummary'];
export type Share = Schemas['Share'];
export type Pitch = Schemas['Pitch'];
export type PitchSummary = Schemas['PitchSummary'];
export type SentPitch = Schemas['SentPitch'];

/** Every call goes to this origin with the session cookie; the types come from `/api/openapi.json`. */
export const api = createClient<paths>({ baseUrl: location.origin, credentials: 'same-origin' });

/** Why a call gave no answer, in the terms a page shows. */
export type Failure =
  | { kind: 'signed-out' }
  | { kind: 'forbidden'; message: string }
  | { kind: 'not-found'; message: string }
  | { kind: 'conflict'; status: number; message: string }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'unavailable'; message: string };

export type Outcome<T> = { ok: true; data: T; response: Response } | { ok: false; failure: Failure };

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

const detailOf = (error: unknown, fallback: string): string => {
  if (typeof error === 'object' && error !== null) {
    const { detail, title } = error as { detail?: unknown; title?: unknown };
    if (typeof detail === 'string' && detail !== '') return detail;
    if (typeof title === 'string' && title !== '') return title;
  }
  return fallback;
};

/** Turns an openapi-fetch answer (or its rejection) into data or a {@link Failure}. */
export async function call<T>(request: Promise<Answer<T>>): Promise<Outcome<T>> {
  let answer: Answer<T>;
  try {
    answer = await request;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    return { ok: false, failure: { kind: 'unavailable', message: 'The service cannot be reached.' } };
  }
  const { response } = answer;
  if (response.ok || response.status === 304) return { ok: true, data: answer.data as T, response };
  const status = response.status;
  if (status === 401) return { ok: false, failure: { kind: 'signed-out' } };
  if (status === 403)
    return { ok: false, failure: { kind: 'forbidden', message: detailOf(answer.error, 'Not allowed.') } };
  if (status === 404)
    return { ok: false, failure: { kind: 'not-found', message: detailOf(answer.error, 'Not found.') } };
  if (status === 429) {
    const seconds = Number(response.headers.get('retry-after'));
    return {
      ok: false,
      failure: {
        kind: 'rate-limited',
        retryAfterSeconds: Number.isFinite(seconds) && seconds > 0 ? seconds : 60,
      },
    };
  }
  if (status >= 500)
    return {
      ok: false,
      failure: { kind: 'unavailable', message: 'The service is not answering right now.' },
    };
  return {
    ok: false,
    failure: { kind: 'conflict', status, message: detailOf(answer.error, `Refused (${status}).`) },
  };
}

/** The sign-in page, coming back to where the user is now. */
export function signInUrl(returnTo: string = location.pathname + location.search): string {
  return `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
}

export function goSignIn(): void {
  location.assign(signInUrl());
}

/** What to tell the user about a failure; a 401 sends them to sign in and back instead. */
export function describeFailure(failure: Failure): string {
  switch (failure.kind) {
    case 'signed-out':
      goSignIn();
      return 'Sign in to continue…';
    case 'rate-limited':
      return `Too many requests: try again in ${failure.retryAfterSeconds} s.`;
    default:
      return failure.message;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The id in `location.pathname` after `prefix` (`/songs/`, `/events/`), if it is one. */
export function idFromPath(prefix: string): string | undefined {
  const rest = location.pathname.startsWith(prefix) ? location.pathname.slice(prefix.length) : '';
  const id = rest.split('/')[0] ?? '';
  return UUID.test(id) ? id : undefined;
}
