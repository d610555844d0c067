/** Where a stack part keeps its files. */
export interface PartOptions {
  /** Writable folder for this run's data and logs (a fresh temp folder in tests, `.local/data` for `npm start`). */
  runDir: string;
  /** Downloads and builds kept across runs (`.local/cache`), so a warm start needs no network. */
  cacheDir: string;
  /** Progress lines for people watching a slow first start. */
  progress: (line: string) => void;
}

/** One running local stand-in for a production service. */
export interface StackPart {
  name: 'postgres' | 'redis' | 'elasticsearch' | 'moto';
  /** How clients reach it: a connection URL or an HTTP endpoint. */
  url: string;
  /** True when an override variable pointed at a server that someone else runs; stop() leaves it alone. */
  external: boolean;
  startedInMs: number;
  logFile?: string;
  stop(): Promise<void>;
}
