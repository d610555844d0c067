import { generateKeyPairSync } from 'node:crypto';
import type { Actor } from '#lib/actor';
import {
  ACTOR_TOKEN_HEADER,
  type ActorTokenSigner,
  type ActorTokenVerifier,
  actorTokenSigner,
  actorTokenVerifier,
} from '#lib/actor-token';

/** A key pair of the kind the BFF signs with (EC P-256), made for tests that build service apps in-process. */
export function actorTokenKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

const testKeys = actorTokenKeyPair();

/** What a service app built in a test verifies with: it accepts the tokens {@link actorTokenHeaders} makes. */
export const testCallers: ActorTokenVerifier = actorTokenVerifier([testKeys.publicKey]);

const testSigner: ActorTokenSigner = actorTokenSigner(testKeys.privateKey);

/** The header of a call to `service` as the BFF makes it, for `actor` (none: on nobody's behalf). */
export async function actorTokenHeaders(service: string, actor?: Actor): Promise<Record<string, string>> {
  return { [ACTOR_TOKEN_HEADER]: await testSigner.sign(service, actor) };
}

/**
 * The same, signed with the key of a running local stack (`ACTOR_TOKEN_SIGNING_KEY` of its
 * environment), for tests and tools that call its internal listener directly.
 */
export function stackActorTokens(env: Record<string, string | undefined>) {
  const key = env.ACTOR_TOKEN_SIGNING_KEY;
  if (!key) throw new Error('ACTOR_TOKEN_SIGNING_KEY is not set: the local bootstrap sets it');
  const signer = actorTokenSigner(key);
  return async (service: string, actor?: Actor): Promise<Record<string, string>> => ({
    [ACTOR_TOKEN_HEADER]: await signer.sign(service, actor),
  });
}

export interface ServiceCallOptions {
  /** On whose behalf (none: nobody's). */
  actor?: Actor;
  /** JSON, or a string sent as it is (malformed bodies). */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Calls a service app built in-process the way the BFF does (JSON, the actor token for `service`),
 * under the service's internal base path; `app` is read at each call, since tests build it in `beforeAll`.
 */
export function serviceCaller(
  app: () => { request(path: string, init: RequestInit): Response | Promise<Response> },
  service: string,
) {
  return async (method: string, path: string, options: ServiceCallOptions = {}) =>
    app().request(`/internal/${service}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(await actorTokenHeaders(service, options.actor)),
        ...options.headers,
      },
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
}
