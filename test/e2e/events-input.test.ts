import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pgDb } from '#lib/db/pg';
import { type Db, sql } from '#lib/db/port';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';

/**
 * Every karaoke-night endpoint of the BFF, fed malformed, oversized and hostile input over HTTP on
 * the local stack. Each refusal must be a 4xx `application/problem+json` with a `detail` and no
 * stack trace, and must write nothing: the night's rotation keeps its version, its log keeps its
 * length (read from PostgreSQL directly), and no night is created.
 */

type User = 'kj' | 'curator' | 'singer1' | 'singer2' | 'singer3' | 'singer4';

interface Fixtures {
  songId: string;
  /** A song the curator removed from the catalog. */
  removedSongId: string;
  /**
   * A `fair` night allowing one waiting request per singer: singer1 on stage, singer2 and singer3
   * waiting. The refused cases aim at it and must leave it as it is.
   */
  night: string;
  onStageRequestId: string;
  waitingRequestIds: { singer2: string; singer3: string };
  closedNight: string;
}

interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** Who sends it (a Bearer token); null for nobody. Defaults to the KJ. */
  as?: User | null;
  /** Chunks (an array) are sent without Content-Length. */
  body?: string | Uint8Array | Uint8Array[];
  /** Defaults to application/json when there is a body; null sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
}

interface RefusalCase {
  name: string;
  status: number | number[];
  /** `marker` is unique to the case: a night whose name holds it must not exist afterwards. */
  call: (fx: Fixtures, marker: string) => Call;
}

const KIB = 1024;
const BODY_LIMIT = 256 * KIB;
const UNKNOWN_ID = '6d1f4a5e-6a3b-4f57-9a43-3c2f0f0e9b71';

/** A stack frame, a source path or a database or validation library's own words. */
const LEAKS =
  /\n\s+at |\bat [\w$.<>]+ \(|node_modules|file:\/\/|\.[cm]?[jt]s:\d+|ZodError|invalid input syntax|syntax error at/;

const subOf = (username: string): string => {
  const sub = DEMO_USERS.find((user) => user.username === username)?.sub;
  if (!sub) throw new Error(`no demo user ${username}`);
  return sub;
};

const json = (value: unknown) => JSON.stringify(value);

/** A JSON body just over the BFF's limit. */
const oversizedBody = (field: string, marker: string) =>
  json({ [field]: `${marker} ${'x'.repeat(BODY_LIMIT)}` });

/** An oversized JSON body as chunks, sent without Content-Length, so the limit must count what arrives. */
function chunkedOversizedBody(marker: string): Uint8Array[] {
  const encode = (text: string) => new TextEncoder().encode(text);
  const chunk = encode(` ${marker}`.padEnd(64 * KIB, 'x'));
  const chunks = Math.ceil(BODY_LIMIT / chunk.length) + 1;
  return [encode('{"name":"'), ...Array.from({ length: chunks }, () => chunk), encode('"}')];
}

/**
 * Sends a request on a connection of its own and closes it after the answer. The local server
 * (@hono/node-server) may close a keep-alive connection whose request body it refused unread,
 * without saying so, and the next request on it would fail; API Gateway in front of Lambda does not.
 */
function sendAlone(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array[],
): Promise<Response> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(
      url,
      {
        method,
        agent: false,
        headers: {
          ...headers,
          ...(typeof body === 'string' ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
        },
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const answerHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === 'string') answerHeaders.set(name, value);
          }
          request.destroy();
          resolve(
            new Response(Buffer.concat(chunks), { status: response.statusCode ?? 0, headers: answerHeaders }),
          );
        });
      },
    );
    // Writing the rest of a refused body may fail once the answer is in; only a missing answer counts.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (typeof body === 'string') request.end(body);
    else {
      for (const chunk of body) request.write(chunk);
      request.end();
    }
  });
}

/** Names each case after the route it calls. */
const underRoute = (route: string, cases: RefusalCase[]): RefusalCase[] =>
  cases.map((refusal) => ({ ...refusal, name: `${route} · ${refusal.name}` }));

/** Ids that are not ids, each a single path segment as sent: a 400, never a lookup. */
const NOT_IDS: Array<[string, string]> = [
  ['a word', 'not-a-uuid'],
  ['a path traversal', '..%2F..%2Finternal%2Frotations%2Fevents'],
  ['an SQL-ish string', encodeURIComponent("1' OR '1'='1")],
  ['a uuid with SQL after it', encodeURIComponent(`${UNKNOWN_ID}'; DROP TABLE rotations; --`)],
  ['a uuid with a NUL byte', `${UNKNOWN_ID}%00`],
  ['an id of 2,000 characters', 'a'.repeat(2000)],
];

/** If-Match values that are not an entity-tag list (RFC 9110): a 400. */
const NOT_ETAGS: Array<[string, string]> = [
  ['a word', 'garbage'],
  ['an unquoted version', '12'],
  ['an ETag with junk after it', '"12"junk'],
  ['two ETags without a comma', '"1" "2"'],
  ['101 characters', `"${'1'.repeat(99)}"`],
];

/** Well-formed If-Match values that name no version a night has: a 412, as RFC 9110 §13.1.1 says. */
const UNMATCHED_ETAGS: Array<[string, string]> = [
  ['a quoted word', '"abc"'],
  ['a negative weak version', 'W/"-1"'],
  ['a fractional version', '"1.5"'],
  ['a version of ten digits', '"9999999999"'],
  ['a list of versions the night never had', '"999999998", "999999999"'],
];

