import type { LakeStore } from './store.ts';

/**
 * The lake in memory, for unit tests: `failPuts` / `failRemoves` make that many calls fail first
 * (counted in `failures`), so a test can prove its fault happened before asserting the recovery.
 */
export function memoryLake(faults: { failPuts?: number; failPutsAfter?: number; failRemoves?: number } = {}) {
  const objects = new Map<string, Uint8Array>();
  const failures = { puts: 0, removes: 0 };
  let puts = 0;
  const lake: LakeStore = {
    async put(key, body) {
      puts += 1;
      const due = puts > (faults.failPutsAfter ?? 0);
      if (due && failures.puts < (faults.failPuts ?? 0)) {
        failures.puts += 1;
        throw new Error('bucket unavailable');
      }
      objects.set(key, body);
    },
    async get(key) {
      const body = objects.get(key);
      if (!body) throw new Error(`no object ${key}`);
      return body;
    },
    async list(prefix) {
      return [...objects.entries()]
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, body]) => ({ key, size: body.length, lastModified: new Date(0) }));
    },
    async remove(keys) {
      if (failures.removes < (faults.failRemoves ?? 0)) {
        failures.removes += 1;
        throw new Error('bucket unavailable');
      }
      for (const key of keys) objects.delete(key);
    },
  };
  return { lake, objects, failures };
}
