import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { JWK } from 'jose';
import { createApp } from '#bff/app';
import { loadBffConfig } from '#bff/config';
import { wireBff } from '#bff/wiring';
import { createCatalogApp } from '#services/catalog/app';
import { loadCatalogConfig } from '#services/catalog/config';
import * as catalogContract from '#services/catalog/contract';
import { wireCatalog } from '#services/catalog/wiring';
import { createPerformancesApp } from '#services/performances/app';
import { loadPerformancesConfig } from '#services/performances/config';
import * as performancesContract from '#services/performances/contract';
import { wirePerformances } from '#services/performances/wiring';
import { createPlaylistsApp } from '#services/playlists/app';
import { loadPlaylistsConfig } from '#services/playlists/config';
import * as playlistsContract from '#services/playlists/contract';
import { wirePlaylists } from '#services/playlists/wiring';
import { createRotationsApp } from '#services/rotations/app';
import { loadRotationsConfig } from '#services/rotations/config';
import * as rotationsContract from '#services/rotations/contract';
import { wireRotations } from '#services/rotations/wiring';
import { createSingersApp } from '#services/singers/app';
import { loadSingersConfig } from '#services/singers/config';
import * as singersContract from '#services/singers/contract';
import { wireSingers } from '#services/singers/wiring';
import { createLocalOidcProvider, type LocalOidcProvider, OIDC_MOUNT_PATH } from './oidc-provider.ts';
import { localTracer } from './xray.ts';

const isUnder = (path: string, prefix: string) =>
  path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`);

export interface LocalServer {
  url: string;
  /**
   * The services' internal routes: a second listener on loopback, as AWS serves them only to
   * signed callers and never on the public domain. Calls need an actor token (`#lib/actor-token`).
   */
  internalUrl: string;
  /** The issuer the BFF trusts: the local provider's unless OIDC_ISSUER points elsewhere. */
  oidcIssuer: string;
  /** The local provider, when this server runs it (tests act as its administrator through it). */
  localProvider?: LocalOidcProvider;
  close(): Promise<void>;
}

export interface LocalServerOptions {
  /** Private RS256 JWK the local provider signs with (tests mint their own tokens with it). */
  oidcSigningKey?: JWK;
  /** Port of the internal listener (default: any free one). */
  internalPort?: number;
}

/**
 * The local system on two loopback listeners: the public one serves the BFF under `/api` and
 * `/auth`, as API Gateway routes them to the BFF Lambda on AWS, and the local OpenID provider under
 * `/oidc` in place of Cognito; the internal one serves each service under `/internal/<service>`
 * and nothing else, on a port of its own, and only to requests addressed to it by its own host
 * name: a page in a browser cannot reach it through the public port, nor by pointing a name of
 * its own at 127.0.0.1 (DNS rebinding). Config is validated exactly as at a Lambda cold start.
 *
 * With STAGE=local and no OIDC_ISSUER, the local provider is started and the BFF trusts it; its
 * issuer and the BFF's public URL follow from the port. Set OIDC_ISSUER (with the client id and
 * secret registered there) to sign in against a real provider instead.
 */