/** base64url, as the performances cursor is encoded. */
const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

const keyChangeCases = (path: (fx: Fixtures) => string): RefusalCase[] =>
  (
    [
      ['7 semitones', 7],
      ['-7 semitones', -7],
      ['1.5 semitones', 1.5],
      ['the string "2"', '2'],
      ['null', null],
      ['a number too large for a double', '1e400'],
    ] as const
  ).map(([what, keyChange]) => ({
    name: `keyChange ${what}`,
    status: 400,
    call: (fx) => ({
      method: 'POST',
      path: path(fx),
      as: 'singer4',
      // 1e400 must reach the server as written: JSON.stringify would send null.
      body:
        keyChange === '1e400'
          ? `{"songId":"${fx.songId}","keyChange":1e400}`
          : json({ songId: fx.songId, keyChange }),
    }),
  }));

const openCases: RefusalCase[] = underRoute('POST /api/events', [
  {
    name: 'malformed JSON',
    status: 400,
    call: (_fx, marker) => ({ method: 'POST', path: '/api/events', body: `{"name":"${marker}",` }),
  },
  {
    name: 'a form-encoded body labelled as JSON',
    status: 400,
    call: (_fx, marker) => ({ method: 'POST', path: '/api/events', body: `name=${marker}` }),
  },
  {
    name: 'JSON sent as text/plain',
    status: [400, 415],
    call: (_fx, marker) => ({
      method: 'POST',
      path: '/api/events',
      body: json({ name: marker }),
      contentType: 'text/plain',
    }),
  },
  {
    name: 'a form sent as application/x-www-form-urlencoded',
    status: [400, 415],
    call: (_fx, marker) => ({
      method: 'POST',
      path: '/api/events',
      body: `name=${marker}`,
      contentType: 'application/x-www-form-urlencoded',
    }),
  },
  {
    name: 'JSON without a Content-Type',
    status: [400, 415],
    call: (_fx, marker) => ({
      method: 'POST',
      path: '/api/events',
      body: new TextEncoder().encode(json({ name: marker })),
      contentType: null,
    }),
  },
  { name: 'an empty body', status: 400, call: () => ({ method: 'POST', path: '/api/events', body: '' }) },
  { name: 'no body at all', status: 400, call: () => ({ method: 'POST', path: '/api/events' }) },
  ...(['null', '[]', '"a night"', '42', 'true'] as const).map(
    (body): RefusalCase => ({
      name: `the JSON value ${body}`,
      status: 400,
      call: () => ({ method: 'POST', path: '/api/events', body }),
    }),
  ),
  {
    name: `a body over ${BODY_LIMIT / KIB} KiB`,
    status: 413,
    call: (_fx, marker) => ({ method: 'POST', path: '/api/events', body: oversizedBody('name', marker) }),
  },
  {
    name: `a body over ${BODY_LIMIT / KIB} KiB sent in chunks without Content-Length`,
    status: 413,
    call: (_fx, marker) => ({ method: 'POST', path: '/api/events', body: chunkedOversizedBody(marker) }),
  },
  {
    name: 'a name nested 50,000 arrays deep',
    status: 400,
    call: (_fx, marker) => ({
      method: 'POST',
      path: '/api/events',
      body: `{"name":${'['.repeat(50_000)}"${marker}"${']'.repeat(50_000)}}`,
    }),
  },
  {
    name: 'an unknown field (kjId, naming another KJ)',
    status: 400,
    call: (_fx, marker) => ({
      method: 'POST',
      path: '/api/events',
      body: json({ name: marker, kjId: subOf('admin') }),
    }),
  },
  {
    name: 'an unknown field (closed)',
    status: 400,
    call: (_fx, marker) => ({
      method: 'POST',
      path: '/api/events',
      body: json({ name: marker, closed: true }),
    }),
  },
  {
    name: 'a __proto__ field',
    status: 400,
    call: (_fx, marker) => ({
      method: 'POST',
      path: '/api/events',
      body: `{"name":"${marker}","__proto__":{"publicDisplay":true,"isAdmin":true}}`,
    }),
  },
  { name: 'no name', status: 400, call: () => ({ method: 'POST', path: '/api/events', body: json({}) }) },
  ...(
    [
      ['a number', 42],
      ['an array', ['Friday night']],
      ['an object (a query operator)', { $ne: null }],
      ['empty', ''],
      ['only spaces', '    '],
    ] as const
  ).map(
    ([what, name]): RefusalCase => ({
      name: `a name that is ${what}`,
      status: 400,
      call: () => ({ method: 'POST', path: '/api/events', body: json({ name }) }),
    }),
  ),
  {
    name: 'a name of 10,000 characters',
    status: 400,
    call: (_fx, marker) => ({
      method: 'POST',
      path: '/api/events',
      body: json({ name: `${marker}${'n'.repeat(10_000 - marker.length)}` }),
    }),
  },
  {
    name: 'a name of 81 characters',
    status: 400,
    call: (_fx, marker) => ({
      method: 'POST',
      path: '/api/events',
      body: json({ name: marker.padEnd(81, 'n') }),
    }),
  },
  ...(
    [
      ['a NUL byte', '\u0000'],
      ['a line break', '\n'],
      ['a terminal escape sequence', '\u001b[2J'],
      ['a C1 control character', '\u0085'],
      ['a DEL character', '\u007f'],
    ] as const
  ).map(
    ([what, control]): RefusalCase => ({
      name: `a name with ${what}`,
      status: 400,
      call: (_fx, marker) => ({
        method: 'POST',
        path: '/api/events',
        body: json({ name: `${marker}${control}x` }),
      }),
    }),
  ),
  ...(
    [
      ['0', 0],
      ['21', 21],
      ['2.5', 2.5],
      ['-1', -1],
      ['the string "3"', '3'],
      ['true', true],
    ] as const
  ).map(
    ([what, maxQueuedPerSinger]): RefusalCase => ({
      name: `maxQueuedPerSinger ${what}`,
      status: 400,
      call: (_fx, marker) => ({
        method: 'POST',
        path: '/api/events',
        body: json({ name: marker, maxQueuedPerSinger }),
      }),
    }),
  ),
  ...(
    [
      ['an unknown mode', 'unfair'],
      ['empty', ''],
      ['in capitals', 'FAIR'],
      ['a number', 1],
    ] as const
  ).map(
    ([what, fairness]): RefusalCase => ({
      name: `fairness ${what}`,
      status: 400,
      call: (_fx, marker) => ({
        method: 'POST',
        path: '/api/events',
        body: json({ name: marker, fairness }),
      }),
    }),
  ),
  {
    name: 'publicDisplay as the string "yes"',
    status: 400,
    call: (_fx, marker) => ({
      method: 'POST',
      path: '/api/events',
      body: json({ name: marker, publicDisplay: 'yes' }),
    }),
  },
]);

