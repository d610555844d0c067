import { z } from '@hono/zod-openapi';
import type { Logger } from '#lib/log';

/** One part of an aggregated answer: its data, or word that it could not be had this time. */
export type Part<T> = { status: 'ok'; data: T } | { status: 'unavailable' };

/** The OpenAPI schema of a part holding `data`. */
export const partSchema = <T extends z.ZodType>(data: T, name: string) =>
  z
    .discriminatedUnion('status', [
      z.object({ status: z.literal('ok'), data }),
      z.object({ status: z.literal('unavailable') }),
    ])
    .openapi(name);

/**
 * Loads one part of an aggregate within `deadlineMs`. A failure or a late answer makes the part
 * `unavailable` (and is logged) instead of failing the whole answer; a late call is abandoned, not
 * cancelled, and ends by its own timeout.
 */
export async function loadPart<T>(
  name: string,
  deadlineMs: number,
  log: Pick<Logger, 'warn'>,
  load: () => Promise<T>,
): Promise<Part<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return { status: 'ok', data: await Promise.race([load(), deadline]) };
  } catch (error) {
    log.warn('part of an aggregate unavailable', {
      'event.reason': error instanceof Error ? error.message : String(error),
      part: name,
    });
    return { status: 'unavailable' };
  } finally {
    clearTimeout(timer);
  }
}
