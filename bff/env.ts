import type { RequestVariables } from '#lib/http';
import type { Logger } from '#lib/log';
import type { RateLimiter } from './abuse/rate-limit.ts';
import type { AuthDeps, AuthVariables } from './auth/middleware.ts';
import type { Cache } from './cache/port.ts';
import type { CatalogClient } from './clients/catalog.ts';
import type { PerformancesClient } from './clients/performances.ts';
import type { PitchesClient, PlaylistsClient } from './clients/playlists.ts';
import type { RotationsClient } from './clients/rotations.ts';
import type { SingersClient } from './clients/singers.ts';
import type { BffConfig } from './config.ts';
import type { Probes } from './health/probes.ts';
import type { UnlockAttempts } from './pitch/unlock.ts';
import type { UsagePublisher } from './usage/publisher.ts';

/**
 * Everything the BFF talks to, injected so tests can pass real local clients or faulty ones.
 * A new area adds its port here (one line), its adapter in `wiring.ts`, and its routes in `app.ts`.
 */
export interface BffDeps {
  config: BffConfig;
  log: Logger;
  probes: Probes;
  auth: AuthDeps;
  catalog: CatalogClient;
  singers: SingersClient;
  rotations: RotationsClient;
  performances: PerformancesClient;
  playlists: PlaylistsClient;
  pitches: PitchesClient;
  /** The read cache; routes use it through `cachedRead` (bff/cache/http.ts). */
  cache: Cache;
  rateLimiter: RateLimiter;
  /** Read events (searches, views, streams) for the usage lake; routes use it through `recordUsage`. */
  usage: UsagePublisher;
  /**
   * Wrong passwords per pitch link, shared by every instance (Redis). Absent only in in-process
   * tests, where the pitch pages count in their own process.
   */
  pitchUnlocks?: UnlockAttempts;
}

/** Read with `c.get(…)` on hot paths: each `c.var` access copies every variable into a new object. */
export type BffEnv = { Variables: RequestVariables & AuthVariables & { deps: BffDeps } };