const closeCases: RefusalCase[] = underRoute('POST /api/events/{id}/close', [
  ...NOT_IDS.map(
    ([what, id]): RefusalCase => ({
      name: `an event id that is ${what}`,
      status: 400,
      call: () => ({ method: 'POST', path: `/api/events/${id}/close` }),
    }),
  ),
  {
    name: 'an unknown event',
    status: 404,
    call: () => ({ method: 'POST', path: `/api/events/${UNKNOWN_ID}/close` }),
  },
]);

const requestPath = (fx: Fixtures) => `/api/events/${fx.night}/requests`;

const requestCases: RefusalCase[] = underRoute('POST /api/events/{id}/requests', [
  ...NOT_IDS.map(
    ([what, id]): RefusalCase => ({
      name: `an event id that is ${what}`,
      status: 400,
      call: (fx) => ({
        method: 'POST',
        path: `/api/events/${id}/requests`,
        as: 'singer4',
        body: json({ songId: fx.songId }),
      }),
    }),
  ),
  {
    name: 'an unknown event',
    status: 404,
    call: (fx) => ({
      method: 'POST',
      path: `/api/events/${UNKNOWN_ID}/requests`,
      as: 'singer4',
      body: json({ songId: fx.songId }),
    }),
  },
  {
    name: 'malformed JSON',
    status: 400,
    call: (fx) => ({
      method: 'POST',
      path: requestPath(fx),
      as: 'singer4',
      body: `{"songId":"${fx.songId}"`,
    }),
  },
  {
    name: 'JSON sent as text/plain',
    status: [400, 415],
    call: (fx) => ({
      method: 'POST',
      path: requestPath(fx),
      as: 'singer4',
      body: json({ songId: fx.songId }),
      contentType: 'text/plain',
    }),
  },
  {
    name: 'an empty body',
    status: 400,
    call: (fx) => ({ method: 'POST', path: requestPath(fx), as: 'singer4', body: '' }),
  },
  {
    name: `a body over ${BODY_LIMIT / KIB} KiB`,
    status: 413,
    call: (fx, marker) => ({
      method: 'POST',
      path: requestPath(fx),
      as: 'singer4',
      body: oversizedBody('songId', marker),
    }),
  },
  ...(
    [
      ['priority', 1],
      ['singerId', subOf('singer2')],
      ['stageName', 'Somebody Else'],
      ['title', 'A Title Of My Own'],
      ['durationMs', 1],
    ] as const
  ).map(
    ([field, value]): RefusalCase => ({
      name: `an unknown field (${field})`,
      status: 400,
      call: (fx) => ({
        method: 'POST',
        path: requestPath(fx),
        as: 'singer4',
        body: json({ songId: fx.songId, [field]: value }),
      }),
    }),
  ),
  {
    name: 'no songId',
    status: 400,
    call: (fx) => ({ method: 'POST', path: requestPath(fx), as: 'singer4', body: '{}' }),
  },
  ...(
    [
      ['a word', 'not-a-song'],
      ['a number', 1],
      ['an SQL-ish string', "' OR 1=1 --"],
      ['a Lucene query', 'title:*'],
    ] as const
  ).map(
    ([what, songId]): RefusalCase => ({
      name: `a songId that is ${what}`,
      status: 400,
      call: (fx) => ({ method: 'POST', path: requestPath(fx), as: 'singer4', body: json({ songId }) }),
    }),
  ),
  {
    name: 'a songId the catalog does not have',
    status: 422,
    call: (fx) => ({
      method: 'POST',
      path: requestPath(fx),
      as: 'singer4',
      body: json({ songId: UNKNOWN_ID }),
    }),
  },
  {
    name: 'a song removed from the catalog',
    status: 422,
    call: (fx) => ({
      method: 'POST',
      path: requestPath(fx),
      as: 'singer4',
      body: json({ songId: fx.removedSongId }),
    }),
  },
  ...keyChangeCases(requestPath),
  ...(
    [
      ['a NUL byte', 'Bob\u0000'],
      ['a line break', 'Walk-in\nWendy'],
      ['a terminal escape sequence', '\u001b[31mRed Rita'],
      ['41 characters', 'G'.repeat(41)],
      ['only spaces', '   '],
      ['a number', 7],
    ] as const
  ).map(
    ([what, guestName]): RefusalCase => ({
      name: `a guestName with ${what} (KJ)`,
      status: 400,
      call: (fx) => ({ method: 'POST', path: requestPath(fx), body: json({ songId: fx.songId, guestName }) }),
    }),
  ),
  {
    name: 'a guestName from a singer, not the KJ',
    status: 403,
    call: (fx) => ({
      method: 'POST',
      path: requestPath(fx),
      as: 'singer4',
      body: json({ songId: fx.songId, guestName: 'Sneaky Guest' }),
    }),
  },
  {
    name: 'a request beyond the night’s maxQueuedPerSinger',
    status: 409,
    call: (fx) => ({
      method: 'POST',
      path: requestPath(fx),
      as: 'singer2',
      body: json({ songId: fx.songId }),
    }),
  },
  {
    name: 'a closed night',
    status: 409,
    call: (fx) => ({
      method: 'POST',
      path: `/api/events/${fx.closedNight}/requests`,
      as: 'singer4',
      body: json({ songId: fx.songId }),
    }),
  },
]);

