declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    elasticsearchUrl: string;
    awsEndpointUrl: string;
  }
}

export {};
