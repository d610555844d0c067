import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { testAuth } from '../auth/testing.ts';
import { memoryBffDeps } from '../testing.ts';

async function appUnderTest() {
  const auth = await testAuth();
  const app = createApp(memoryBffDeps(auth.deps));
  return { app, auth };
}

interface Operation {
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: unknown;
  responses: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
}
type Description = {
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }> };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const UNSAFE = new Set(['post', 'put', 'patch', 'delete']);

async function description(app: Awaited<ReturnType<typeof appUnderTest>>['app']): Promise<Description> {
  return (await (await app.request('/api/openapi.json')).json()) as Description;
}

describe('the API description', () => {
  it("declares the request pipeline's answers on every operation, by what the operation takes", async () => {
    const { app } = await appUnderTest();
    const document = await description(app);
    const missing: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const parameters = operation.parameters ?? [];
        const expected = ['401', '429', '431', '503'];
        if (parameters.length > 0 || operation.requestBody) expected.push('400');
        if (path.includes('{') || parameters.some((parameter) => parameter.name === 'cursor'))
          expected.push('404');
        if (parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'if-match'))
          expected.push('412');
        if (UNSAFE.has(method)) expected.push('403', '413');
        if (operation.requestBody) expected.push('415');
        for (const status of expected) {
          if (!operation.responses[status]) missing.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('describes a refused request as a problem with field-level issues', async () => {
    const { app } = await appUnderTest();
    const document = (await description(app)) as Description & {
      components: { schemas: Record<string, unknown> };
    };
    expect(document.components.responses.InvalidRequest?.content['application/problem+json']?.schema).toEqual(
      {
        $ref: '#/components/schemas/ValidationProblem',
      },
    );
    expect(document.components.schemas.ValidationProblem).toMatchObject({
      allOf: [
        { $ref: '#/components/schemas/Problem' },
        { properties: { issues: { type: 'array' } }, required: ['issues'] },
      ],
    });
    const refused = await app.request('/api/songs/search?limit=500');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({ issues: [{ path: 'limit', message: expect.any(String) }] });
  });

  it('answers 405 with the methods of the path in Allow for every method a described path does not take', async () => {
    const { app } = await appUnderTest();
    const document = await description(app);
    const wrong: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      const url = path.replaceAll(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000001');
      const declared = Object.keys(item).map((method) => method.toUpperCase());
      const allow = [...declared, ...(declared.includes('GET') ? ['HEAD'] : [])].sort().join(', ');
      for (const method of METHODS) {
        if (item[method]) continue;
        const response = await app.request(url, { method: method.toUpperCase() });
        const problem = (await response.json()) as { status?: number };
        if (response.status !== 405 || response.headers.get('allow') !== allow || problem.status !== 405) {
          wrong.push(
            `${method.toUpperCase()} ${path}: ${response.status} Allow: ${response.headers.get('allow')}`,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('takes a literal path segment before a parameter: DELETE on a media link is a 405, not a bad media id', async () => {
    const { app } = await appUnderTest();
    const response = await app.request('/api/songs/00000000-0000-4000-8000-000000000001/media/download', {
      method: 'DELETE',
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses a query value whose percent-encoding is no UTF-8 (a lone surrogate) naming the parameter', async () => {
    const { app } = await appUnderTest();
    for (const query of ['q=a%ED%A0%80', 'q=%FF', 'q=%E2%82']) {
      const response = await app.request(`/api/songs/search?limit=5&${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ issues: [{ path: 'q' }] });
    }
  });

  it('answers a body that is not JSON with 415, and an unknown path with 404', async () => {
    const { app, auth } = await appUnderTest();
    const token = await auth.bearerToken({ groups: ['curator'] });
    const response = await app.request('/api/songs', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: 'title=x',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
    expect((await app.request('/api/no-such-thing', { method: 'POST' })).status).toBe(404);
  });
});
