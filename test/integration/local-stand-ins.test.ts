import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ensureLocalAwsResources, localCredentials } from '#scripts/local/aws-resources';
import { LOCAL_REGION } from '#scripts/local/bootstrap';

const aws = { endpoint: inject('awsEndpointUrl'), region: LOCAL_REGION, credentials: localCredentials };

describe('Redis', () => {
  const redis = new Redis(inject('redisUrl'));
  afterAll(() => redis.quit());

  it('stores and expires keys', async () => {
    await redis.set('stand-in:probe', 'value', 'PX', 50);
    expect(await redis.get('stand-in:probe')).toBe('value');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await redis.get('stand-in:probe')).toBeNull();
  });
});

describe('Elasticsearch', () => {
  const es = new ElasticsearchClient({ node: inject('elasticsearchUrl') });
  afterAll(() => es.close());

  it('is an 8.x server the official client accepts', async () => {
    const health = await es.cluster.health();
    expect(['green', 'yellow']).toContain(health.status);
  });

  it('folds case, accents and apostrophes with the analyzers the song index relies on', async () => {
    const index = `stand-in-${Date.now()}`;
    await es.indices.create({
      index,
      settings: {
        analysis: {
          char_filter: { no_apostrophes: { type: 'pattern_replace', pattern: "['’]", replacement: '' } },
          analyzer: {
            folding: {
              type: 'custom',
              tokenizer: 'standard',
              char_filter: ['no_apostrophes'],
              filter: ['lowercase', 'asciifolding'],
            },
          },
        },
      },
      mappings: { properties: { title: { type: 'text', analyzer: 'folding' } } },
    });
    await es.index({ index, id: '1', document: { title: "Don't Stop Beyoncé" }, refresh: true });
    for (const query of ['dont', 'beyonce', 'DON’T']) {
      const result = await es.search({ index, query: { match: { title: query } } });
      expect(
        result.hits.hits.map((hit) => hit._id),
        query,
      ).toEqual(['1']);
    }
    await es.indices.delete({ index });
  });
});

describe('moto (SNS, SQS, S3 through the real AWS SDK clients)', () => {
  const sns = new SNSClient(aws);
  const sqs = new SQSClient(aws);
  const s3 = new S3Client({ ...aws, forcePathStyle: true });
  afterAll(() => {
    sns.destroy();
    sqs.destroy();
    s3.destroy();
  });

  it('delivers a change to the queues whose filter accepts its entity, raw, with attributes', async () => {
    const resources = await ensureLocalAwsResources({ ...aws, prefix: `t${Date.now()}-` });
    await sns.send(
      new PublishCommand({
        TopicArn: resources.changesTopicArn,
        Message: JSON.stringify({ entity: 'song', op: 'upsert', key: 'k1', version: 7 }),
        MessageAttributes: {
          entity: { DataType: 'String', StringValue: 'song' },
          op: { DataType: 'String', StringValue: 'upsert' },
        },
      }),
    );
    const receive = (url: string) =>
      sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
      );
    for (const queue of [resources.queues['search-indexer'], resources.queues['cache-invalidator']]) {
      const { Messages = [] } = await receive(queue.url);
      expect(Messages).toHaveLength(1);
      const [message] = Messages;
      expect(JSON.parse(message?.Body ?? '')).toEqual({
        entity: 'song',
        op: 'upsert',
        key: 'k1',
        version: 7,
      });
      expect(message?.MessageAttributes?.entity?.StringValue).toBe('song');
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message?.ReceiptHandle }),
      );
    }
    // The performances queue's filter policy keeps song changes out.
    const { Messages: none = [] } = await receive(resources.queues.performances.url);
    expect(none).toEqual([]);
  });

  it('stores and returns S3 objects', async () => {
    const { mediaBucket } = await ensureLocalAwsResources({ ...aws, prefix: `s${Date.now()}-` });
    await s3.send(new PutObjectCommand({ Bucket: mediaBucket, Key: 'tracks/1.txt', Body: 'la la la' }));
    const object = await s3.send(new GetObjectCommand({ Bucket: mediaBucket, Key: 'tracks/1.txt' }));
    expect(await object.Body?.transformToString()).toBe('la la la');
  });

  it('creating the resources twice is harmless', async () => {
    const prefix = `idem${Date.now()}-`;
    const first = await ensureLocalAwsResources({ ...aws, prefix });
    const second = await ensureLocalAwsResources({ ...aws, prefix });
    expect(second).toEqual(first);
  });
});