export async function startLocalServer(
  env: Record<string, string | undefined>,
  port: number,
  options: LocalServerOptions = {},
): Promise<LocalServer> {
  const url = `http://127.0.0.1:${port}`;
  const internal = createServer();
  await listenOnLoopback(internal, options.internalPort ?? 0);
  const internalHost = `127.0.0.1:${(internal.address() as AddressInfo).port}`;
  const internalUrl = `http://${internalHost}`;
  const useLocalProvider = env.STAGE === 'local' && !env.OIDC_ISSUER;
  const config = loadBffConfig({
    ...env,
    ...(useLocalProvider ? { OIDC_ISSUER: `${url}${OIDC_MOUNT_PATH}` } : {}),
    PUBLIC_BASE_URL: env.PUBLIC_BASE_URL ?? url,
    SERVICES_BASE_URL: internalUrl,
    SERVICE_AUTH: 'none',
  });
  // One tracer for every function this process serves: each request is a segment of its own hop.
  const tracer = localTracer(env);
  const catalog = wireCatalog(loadCatalogConfig(env), tracer);
  const singers = wireSingers(loadSingersConfig(env), tracer);
  const rotations = wireRotations(loadRotationsConfig(env), tracer);
  const performances = wirePerformances(loadPerformancesConfig(env), tracer);
  // Pitch e-mails link to this server's /p/<token>, as they link to the BFF on AWS.
  const playlists = wirePlaylists(
    loadPlaylistsConfig({ ...env, PUBLIC_BASE_URL: config.PUBLIC_BASE_URL }),
    tracer,
  );
  const oidc = useLocalProvider
    ? await createLocalOidcProvider({
        stage: config.STAGE,
        issuer: config.OIDC_ISSUER,
        audience: config.OIDC_AUDIENCE,
        bffClient: {
          clientId: config.OIDC_CLIENT_ID,
          clientSecret: config.OIDC_CLIENT_SECRET,
          redirectUri: `${config.PUBLIC_BASE_URL}/auth/callback`,
          postLogoutRedirectUri: `${config.PUBLIC_BASE_URL}/`,
        },
        ...(options.oidcSigningKey ? { signingKey: options.oidcSigningKey } : {}),
      })
    : undefined;
  const bff = wireBff(config, tracer);
  // Each app gets only its own paths, as API Gateway routes them to separate Lambdas: the BFF's
  // middleware (sessions, rate limits) never sees a service's internal call.
  const serviceListeners: Array<[string, ReturnType<typeof getRequestListener>]> = [
    [catalogContract.basePath, getRequestListener(createCatalogApp(catalog).fetch)],
    [singersContract.basePath, getRequestListener(createSingersApp(singers).fetch)],
    [rotationsContract.basePath, getRequestListener(createRotationsApp(rotations).fetch)],
    [performancesContract.basePath, getRequestListener(createPerformancesApp(performances).fetch)],
    [playlistsContract.basePath, getRequestListener(createPlaylistsApp(playlists).fetch)],
  ];
  const bffListener = getRequestListener(createApp(bff).fetch);
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (oidc && isUnder(path, OIDC_MOUNT_PATH)) {
      oidc.handle(req, res);
      return;
    }
    void bffListener(req, res);
  });
  internal.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const service = serviceListeners.find(([basePath]) => isUnder(req.url ?? '/', basePath));
    if (req.headers.host !== internalHost || !service) {
      refuse(res, req.headers.host !== internalHost ? 421 : 404);
      return;
    }
    void service[1](req, res);
  });
  try {
    await listenOnLoopback(server, port);
  } catch (error) {
    internal.close();
    throw error;
  }
  return {
    url,
    internalUrl,
    oidcIssuer: config.OIDC_ISSUER,
    ...(oidc ? { localProvider: oidc } : {}),
    async close() {
      await Promise.all(
        [server, internal].map(
          (listener) =>
            new Promise<void>((resolve) => {
              listener.close(() => resolve());
              listener.closeIdleConnections();
            }),
        ),
      );
      await Promise.all([
        bff.close(),
        catalog.close(),
        singers.close(),
        rotations.close(),
        performances.close(),
        playlists.close(),
      ]);
    },
  };
}

function listenOnLoopback(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

/** 421: addressed to another host name (a rebound DNS name); 404: not a service's route. */
function refuse(res: ServerResponse, status: 404 | 421): void {
  const detail =
    status === 421
      ? 'The internal routes answer only under their own host name.'
      : 'No service has this route.';
  res.writeHead(status, { 'content-type': 'application/problem+json', connection: 'close' });
  res.end(
    JSON.stringify({
      type: 'about:blank',
      status,
      title: status === 421 ? 'Misdirected Request' : 'Not Found',
      detail,
    }),
  );
}
