/** X-Ray's default rule: the first request of each second, then `rate` of the rest. */
export function samplingRule(rate: number, clock: () => number = Date.now): () => boolean {
  let second = -1;
  return () => {
    const current = Math.floor(clock() / 1000);
    if (current !== second) {
      second = current;
      return true;
    }
    return rate >= 1 || Math.random() < rate;
  };
}
