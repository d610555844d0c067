import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { awsConfig, dbConfig, logConfig, parseConfig } from './config.ts';
import { ConfigError } from './errors.ts';

const schema = logConfig.and(awsConfig).and(dbConfig);

describe('parseConfig', () => {
  it('accepts a complete pg configuration and applies only harmless defaults', () => {
    const config = parseConfig('svc', schema, {
      STAGE: 'local',
      AWS_REGION: 'us-east-1',
      DB_DRIVER: 'pg',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
    });
    expect(config).toMatchObject({ STAGE: 'local', LOG_LEVEL: 'INFO', DB_DRIVER: 'pg' });
  });

  it('names every missing variable and says what it should hold', () => {
    const parse = () => parseConfig('svc', schema, { DB_DRIVER: 'data-api' });
    expect(parse).toThrow(ConfigError);
    const message = (() => {
      try {
        parse();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('svc: invalid configuration');
    for (const variable of ['STAGE', 'AWS_REGION', 'DB_CLUSTER_ARN', 'DB_SECRET_ARN', 'DB_NAME']) {
      expect(message).toContain(variable);
    }
  });

  it('rejects an unknown database driver with the accepted values', () => {
    expect(() => parseConfig('svc', dbConfig, { DB_DRIVER: 'mysql' })).toThrow(/'pg'.*'data-api'/);
  });

  it('rejects a URL variable that is not a URL', () => {
    expect(() =>
      parseConfig('svc', z.object({ X: awsConfig.shape.AWS_ENDPOINT_URL }), { X: 'not a url' }),
    ).toThrow(/X: must be a URL/);
  });
});