const withdrawCases: RefusalCase[] = underRoute('DELETE /api/events/{id}/requests/{requestId}', [
  ...NOT_IDS.map(
    ([what, id]): RefusalCase => ({
      name: `an event id that is ${what}`,
      status: 400,
      call: (fx) => ({
        method: 'DELETE',
        path: `/api/events/${id}/requests/${fx.waitingRequestIds.singer3}`,
      }),
    }),
  ),
  ...NOT_IDS.map(
    ([what, id]): RefusalCase => ({
      name: `a request id that is ${what}`,
      status: 400,
      call: (fx) => ({ method: 'DELETE', path: `/api/events/${fx.night}/requests/${id}` }),
    }),
  ),
  {
    name: 'an unknown request',
    status: 404,
    call: (fx) => ({ method: 'DELETE', path: `/api/events/${fx.night}/requests/${UNKNOWN_ID}` }),
  },
  {
    name: 'an unknown event',
    status: 404,
    call: (fx) => ({
      method: 'DELETE',
      path: `/api/events/${UNKNOWN_ID}/requests/${fx.waitingRequestIds.singer3}`,
    }),
  },
  {
    name: 'a request of another night',
    status: 404,
    call: (fx) => ({
      method: 'DELETE',
      path: `/api/events/${fx.closedNight}/requests/${fx.onStageRequestId}`,
    }),
  },
  {
    name: "another singer's request",
    status: 403,
    call: (fx) => ({
      method: 'DELETE',
      path: `/api/events/${fx.night}/requests/${fx.waitingRequestIds.singer3}`,
      as: 'singer2',
    }),
  },
  {
    name: 'the request on stage now',
    status: 409,
    call: (fx) => ({ method: 'DELETE', path: `/api/events/${fx.night}/requests/${fx.onStageRequestId}` }),
  },
]);

const keyPath = (fx: Fixtures, requestId = fx.waitingRequestIds.singer3) =>
  `/api/events/${fx.night}/requests/${requestId}`;
const keyBody = (keyChange: unknown = 1) => json({ keyChange });

const changeKeyCases: RefusalCase[] = underRoute('PATCH /api/events/{id}/requests/{requestId}', [
  ...NOT_IDS.map(
    ([what, id]): RefusalCase => ({
      name: `an event id that is ${what}`,
      status: 400,
      call: (fx) => ({
        method: 'PATCH',
        path: `/api/events/${id}/requests/${fx.waitingRequestIds.singer3}`,
        body: keyBody(),
      }),
    }),
  ),
  ...NOT_IDS.map(
    ([what, id]): RefusalCase => ({
      name: `a request id that is ${what}`,
      status: 400,
      call: (fx) => ({ method: 'PATCH', path: keyPath(fx, id), body: keyBody() }),
    }),
  ),
  ...(
    [
      ['7 semitones', '{"keyChange":7}'],
      ['-7 semitones', '{"keyChange":-7}'],
      ['1.5 semitones', '{"keyChange":1.5}'],
      ['the string "x"', '{"keyChange":"x"}'],
      ['null', '{"keyChange":null}'],
      ['a number too large for a double', '{"keyChange":1e400}'],
      ['no keyChange', '{}'],
      ['an extra field', `{"keyChange":1,"singerId":"${UNKNOWN_ID}"}`],
      ['an array', '[1]'],
      ['malformed JSON', '{"keyChange":'],
    ] as const
  ).map(
    ([what, body]): RefusalCase => ({
      name: `a body of ${what}`,
      status: 400,
      call: (fx) => ({ method: 'PATCH', path: keyPath(fx), body }),
    }),
  ),
  {
    name: 'a body over the limit',
    status: 413,
    call: (fx, marker) => ({ method: 'PATCH', path: keyPath(fx), body: oversizedBody('keyChange', marker) }),
  },
  {
    name: 'a body that is not JSON',
    status: 415,
    call: (fx) => ({ method: 'PATCH', path: keyPath(fx), body: 'keyChange=1', contentType: 'text/plain' }),
  },
  {
    name: 'no body',
    status: [400, 415],
    call: (fx) => ({ method: 'PATCH', path: keyPath(fx) }),
  },
  ...NOT_ETAGS.map(
    ([what, ifMatch]): RefusalCase => ({
      name: `an If-Match that is ${what}`,
      status: 400,
      call: (fx) => ({
        method: 'PATCH',
        path: keyPath(fx),
        headers: { 'if-match': ifMatch },
        body: keyBody(),
      }),
    }),
  ),
  ...UNMATCHED_ETAGS.map(
    ([what, ifMatch]): RefusalCase => ({
      name: `an If-Match that is ${what}`,
      status: 412,
      call: (fx) => ({
        method: 'PATCH',
        path: keyPath(fx),
        headers: { 'if-match': ifMatch },
        body: keyBody(),
      }),
    }),
  ),
  {
    name: 'an unknown request',
    status: 404,
    call: (fx) => ({ method: 'PATCH', path: keyPath(fx, UNKNOWN_ID), body: keyBody() }),
  },
  {
    name: 'an unknown event',
    status: 404,
    call: (fx) => ({
      method: 'PATCH',
      path: `/api/events/${UNKNOWN_ID}/requests/${fx.waitingRequestIds.singer3}`,
      body: keyBody(),
    }),
  },
  {
    name: 'a request of another night',
    status: 404,
    call: (fx) => ({
      method: 'PATCH',
      path: `/api/events/${fx.closedNight}/requests/${fx.onStageRequestId}`,
      body: keyBody(),
    }),
  },
  {
    name: "another singer's request",
    status: 403,
    call: (fx) => ({ method: 'PATCH', path: keyPath(fx), body: keyBody(), as: 'singer2' }),
  },
  {
    name: 'nobody signed in',
    status: 401,
    call: (fx) => ({ method: 'PATCH', path: keyPath(fx), body: keyBody(), as: null }),
  },
  {
    name: 'the request on stage now',
    status: 409,
    call: (fx) => ({ method: 'PATCH', path: keyPath(fx, fx.onStageRequestId), body: keyBody() }),
  },
]);

