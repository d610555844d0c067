import { type ClaimsProfile, PERSON_NAME_MAX, STAGE_NAME_MAX } from './contract.ts';

/** Control characters become spaces, then the text is trimmed and cut to `max` characters; null when nothing is left. */
function usable(value: string | null | undefined, max: number): string | null {
  const cleaned = [...(value ?? '').replace(/\p{Cc}+/gu, ' ').trim()].slice(0, max).join('').trim();
  return cleaned.length > 0 ? cleaned : null;
}

/** A singer's row as claims seed it. */
export interface SingerSeed {
  stageName: string;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
}

/**
 * A new singer's profile from the claims. The stage name is the preferred user name, else the
 * name, the given name, or the part of the email before the `@` (`Singer` when none is usable);
 * the singer can change it. Values keep their characters, control characters aside, and are cut
 * to the column limits; an email that does not look like one is left out.
 */
export function seedFromClaims(claims: ClaimsProfile): SingerSeed {
  const email = usable(claims.email, 2000);
  const stageName =
    [claims.preferredUsername, claims.name, claims.givenName, email?.split('@')[0]]
      .map((candidate) => usable(candidate, STAGE_NAME_MAX))
      .find((candidate) => candidate !== null) ?? 'Singer';
  return {
    stageName,
    givenName: usable(claims.givenName, PERSON_NAME_MAX),
    familyName: usable(claims.familyName, PERSON_NAME_MAX),
    email: email !== null && email.length <= 320 && /^[^@\s]+@[^@\s]+$/.test(email) ? email : null,
  };
}
