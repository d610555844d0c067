declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    elasticsearchUrl: string;
    awsEndpointUrl: string;
    /** The environment every deployable gets locally (see `scripts/local/bootstrap.ts`). */
    localEnv: Record<string, string>;
  }
}

export {};
