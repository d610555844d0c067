import { buildWeb } from '#scripts/web-build';

/**
 * Vitest global setup of the e2e project: builds the front end into `dist/web` once per run, from
 * the sources as they are, before any browser test loads a page (well under a second).
 */
export default async function setup(): Promise<void> {
  const built = await buildWeb();
  console.log(`Front end built in ${Math.round(built.ms)} ms`);
}
