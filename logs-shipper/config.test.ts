import { describe, expect, it } from 'vitest';
import { ConfigError } from '#lib/errors';
import { loadShipperConfig } from './config.ts';

const env = {
  STAGE: 'dev',
  AWS_REGION: 'eu-west-1',
  ELASTICSEARCH_URL: 'https://logs.es.example.com:9243',
  LOGS_DEAD_LETTER_QUEUE_URL:
    'https://sqs.eu-west-1.amazonaws.com/123456789012/karaoke-suite-dev-logs-dead-letter',
};

describe('loadShipperConfig', () => {
  it('reads the settings and defaults the retry policy and index prefix', () => {
    expect(loadShipperConfig(env)).toMatchObject({
      LOGS_INDEX_PREFIX: 'karaoke-logs',
      LOGS_MAX_ATTEMPTS: 4,
      LOGS_RETRY_BASE_MS: 200,
    });
  });

  it('fails at cold start naming every missing or invalid setting', () => {
    const attempt = () =>
      loadShipperConfig({ STAGE: 'dev', AWS_REGION: 'eu-west-1', LOGS_INDEX_PREFIX: 'Logs_*' });
    expect(attempt).toThrow(ConfigError);
    for (const variable of ['ELASTICSEARCH_URL', 'LOGS_INDEX_PREFIX', 'LOGS_DEAD_LETTER_QUEUE_URL']) {
      expect(attempt).toThrow(variable);
    }
  });
});
