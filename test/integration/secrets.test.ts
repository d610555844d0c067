import { randomBytes } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError } from '#lib/errors';
import { withSecrets } from '#lib/secrets';
import { LOCAL_REGION } from '#scripts/local/bootstrap';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const prefix = `/secrets-test-${randomBytes(4).toString('hex')}`;

/** Writes SecureString parameters into moto the way Terraform does on AWS. */
async function putSecureString(name: string, value: string): Promise<void> {
  const ssm = new AwsClient({ ...credentials, service: 'ssm', region: LOCAL_REGION });
  const response = await ssm.fetch(inject('awsEndpointUrl'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.PutParameter' },
    body: JSON.stringify({ Name: name, Value: value, Type: 'SecureString', Overwrite: true }),
  });
  expect(response.status, await response.text()).toBe(200);
}

const lambdaEnv = (extra: Record<string, string>) => ({
  AWS_REGION: LOCAL_REGION,
  AWS_ENDPOINT_URL: inject('awsEndpointUrl'),
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  STAGE: 'test',
  ...extra,
});

describe('secrets read from SSM SecureString parameters at cold start', () => {
  beforeAll(async () => {
    await putSecureString(`${prefix}/redis-url`, 'rediss://:s3cret@cache.internal:6379');
    await putSecureString(`${prefix}/client-secret`, 'oidc-client-secret');
    for (let i = 0; i < 12; i++) await putSecureString(`${prefix}/many/${i}`, `value-${i}`);
  });

  it('puts each parameter’s decrypted value where its _SSM_PARAMETER variable says, leaving the rest', async () => {
    const env = await withSecrets(
      lambdaEnv({
        REDIS_URL_SSM_PARAMETER: `${prefix}/redis-url`,
        OIDC_CLIENT_SECRET_SSM_PARAMETER: `${prefix}/client-secret`,
      }),
    );
    expect(env.REDIS_URL).toBe('rediss://:s3cret@cache.internal:6379');
    expect(env.OIDC_CLIENT_SECRET).toBe('oidc-client-secret');
    expect(env.STAGE).toBe('test');
  });

  it('reads more than the ten names one GetParameters call takes', async () => {
    const wanted = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`VALUE_${i}_SSM_PARAMETER`, `${prefix}/many/${i}`]),
    );
    const env = await withSecrets(lambdaEnv(wanted));
    expect(Array.from({ length: 12 }, (_, i) => env[`VALUE_${i}`])).toEqual(
      Array.from({ length: 12 }, (_, i) => `value-${i}`),
    );
  });

  it('fails the cold start, naming the variable, when a parameter does not exist', async () => {
    const failure = withSecrets(lambdaEnv({ REDIS_URL_SSM_PARAMETER: `${prefix}/nothing-here` }));
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(`REDIS_URL (${prefix}/nothing-here)`);
  });

  it('refuses a secret set both directly and through a parameter', async () => {
    await expect(
      withSecrets(lambdaEnv({ REDIS_URL: 'redis://x', REDIS_URL_SSM_PARAMETER: `${prefix}/redis-url` })),
    ).rejects.toThrow(/REDIS_URL set both/);
  });

  it('asks nothing of SSM when no variable names a parameter (the local stack)', async () => {
    const local = { STAGE: 'local', REDIS_URL: 'redis://127.0.0.1:6379' };
    const refusing = {
      read: async () => {
        throw new Error('SSM must not be called');
      },
    };
    await expect(withSecrets(local, refusing)).resolves.toEqual(local);
  });

  it('fails clearly when SSM refuses the call (bad credentials answer 4xx on AWS)', async () => {
    const env = lambdaEnv({
      REDIS_URL_SSM_PARAMETER: `${prefix}/redis-url`,
      AWS_ENDPOINT_URL: `${inject('awsEndpointUrl')}/no-such-path`,
    });
    await expect(withSecrets(env)).rejects.toBeInstanceOf(ConfigError);
  });
});
