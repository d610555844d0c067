/** Settings every AWS SDK v3 client of a deployable shares. */
export interface AwsClientSettings {
  AWS_REGION: string;
  AWS_ENDPOINT_URL?: string | undefined;
}

/**
 * Client options for the configured region; with an emulator endpoint (moto, locally) the client
 * also gets throwaway static credentials, so it never searches the machine for real ones.
 */
export function awsClientConfig(settings: AwsClientSettings) {
  if (!settings.AWS_ENDPOINT_URL) return { region: settings.AWS_REGION };
  return {
    region: settings.AWS_REGION,
    endpoint: settings.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}
