/**
 * Merges concurrent calls for one key in this process: while a call for `key` runs, later calls
 * for the same key wait for its result (or its error) instead of starting their own. Once it
 * settles the key is free again, so nothing is remembered beyond the call itself.
 */
export function singleFlight<T>() {
  const inFlight = new Map<string, Promise<T>>();
  return {
    run(key: string, call: () => Promise<T>): Promise<T> {
      const running = inFlight.get(key);
      if (running) return running;
      const started = (async () => call())().finally(() => inFlight.delete(key));
      inFlight.set(key, started);
      return started;
    },
    get size() {
      return inFlight.size;
    },
  };
}