const readCases: RefusalCase[] = (['', '/rotation'] as const).flatMap((suffix) =>
  underRoute(`GET /api/events/{id}${suffix}`, [
    ...NOT_IDS.map(
      ([what, id]): RefusalCase => ({
        name: `an event id that is ${what}`,
        status: 400,
        call: () => ({ method: 'GET', path: `/api/events/${id}${suffix}` }),
      }),
    ),
    {
      name: 'an unknown event',
      status: 404,
      call: () => ({ method: 'GET', path: `/api/events/${UNKNOWN_ID}${suffix}` }),
    },
    ...(suffix === '/rotation'
      ? [
          {
            name: 'an If-None-Match of 300 characters',
            status: 400,
            call: (fx: Fixtures): Call => ({
              method: 'GET',
              path: `/api/events/${fx.night}/rotation`,
              headers: { 'if-none-match': `"${'9'.repeat(298)}"` },
            }),
          },
        ]
      : []),
  ]),
);

const moveBody = (position: unknown = 1) => json({ singerId: subOf('singer3'), position });

const actionCases: RefusalCase[] = (['advance', 'skip', 'move'] as const).flatMap((action) => {
  const body = action === 'move' ? { body: moveBody() } : {};
  return underRoute(`POST /api/events/{id}/rotation/${action}`, [
    ...NOT_IDS.map(
      ([what, id]): RefusalCase => ({
        name: `an event id that is ${what}`,
        status: 400,
        call: () => ({ method: 'POST', path: `/api/events/${id}/rotation/${action}`, ...body }),
      }),
    ),
    {
      name: 'an unknown event',
      status: 404,
      call: () => ({ method: 'POST', path: `/api/events/${UNKNOWN_ID}/rotation/${action}`, ...body }),
    },
    ...NOT_ETAGS.map(
      ([what, ifMatch]): RefusalCase => ({
        name: `an If-Match that is ${what}`,
        status: 400,
        call: (fx) => ({
          method: 'POST',
          path: `/api/events/${fx.night}/rotation/${action}`,
          headers: { 'if-match': ifMatch },
          ...body,
        }),
      }),
    ),
    {
      name: 'an If-Match with a version the night never had',
      status: 412,
      call: (fx) => ({
        method: 'POST',
        path: `/api/events/${fx.night}/rotation/${action}`,
        headers: { 'if-match': '"999999999"' },
        ...body,
      }),
    },
    ...UNMATCHED_ETAGS.map(
      ([what, ifMatch]): RefusalCase => ({
        name: `an If-Match that is ${what}`,
        status: 412,
        call: (fx) => ({
          method: 'POST',
          path: `/api/events/${fx.night}/rotation/${action}`,
          headers: { 'if-match': ifMatch },
          ...body,
        }),
      }),
    ),
    {
      name: 'a closed night',
      status: 409,
      call: (fx) => ({ method: 'POST', path: `/api/events/${fx.closedNight}/rotation/${action}`, ...body }),
    },
  ]);
});

const movePath = (fx: Fixtures) => `/api/events/${fx.night}/rotation/move`;

