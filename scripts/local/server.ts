import { createServer, type Server } from 'node:http';
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
import { createLocalOidcProvider, OIDC_MOUNT_PATH } from './oidc-provider.ts';
import { localTracer } from './xray.ts';

const isUnder = (path: string, prefix: string) =>
  path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`);

export interface LocalServer {
  url: string;
  /** The issuer the BFF trusts: the local provider's unless OIDC_ISSUER points elsewhere. */
  oidcIssuer: string;
  close(): Promise<void>;
}

export interface LocalServerOptions {
  /** Private RS256 JWK the local provider signs with (tests mint their own tokens with it). */
  oidcSigningKey?: JWK;
}

/**
 * One HTTP server for the whole local system: the BFF under `/api` and `/auth`, as API Gateway
 * routes them to the BFF Lambda on AWS, each service under `/internal/<service>`, and the local
 * OpenID provider under `/oidc` in place of
 * Cognito. Config is validated exactly as at a Lambda cold start.
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
  const useLocalProvider = env.STAGE === 'local' && !env.OIDC_ISSUER;
  const config = loadBffConfig({
    ...env,
    ...(useLocalProvider ? { OIDC_ISSUER: `${url}${OIDC_MOUNT_PATH}` } : {}),
    PUBLIC_BASE_URL: env.PUBLIC_BASE_URL ?? url,
    SERVICES_BASE_URL: url,
    SERVICE_AUTH: 'none',
  });
  // One tracer for every function this process serves: each request is a segment of its own hop.
  const tracer = localTracer(env);
  const catalog = wireCatalog(loadCatalogConfig(env), tracer);
  const singers = wireSingers(loadSingersConfig(env), tracer);
  const rotations = wireRotations(loadRotationsConfig(env), tracer);
  const performances = wirePerformances(loadPerformancesConfig(env), tracer);
  const playlists = wirePlaylists(loadPlaylistsConfig(env), tracer);
  const oidc = useLocalProvider
    ? await createLocalOidcProvider({
        stage: config.STAGE,
        issuer: config.OIDC_ISSUER,
        audience: config.OIDC_AUDIENCE,
        bffClient: {
          clientId: config.OIDC_CLIENT_ID,
          clientSecret: config.OIDC_CLIENT_SECRET,
          redirectUri: `${config.PUBLIC_BASE_URL}/auth/callback`,
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
    const service = serviceListeners.find(([basePath]) => isUnder(path, basePath));
    void (service?.[1] ?? bffListener)(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url,
    oidcIssuer: config.OIDC_ISSUER,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
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
