import { describe, expect, it } from 'vitest';
import { ConfigError } from '#lib/errors';
import { loadDlqMonitorConfig } from '../config.ts';
import { queueName, sampleDeadLetterQueues } from './monitor.ts';

function recordingLog() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, message, fields });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

const base = 'https://sqs.eu-west-1.amazonaws.com/123456789012';

describe('dead-letter queue depths', () => {
  it('logs each depth under queue.dlq_depth, as a warning when messages wait', async () => {
    const log = recordingLog();
    const depths: Record<string, number> = { [`${base}/a-dlq`]: 0, [`${base}/b-dlq`]: 4 };
    const sample = await sampleDeadLetterQueues(async (url) => depths[url] ?? 0, Object.keys(depths), log);
    expect(sample).toEqual({
      sampled: [
        { queue: 'a-dlq', depth: 0 },
        { queue: 'b-dlq', depth: 4 },
      ],
      failed: [],
    });
    expect(log.lines).toEqual([
      {
        level: 'info',
        message: 'dead-letter queue depth',
        fields: { 'queue.name': 'a-dlq', 'queue.dlq_depth': 0 },
      },
      {
        level: 'warn',
        message: 'dead-letter queue holds messages',
        fields: { 'queue.name': 'b-dlq', 'queue.dlq_depth': 4 },
      },
    ]);
  });

  it('still samples the other queues when one cannot be read', async () => {
    const log = recordingLog();
    const sample = await sampleDeadLetterQueues(
      async (url) => {
        if (url.endsWith('/gone-dlq')) throw new Error('AWS.SimpleQueueService.NonExistentQueue');
        return 2;
      },
      [`${base}/gone-dlq`, `${base}/kept-dlq`],
      log,
    );
    expect(sample).toEqual({ sampled: [{ queue: 'kept-dlq', depth: 2 }], failed: ['gone-dlq'] });
    expect(log.lines[0]).toMatchObject({
      level: 'error',
      fields: { 'queue.name': 'gone-dlq', 'error.message': 'AWS.SimpleQueueService.NonExistentQueue' },
    });
  });

  it('names a queue by the last segment of its URL', () => {
    expect(queueName(`${base}/karaoke-suite-dev-search-indexer-dlq`)).toBe(
      'karaoke-suite-dev-search-indexer-dlq',
    );
  });

  it('refuses a configuration without queue URLs, or with something else in the list', () => {
    const env = { STAGE: 'dev', AWS_REGION: 'eu-west-1' };
    expect(() => loadDlqMonitorConfig(env)).toThrow(/DLQ_URLS/);
    expect(() => loadDlqMonitorConfig({ ...env, DLQ_URLS: ' , ' })).toThrow(ConfigError);
    expect(() => loadDlqMonitorConfig({ ...env, DLQ_URLS: `${base}/a-dlq,not a url` })).toThrow(/queue URL/);
    expect(loadDlqMonitorConfig({ ...env, DLQ_URLS: ` ${base}/a-dlq , ${base}/b-dlq ` }).DLQ_URLS).toEqual([
      `${base}/a-dlq`,
      `${base}/b-dlq`,
    ]);
  });
});
