import { AwsClient } from 'aws4fetch';
import type { Env } from './config.ts';
import { ConfigError } from './errors.ts';

/**
 * Secrets never sit in a function's environment: `<NAME>_SSM_PARAMETER` names the SSM SecureString
 * parameter that holds `<NAME>` (`REDIS_URL_SSM_PARAMETER=/karaoke-suite/prod/cache/redis-url`),
 * and {@link withSecrets} reads every such parameter once, at cold start, before the config is
 * validated. Locally nothing names a parameter and the values come from the environment as before.
 */
export const SSM_PARAMETER_SUFFIX = '_SSM_PARAMETER';

/** Reads SecureString parameters, decrypted, by name. */
export interface SecretParameters {
  read(names: readonly string[]): Promise<Map<string, string>>;
}

/** GetParameters allows this many names per call. */
const GET_PARAMETERS_MAX = 10;

export interface SsmSettings {
  region: string;
  /** An emulator (moto) instead of the regional endpoint. */
  endpoint?: string | undefined;
  /** The function's own credentials, which Lambda puts in the environment. */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };
  fetch?: typeof fetch;
}

/**
 * SSM's GetParameters, decrypted (with the key each parameter was written with; the AWS-managed
 * `aws/ssm` key needs no grant of its own), as one SigV4-signed JSON call per ten names. Not the
 * SDK's SSM client: its error classes and schemas would add 86 kB to each bundle for one call.
 */
export function ssmSecretParameters(settings: SsmSettings): SecretParameters {
  const client = new AwsClient({ ...settings.credentials, service: 'ssm', region: settings.region });
  const endpoint = settings.endpoint ?? `https://ssm.${settings.region}.amazonaws.com/`;
  const doFetch = settings.fetch ?? fetch;
  return {
    async read(names) {
      const values = new Map<string, string>();
      for (let start = 0; start < names.length; start += GET_PARAMETERS_MAX) {
        const request = await client.sign(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'AmazonSSM.GetParameters',
          },
          body: JSON.stringify({
            Names: names.slice(start, start + GET_PARAMETERS_MAX),
            WithDecryption: true,
          }),
        });
        const response = await doFetch(request, { signal: AbortSignal.timeout(5000) });
        const text = await response.text();
        if (!response.ok) {
          throw new ConfigError(
            `secrets: SSM GetParameters answered ${response.status}: ${text.slice(0, 300)}`,
          );
        }
        const answer = JSON.parse(text) as { Parameters?: Array<{ Name?: string; Value?: string }> };
        for (const parameter of answer.Parameters ?? []) {
          if (parameter.Name && parameter.Value !== undefined) values.set(parameter.Name, parameter.Value);
        }
      }
      return values;
    },
  };
}

/**
 * The environment with every `<NAME>_SSM_PARAMETER` replaced by `<NAME>` read from SSM (one call
 * per ten parameters). Fails, naming the variables, when a parameter cannot be read or `<NAME>` is
 * also set directly (two sources for one secret is a mistake, not a fallback).
 */
export async function withSecrets(env: Env, parameters?: SecretParameters): Promise<Env> {
  const wanted = Object.entries(env).flatMap(([variable, name]) =>
    variable.endsWith(SSM_PARAMETER_SUFFIX) && name
      ? [{ target: variable.slice(0, -SSM_PARAMETER_SUFFIX.length), name }]
      : [],
  );
  if (wanted.length === 0) return env;
  const doubled = wanted.filter(({ target }) => env[target] !== undefined).map(({ target }) => target);
  if (doubled.length > 0) {
    throw new ConfigError(
      `secrets: ${doubled.join(', ')} set both directly and through ${SSM_PARAMETER_SUFFIX}; keep one`,
    );
  }
  const reader = parameters ?? ssmSecretParameters(ssmSettingsOf(env));
  const values = await reader.read([...new Set(wanted.map(({ name }) => name))]);
  const missing = wanted.filter(({ name }) => !values.has(name));
  if (missing.length > 0) {
    const list = missing.map(({ target, name }) => `${target} (${name})`).join(', ');
    throw new ConfigError(`secrets: no SSM parameter for ${list}`);
  }
  const resolved: Env = { ...env };
  for (const { target, name } of wanted) resolved[target] = values.get(name);
  return resolved;
}

/** Region, endpoint and credentials as Lambda (or the local stack) sets them in the environment. */
function ssmSettingsOf(env: Env): SsmSettings {
  const { AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = env;
  if (!AWS_REGION || !AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) {
    throw new ConfigError(
      'secrets: reading SSM parameters needs AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (set by the Lambda runtime)',
    );
  }
  return {
    region: AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL,
    credentials: {
      accessKeyId: AWS_ACCESS_KEY_ID,
      secretAccessKey: AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN,
    },
  };
}