const moveCases: RefusalCase[] = underRoute('POST /api/events/{id}/rotation/move', [
  ...(
    [
      ['-1', -1],
      ['1e9', 1e9],
      ['the string "0"', '0'],
      ['1.5', 1.5],
      ['null', null],
    ] as const
  ).map(
    ([what, position]): RefusalCase => ({
      name: `position ${what}`,
      status: 400,
      call: (fx) => ({ method: 'POST', path: movePath(fx), body: moveBody(position) }),
    }),
  ),
  {
    name: 'no position',
    status: 400,
    call: (fx) => ({ method: 'POST', path: movePath(fx), body: json({ singerId: subOf('singer3') }) }),
  },
  {
    name: 'a singerId that is not a uuid',
    status: 400,
    call: (fx) => ({
      method: 'POST',
      path: movePath(fx),
      body: json({ singerId: "singer3' --", position: 0 }),
    }),
  },
  {
    name: 'a singer who is not at the night',
    status: 404,
    call: (fx) => ({ method: 'POST', path: movePath(fx), body: json({ singerId: UNKNOWN_ID, position: 0 }) }),
  },
  {
    name: 'a singer with nothing waiting (on stage now)',
    status: 400,
    call: (fx) => ({
      method: 'POST',
      path: movePath(fx),
      body: json({ singerId: subOf('singer1'), position: 0 }),
    }),
  },
  {
    name: 'an unknown field',
    status: 400,
    call: (fx) => ({
      method: 'POST',
      path: movePath(fx),
      body: json({ singerId: subOf('singer3'), position: 0, force: true }),
    }),
  },
  {
    name: 'malformed JSON',
    status: 400,
    call: (fx) => ({
      method: 'POST',
      path: movePath(fx),
      body: `{"singerId":"${subOf('singer3')}","position":0`,
    }),
  },
  { name: 'no body', status: 400, call: (fx) => ({ method: 'POST', path: movePath(fx) }) },
  {
    name: `a body over ${BODY_LIMIT / KIB} KiB`,
    status: 413,
    call: (fx, marker) => ({ method: 'POST', path: movePath(fx), body: oversizedBody('singerId', marker) }),
  },
]);

const performancesPath = (query: string, id = subOf('singer2')) => `/api/singers/${id}/performances${query}`;

const performancesCases: RefusalCase[] = underRoute('GET /api/singers/{id}/performances', [
  ...NOT_IDS.map(
    ([what, id]): RefusalCase => ({
      name: `a singer id that is ${what}`,
      status: 400,
      call: () => ({ method: 'GET', path: `/api/singers/${id}/performances`, as: 'singer2' }),
    }),
  ),
  ...(
    [
      ['limit=0', '?limit=0'],
      ['limit=51', '?limit=51'],
      ['limit=-1', '?limit=-1'],
      ['limit=1.5', '?limit=1.5'],
      ['limit=abc', '?limit=abc'],
      ['an empty limit', '?limit='],
      ['limit given twice', '?limit=10&limit=20'],
      ['a cursor of garbage', '?cursor=not-a-cursor'],
      ['a cursor of 201 characters', `?cursor=${'A'.repeat(201)}`],
      ['a cursor holding SQL', `?cursor=${cursorOf("2024-01-01T00:00:00.000Z|' OR 1=1 --")}`],
      ['a cursor from year 0', `?cursor=${cursorOf(`0000-01-01T00:00:00.000Z|${UNKNOWN_ID}`)}`],
      [
        'a cursor with a uuid-shaped string of dashes',
        `?cursor=${cursorOf(`2024-01-01T00:00:00.000Z|${'-'.repeat(36)}`)}`,
      ],
    ] as const
  ).map(
    ([what, query]): RefusalCase => ({
      name: what,
      status: 400,
      call: () => ({ method: 'GET', path: performancesPath(query), as: 'singer2' }),
    }),
  ),
]);

const REFUSALS: RefusalCase[] = [
  ...openCases,
  ...closeCases,
  ...requestCases,
  ...withdrawCases,
  ...changeKeyCases,
  ...readCases,
  ...actionCases,
  ...moveCases,
  ...performancesCases,
];

/** Payloads aimed at search, SQL and HTML: kept verbatim as data, or refused; never a 5xx. */
const HOSTILE_TEXT: Array<[string, string]> = [
  ['a Lucene query', 'title:(rock OR pop) AND artist:* ~2 ^10 \\ "x"'],
  ['an SQL injection', "'; DROP TABLE rotations; --"],
  ['an SQL injection in parentheses', "x'); DELETE FROM rotation_events; --"],
  ['a script tag', '<script>alert("night")</script>'],
  ['an HTML attribute injection', '"><img src=x onerror=alert(1)>'],
  ['template and format strings', '{{7*7}} #{7*7} <%= 7*7 %> $(id) %s%n'],
  ['a right-to-left override', '\u202eevil\u202c'],
];

