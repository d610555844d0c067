import { DEPENDENCIES, type Dependency, type Probes } from './probes.ts';

export type DependencyState = 'up' | 'down';

export interface HealthReport {
  status: 'ok' | 'degraded';
  deps: Record<Dependency, DependencyState>;
}

/** Probes every dependency in parallel, each bounded by `timeoutMs`; never throws. */
export async function checkHealth(probes: Probes, timeoutMs: number): Promise<HealthReport> {
  const states = await Promise.all(
    DEPENDENCIES.map(async (name) => [name, await probeState(() => probes[name], timeoutMs)] as const),
  );
  const deps = Object.fromEntries(states) as Record<Dependency, DependencyState>;
  const status = states.every(([, state]) => state === 'up') ? 'ok' : 'degraded';
  return { status, deps };
}

async function probeState(probe: () => Probes[Dependency], timeoutMs: number): Promise<DependencyState> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error('probe timed out'));
    }, timeoutMs);
  });
  try {
    await Promise.race([probe()(controller.signal), timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Health checks that at most one caller at a time can start: `recent()` answers from the last check
 * while it is younger than `maxAgeMs` (concurrent callers share one check in flight), `live()`
 * always checks and becomes the recent one.
 */
export function sharedHealthCheck(
  check: () => Promise<HealthReport>,
  maxAgeMs: number,
  now: () => number = Date.now,
) {
  let last: { report: Promise<HealthReport>; at: number } | undefined;
  const live = () => {
    const report = check();
    last = { report, at: now() };
    return report;
  };
  return {
    live,
    recent: () => (last !== undefined && now() - last.at < maxAgeMs ? last.report : live()),
  };
}
