import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ACTOR_TOKEN_HEADER, actorTokenSigner, actorTokenVerifier } from '#lib/actor-token';
import { ConflictError, DependencyError, NotFoundError, ValidationError } from '#lib/errors';
import { httpServiceClient } from './service-client.ts';

const keys = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const verifier = actorTokenVerifier([keys.publicKey]);

const context = { requestId: 'req-1', traceId: '1-5759e988-bd862e3fe1be46a994272793' };

function scriptedFetch(answers: Array<Response | Error | 'hang'>) {
  const seen: Request[] = [];
  const fake = (async (input: Request) => {
    seen.push(input);
    const answer = answers.shift() ?? new Response('{}');
    if (answer === 'hang') {
      return new Promise((_, reject) =>
        input.signal.addEventListener('abort', () => reject(new DOMException('timed out', 'TimeoutError'))),
      );
    }
    if (answer instanceof Error) throw answer;
    return answer;
  }) as unknown as typeof fetch;
  return { fake, seen };
}

const problem = (status: number, body: object) =>
  new Response(JSON.stringify({ status, ...body }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });

const client = (fake: typeof fetch, retries = 2) =>
  httpServiceClient({
    name: 'catalog',
    baseUrl: 'http://svc.local',
    timeoutMs: 50,
    retries,
    fetch: fake,
    actorTokens: actorTokenSigner(keys.privateKey),
  });

describe('httpServiceClient', () => {
  it('sends the request id and trace header and returns the JSON body', async () => {
    const { fake, seen } = scriptedFetch([new Response(JSON.stringify({ ok: 1 }))]);
    await expect(
      client(fake).call(context, { method: 'GET', path: '/x', query: { q: 'a b', skip: undefined } }),
    ).resolves.toEqual({ ok: 1 });
    expect(seen[0]?.url).toBe('http://svc.local/x?q=a+b');
    expect(seen[0]?.headers.get('x-request-id')).toBe('req-1');
    expect(seen[0]?.headers.get('x-amzn-trace-id')).toBe(`Root=${context.traceId}`);
  });

  it('retries an idempotent call after a 503 and a network error, then succeeds', async () => {
    const { fake, seen } = scriptedFetch([
      problem(503, {}),
      new TypeError('fetch failed'),
      new Response('{"n":3}'),
    ]);
    await expect(client(fake).call(context, { method: 'GET', path: '/x' })).resolves.toEqual({ n: 3 });
    expect(seen).toHaveLength(3);
  });

  it('does not retry a service that answered with its own failure (500), only gateways saying try again', async () => {
    const { fake, seen } = scriptedFetch([problem(500, {}), new Response('{}')]);
    await expect(client(fake).call(context, { method: 'GET', path: '/x' })).rejects.toBeInstanceOf(
      DependencyError,
    );
    expect(seen).toHaveLength(1);
  });

  it('sends who the call is for in an actor token for that service, and the version it pins', async () => {
    const { fake, seen } = scriptedFetch([new Response('{}')]);
    const actor = { id: '5f0c6a2e-6a43-4f55-9d7e-3c1f2b8a9d10', roles: ['kj', 'admin'] };
    await client(fake).call(context, { method: 'POST', path: '/x', actor, ifMatch: '"7"' });
    const token = seen[0]?.headers.get(ACTOR_TOKEN_HEADER) ?? undefined;
    await expect(verifier.verify(token, 'catalog')).resolves.toEqual({ actor });
    await expect(verifier.verify(token, 'singers')).rejects.toThrow(/actor token/);
    expect(seen[0]?.headers.get('x-actor-id')).toBeNull();
    expect(seen[0]?.headers.get('if-match')).toBe('"7"');
  });

  it("signs a call on nobody's behalf once, and sends that token with every attempt", async () => {
    const { fake, seen } = scriptedFetch([problem(503, {}), new Response('{}')]);
    await client(fake).call(context, { method: 'GET', path: '/x' });
    expect(seen).toHaveLength(2);
    const tokens = seen.map((request) => request.headers.get(ACTOR_TOKEN_HEADER) ?? undefined);
    expect(tokens[1]).toBe(tokens[0]);
    await expect(verifier.verify(tokens[0], 'catalog')).resolves.toEqual({ actor: undefined });
  });

  it('never retries a write', async () => {
    const { fake, seen } = scriptedFetch([problem(503, {}), new Response('{}')]);
    await expect(client(fake).call(context, { method: 'POST', path: '/x', body: {} })).rejects.toBeInstanceOf(
      DependencyError,
    );
    expect(seen).toHaveLength(1);
  });

  it('gives up after the bounded retries when the service keeps timing out', async () => {
    const { fake, seen } = scriptedFetch(['hang', 'hang', 'hang', 'hang']);
    await expect(client(fake, 2).call(context, { method: 'GET', path: '/x' })).rejects.toThrow(
      /catalog did not answer: timed out/,
    );
    expect(seen).toHaveLength(3);
  });

  it.each([
    [404, NotFoundError],
    [409, ConflictError],
    [400, ValidationError],
  ])('turns a %i problem back into the matching error without retrying', async (status, type) => {
    const { fake, seen } = scriptedFetch([problem(status, { detail: 'said the service', issues: [] })]);
    const error = await client(fake)
      .call(context, { method: 'GET', path: '/x' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toBe('said the service');
    expect(seen).toHaveLength(1);
  });

  it('keeps the field issues of a validation problem', async () => {
    const issues = [{ path: 'title', message: 'required' }];
    const { fake } = scriptedFetch([problem(400, { detail: 'invalid', issues })]);
    const error = (await client(fake)
      .call(context, { method: 'POST', path: '/x', body: {} })
      .catch((e: unknown) => e)) as ValidationError;
    expect(error.issues).toEqual(issues);
  });
});
