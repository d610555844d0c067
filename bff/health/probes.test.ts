import { describe, expect, it } from 'vitest';
import { elasticsearchProbe, healthRequest } from './probes.ts';

describe('the Elasticsearch health probe', () => {
  it('moves the credentials of a deployed URL into a Basic header, since fetch refuses them in a URL', () => {
    const { url, authorization } = healthRequest({
      ELASTICSEARCH_URL: 'https://search%40user:p%3Ass%2Fw0rd@es.example:9243/',
    });
    expect(url.href).toBe('https://es.example:9243/_cluster/health');
    expect(Buffer.from(String(authorization).replace(/^Basic /, ''), 'base64').toString()).toBe(
      'search@user:p:ss/w0rd',
    );
  });

  it('sends an API key when one is set, and nothing for a local URL without credentials', () => {
    expect(healthRequest({ ELASTICSEARCH_URL: 'https://es.example', ELASTICSEARCH_API_KEY: 'k' })).toEqual({
      url: new URL('https://es.example/_cluster/health'),
      authorization: 'ApiKey k',
    });
    expect(healthRequest({ ELASTICSEARCH_URL: 'http://127.0.0.1:9200' })).toEqual({
      url: new URL('http://127.0.0.1:9200/_cluster/health'),
    });
  });

  it('passes a URL fetch accepts, and fails on a red cluster', async () => {
    const seen: Array<{ url: string; authorization: string | null }> = [];
    const fakeFetch = (async (input: URL, init?: RequestInit) => {
      // The real fetch throws on a URL with credentials; this one checks the same.
      if (input.username || input.password)
        throw new TypeError('Request cannot be constructed from a URL that includes credentials');
      seen.push({ url: input.href, authorization: new Headers(init?.headers).get('authorization') });
      return Response.json({ status: seen.length === 1 ? 'green' : 'red' });
    }) as typeof fetch;
    const probe = elasticsearchProbe({ ELASTICSEARCH_URL: 'https://u:p@es.example' }, fakeFetch);
    await expect(probe(AbortSignal.timeout(1000))).resolves.toBeUndefined();
    await expect(probe(AbortSignal.timeout(1000))).rejects.toThrow('cluster status red');
    expect(seen[0]).toEqual({ url: 'https://es.example/_cluster/health', authorization: 'Basic dTpw' });
  });
});