describe('karaoke-night endpoints refuse bad input over HTTP, and write nothing', () => {
  let server: LocalServer;
  let db: Db;
  let fx: Fixtures;
  const tokens = new Map<User, string>();
  const nightsToClose = new Set<string>();

  const tokenFor = async (user: User): Promise<string> => {
    const known = tokens.get(user);
    if (known) return known;
    const token = await issueLocalAccessToken(server.oidcIssuer, user);
    tokens.set(user, token);
    return token;
  };

  const send = async ({ method, path, as = 'kj', body, contentType, headers = {} }: Call) => {
    const type = contentType === undefined ? (body === undefined ? null : 'application/json') : contentType;
    const allHeaders: Record<string, string> = {
      ...(type ? { 'content-type': type } : {}),
      ...(as ? { authorization: `Bearer ${await tokenFor(as)}` } : {}),
      ...headers,
    };
    const url = `${server.url}${path}`;
    if (Array.isArray(body) || (typeof body === 'string' && body.length > BODY_LIMIT)) {
      return sendAlone(url, method, allHeaders, body);
    }
    return fetch(url, { method, headers: allHeaders, ...(body === undefined ? {} : { body }) });
  };

  const created = async <T>(call: Call): Promise<T> => {
    const response = await send(call);
    const text = await response.text();
    expect(response.status, `${call.method} ${call.path}: ${text.slice(0, 300)}`).toBe(201);
    return JSON.parse(text) as T;
  };

  const openNight = async (settings: Record<string, unknown> = {}) => {
    const night = await created<{ id: string }>({
      method: 'POST',
      path: '/api/events',
      body: json({ name: `Input Night ${randomUUID().slice(0, 8)}`, ...settings }),
    });
    nightsToClose.add(night.id);
    return night.id;
  };

  const requestSong = async (eventId: string, as: User, body: Record<string, unknown>) =>
    (
      await created<{ requestId: string; singerId: string }>({
        method: 'POST',
        path: `/api/events/${eventId}/requests`,
        as,
        body: json(body),
      })
    ).requestId;

  const readRotation = async (eventId: string) => {
    const response = await send({ method: 'GET', path: `/api/events/${eventId}/rotation` });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      version: number;
      nowPerforming: { requestId: string } | null;
      upNext: Array<{ requestId: string; singerId: string; stageName: string; keyChange: number }>;
    };
  };

  const logOf = async (eventId: string) =>
    db.query<{ seq: number; type: string; requestId: string | null }>(
      `SELECT seq, type, data->>'requestId' AS "requestId" FROM rotation_events
       WHERE event_id = :eventId ORDER BY seq`,
      { eventId: sql.uuid(eventId) },
    );

  /** What a refused call must not change: the nights' versions and logs. */
  const snapshot = async () => ({
    version: (await readRotation(fx.night)).version,
    log: (await logOf(fx.night)).length,
    closedNightLog: (await logOf(fx.closedNight)).length,
  });

  const nightsNamedWith = async (marker: string) => {
    const [row] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM rotations WHERE strpos(name, :marker) > 0',
      { marker },
    );
    return row?.n ?? 0;
  };

  /** A 4xx problem document with a detail, and nothing a caller should not see. */
  const expectProblem = async (response: Response, status: number | number[], where: string) => {
    const text = await response.text();
    expect([status].flat(), `${where}: HTTP ${response.status} ${text.slice(0, 500)}`).toContain(
      response.status,
    );
    expect(response.headers.get('content-type'), where).toBe('application/problem+json');
    const problem = JSON.parse(text) as Record<string, unknown>;
    expect(problem, where).toMatchObject({ status: response.status, detail: expect.any(String) });
    expect(String(problem.detail).trim(), where).not.toBe('');
    expect(problem, where).not.toHaveProperty('stack');
    expect(text, where).not.toMatch(LEAKS);
  };

  beforeAll(async () => {
    const env = inject('localEnv');
    server = await startLocalServer(
      { ...env, RATE_LIMIT_USER_PER_MINUTE: '100000', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000' },
      await freePort(),
    );
    db = pgDb({ connectionString: env.DATABASE_URL as string, maxConnections: 2 });
    const song = async () =>
      (
        await created<{ id: string }>({
          method: 'POST',
          path: '/api/songs',
          as: 'curator',
          body: json({ title: `Input Song ${randomUUID()}`, artist: 'The Validators', durationMs: 200_000 }),
        })
      ).id;
    const songId = await song();
    const removedSongId = await song();
    const removed = await send({ method: 'DELETE', path: `/api/songs/${removedSongId}`, as: 'curator' });
    expect(removed.status).toBe(204);

    const night = await openNight({ maxQueuedPerSinger: 1 });
    const onStageRequestId = await requestSong(night, 'singer1', { songId });
    const waitingRequestIds = {
      singer2: await requestSong(night, 'singer2', { songId }),
      singer3: await requestSong(night, 'singer3', { songId }),
    };
    const started = await send({ method: 'POST', path: `/api/events/${night}/rotation/advance` });
    expect(started.status).toBe(200);
    await started.body?.cancel();

    const closedNight = await openNight();
    await requestSong(closedNight, 'singer2', { songId });
    const closed = await send({ method: 'POST', path: `/api/events/${closedNight}/close` });
    expect(closed.status).toBe(200);
    await closed.body?.cancel();
    fx = { songId, removedSongId, night, onStageRequestId, waitingRequestIds, closedNight };

    const rotation = await readRotation(night);
    expect(rotation.nowPerforming?.requestId).toBe(onStageRequestId);
    expect(rotation.upNext.map((turn) => turn.requestId)).toEqual([
      waitingRequestIds.singer2,
      waitingRequestIds.singer3,
    ]);
  });

  afterAll(async () => {
    if (server) {
      await Promise.all(
        [...nightsToClose].map(async (id) => {
          const response = await send({ method: 'POST', path: `/api/events/${id}/close` });
          await response.body?.cancel();
        }),
      );
    }
    await db?.close();
    await server?.close();
  });

  it('has a case for every karaoke-night endpoint', () => {
    const covered = new Set(REFUSALS.map((refusal) => refusal.name.split(' · ')[0]));
    expect([...covered].sort()).toEqual(
      [
        'POST /api/events',
        'POST /api/events/{id}/close',
        'POST /api/events/{id}/requests',
        'DELETE /api/events/{id}/requests/{requestId}',
        'PATCH /api/events/{id}/requests/{requestId}',
        'GET /api/events/{id}',
        'GET /api/events/{id}/rotation',
        'POST /api/events/{id}/rotation/advance',
        'POST /api/events/{id}/rotation/skip',
        'POST /api/events/{id}/rotation/move',
        'GET /api/singers/{id}/performances',
      ].sort(),
    );
    const names = REFUSALS.map((refusal) => refusal.name);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it.each(
    REFUSALS.map(
      (refusal) => [`${refusal.name} → ${[refusal.status].flat().join(' or ')}`, refusal] as const,
    ),
  )('%s', async (_title, { name, status, call }) => {
    const marker = `m${randomUUID().replaceAll('-', '')}`;
    const before = await snapshot();
    await expectProblem(await send(call(fx, marker)), status, name);
    expect(await snapshot(), `${name}: the nights after the refusal`).toEqual(before);
    expect(await nightsNamedWith(marker), `${name}: nights created`).toBe(0);
  });

  describe('hostile text in names is kept verbatim as JSON data, or refused, never a 5xx', () => {
    it.each(HOSTILE_TEXT)('a night named with %s', async (_what, payload) => {
      const marker = randomUUID().slice(0, 8);
      const name = `${payload} ${marker}`;
      const response = await send({ method: 'POST', path: '/api/events', body: json({ name }) });
      if (response.status !== 201) {
        await expectProblem(response, 400, name);
        expect(await nightsNamedWith(marker)).toBe(0);
        return;
      }
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const night = (await response.json()) as { id: string; name: string };
      nightsToClose.add(night.id);
      expect(night.name).toBe(name);
      const read = await send({ method: 'GET', path: `/api/events/${night.id}` });
      expect(read.status).toBe(200);
      expect(read.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await read.json()) as { name: string }).name).toBe(name);
      const [stored] = await db.query<{ name: string }>('SELECT name FROM rotations WHERE event_id = :id', {
        id: sql.uuid(night.id),
      });
      expect(stored?.name).toBe(name);
    });

    it.each(HOSTILE_TEXT.filter(([, payload]) => [...payload].length <= 40))(
      'a walk-in guest named with %s',
      async (_what, guestName) => {
        const night = await openNight();
        const before = await readRotation(night);
        const response = await send({
          method: 'POST',
          path: `/api/events/${night}/requests`,
          body: json({ songId: fx.songId, guestName }),
        });
        if (response.status !== 201) {
          await expectProblem(response, 400, guestName);
          expect((await readRotation(night)).version).toBe(before.version);
          return;
        }
        const receipt = (await response.json()) as { requestId: string };
        const after = await readRotation(night);
        expect(after.upNext).toEqual([
          expect.objectContaining({ requestId: receipt.requestId, stageName: guestName.trim() }),
        ]);
      },
    );
  });

  describe('a write delivered twice is applied once', () => {
    it('withdraws a request twice in a row with 204 both times, logging one withdrawal', async () => {
      const night = await openNight();
      const requestId = await requestSong(night, 'singer2', { songId: fx.songId });
      const withdraw = () =>
        send({ method: 'DELETE', path: `/api/events/${night}/requests/${requestId}`, as: 'singer2' });
      const first = await withdraw();
      expect(first.status).toBe(204);
      const afterFirst = await readRotation(night);
      const second = await withdraw();
      expect(second.status).toBe(204);
      expect(await readRotation(night)).toEqual(afterFirst);
      const withdrawals = (await logOf(night)).filter((entry) => entry.type === 'RequestWithdrawn');
      expect(withdrawals.map((entry) => entry.requestId)).toEqual([requestId]);
    });

    it('withdraws a request twice at once with 204 both times, logging one withdrawal', async () => {
      const night = await openNight();
      const requestId = await requestSong(night, 'singer3', { songId: fx.songId });
      const answers = await Promise.all(
        [1, 2].map(() => send({ method: 'DELETE', path: `/api/events/${night}/requests/${requestId}` })),
      );
      expect(answers.map((answer) => answer.status)).toEqual([204, 204]);
      const withdrawals = (await logOf(night)).filter((entry) => entry.type === 'RequestWithdrawn');
      expect(withdrawals).toHaveLength(1);
      expect((await readRotation(night)).upNext).toEqual([]);
    });

    it('changes a key twice at once with 200 both times, logging one KeyChanged', async () => {
      const night = await openNight();
      const requestId = await requestSong(night, 'singer3', { songId: fx.songId });
      const answers = await Promise.all(
        [1, 2].map(() =>
          send({ method: 'PATCH', path: `/api/events/${night}/requests/${requestId}`, body: keyBody(-5) }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      const changes = (await logOf(night)).filter((entry) => entry.type === 'KeyChanged');
      expect(changes.map((entry) => entry.requestId)).toEqual([requestId]);
      expect((await readRotation(night)).upNext[0]?.keyChange).toBe(-5);
    });

    it('closes a night twice in a row with 200 both times, logging one EventClosed', async () => {
      const night = await openNight();
      await requestSong(night, 'singer2', { songId: fx.songId });
      const close = () => send({ method: 'POST', path: `/api/events/${night}/close` });
      const first = await close();
      expect(first.status).toBe(200);
      const closedOnce = (await first.json()) as { closed: boolean; version: number };
      expect(closedOnce.closed).toBe(true);
      const second = await close();
      expect(second.status).toBe(200);
      expect(await second.json()).toEqual(closedOnce);
      expect((await logOf(night)).filter((entry) => entry.type === 'EventClosed')).toHaveLength(1);
    });

    it('closes a night twice at once with 200 both times, logging one EventClosed', async () => {
      const night = await openNight();
      const answers = await Promise.all(
        [1, 2].map(() => send({ method: 'POST', path: `/api/events/${night}/close` })),
      );
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{
        closed: boolean;
      }>;
      expect(bodies.map((body) => body.closed)).toEqual([true, true]);
      expect((await logOf(night)).filter((entry) => entry.type === 'EventClosed')).toHaveLength(1);
    });
  });
});
